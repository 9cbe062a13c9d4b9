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
  const start = Temporal.Instant.from(isoTime).toZonedDateTimeISO('UTC');
  return new Date(start.add(parse(duration)).epochMilliseconds).toISOString();
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
