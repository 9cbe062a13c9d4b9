/**
 * ISO 8601 durations (as validated by `z.iso.duration()`), added to a UTC time by Temporal's
 * calendar arithmetic (temporal-polyfill): calendar parts first, clamped at a month's end
 * (2026-01-31 + P1M = 2026-02-28, 2024-02-29 + P1Y = 2025-02-28 — a month is a calendar month, as
 * GDPR's "one month" is read), then exact time. The one parser of durations in the tree.
 */
import { Temporal } from 'temporal-polyfill';

/** Durations parsed before: a ledger uses a handful (retention periods, deadlines), and parsing one costs ~3 % of the write path. Bounded. */
const parsed = new Map<string, Temporal.Duration>();
const PARSED_MAX = 1024;

function parse(duration: string): Temporal.Duration {
  const known = parsed.get(duration);
  if (known) return known;
  let result: Temporal.Duration;
  try {
    result = Temporal.Duration.from(duration);
  } catch (cause) {
    throw new RangeError(`not an ISO 8601 duration: ${duration}`, { cause });
  }
  // Temporal values are immutable: one may be shared by every caller.
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(duration, result);
  return result;
}

export function isDuration(text: string): boolean {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}

export function addDuration(isoTime: string, duration: string): string {
  return addPlainly(isoTime, duration) ?? addByTemporal(isoTime, duration);
}

/** The rule itself, by Temporal: what `addDuration` answers for any input its plain path leaves. */
export function addByTemporal(isoTime: string, duration: string): string {
  const start = Temporal.Instant.from(isoTime).toZonedDateTimeISO('UTC');
  return new Date(start.add(parse(duration)).epochMilliseconds).toISOString();
}

/*
 * The same sum in plain integer arithmetic, for the shapes the ledger writes: a UTC time to the
 * millisecond ("…Z") and a duration of whole calendar parts and seconds to the millisecond. It runs
 * per collection event (a retention's end), where Temporal's parsing and objects were a fifth of a
 * rebuild. Temporal's rule (AddZonedDateTime in UTC): years and months first, the day clamped to
 * the month's end, then weeks and days as whole days, then the time parts as exact time. Anything
 * else (an offset, sub-millisecond digits, a year outside 1000–9999, huge parts) returns null and
 * goes to Temporal; test/unit/duration.test.ts holds both equal over many random inputs.
 */
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;
const DURATION = /^P(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6})(?:[.,](\d{1,3}))?S)?)?$/;
const DAY_MS = 86_400_000;

interface PlainDuration { readonly months: number; readonly days: number; readonly ms: number }
const plainDurations = new Map<string, PlainDuration | null>();

function plainDuration(duration: string): PlainDuration | null {
  let parsed = plainDurations.get(duration);
  if (parsed !== undefined) return parsed;
  const m = DURATION.exec(duration);
  // "P" alone and a "T" with nothing after it are not durations: Temporal says so.
  const n = (i: number) => Number(m?.[i] ?? 0);
  parsed = m === null || duration === 'P' || duration.endsWith('T') ? null : {
    months: n(1) * 12 + n(2),
    days: n(3) * 7 + n(4),
    ms: n(5) * 3_600_000 + n(6) * 60_000 + n(7) * 1000 + (m[8] === undefined ? 0 : Number(m[8].padEnd(3, '0'))),
  };
  if (plainDurations.size >= 256) plainDurations.clear();
  plainDurations.set(duration, parsed);
  return parsed;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const daysInMonth = (year: number, month: number): number => (month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!);

function addPlainly(isoTime: string, duration: string): string | null {
  const span = plainDuration(duration);
  const t = span === null ? null : TIME.exec(isoTime);
  if (span === null || t === null) return null;
  const year = Number(t[1]);
  const month = Number(t[2]);
  const day = Number(t[3]);
  const hour = Number(t[4]);
  const minute = Number(t[5]);
  const second = Number(t[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  const monthIndex = year * 12 + (month - 1) + span.months;
  const toYear = Math.floor(monthIndex / 12);
  const toMonth = (monthIndex % 12) + 1;
  // Date.UTC reads years 0–99 as 1900–1999, and toISOString writes years past 9999 otherwise.
  if (toYear < 1000 || toYear > 9999) return null;
  const ms = t[7] === undefined ? 0 : Number(t[7].padEnd(3, '0'));
  const epoch = Date.UTC(toYear, toMonth - 1, Math.min(day, daysInMonth(toYear, toMonth)), hour, minute, second, ms) + span.days * DAY_MS + span.ms;
  const end = new Date(epoch);
  return end.getUTCFullYear() > 9999 ? null : end.toISOString();
}

/** How many days a duration spans from a fixed day (2000-01-01): for bounds such as "at most a century". */
export function durationDays(duration: string): number {
  const known = days.get(duration);
  if (known !== undefined) return known;
  const total = parse(duration).total({ unit: 'days', relativeTo: '2000-01-01' });
  if (days.size >= PARSED_MAX) days.clear();
  days.set(duration, total);
  return total;
}
const days = new Map<string, number>();
