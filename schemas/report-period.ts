/**
 * The times a compliance report is asked about, read one way on every entry path — `pdl report`,
 * GraphQL `complianceReport`, the console (README "A period is a question about the period").
 *
 * A time is an ISO 8601 date-time with its offset (`2026-12-31T10:00:00Z`, `…T18:00:00+08:00`), or a
 * date alone (`2026-12-31`), which is a whole UTC day: a period's `from` starts at the day's first
 * millisecond, its `to` ends at the day's last, and so does the moment judged at (`asOf`,
 * `knownAt`) — "as of 31 December" has seen everything that happened on the 31st. A date-time
 * without an offset is refused: it would mean another moment on each machine.
 * Plain code, no dependency: the console bundles this very module.
 */
import { ValidationError } from '../services/errors.js';

/** Which end of a day a date alone stands for. */
export type DayEdge = 'start' | 'end';

// setUTCFullYear, not Date.UTC: a year below 100 is that year, not 19xx.
const utcDay = (year: number, month: number, date: number) => {
  const day = new Date(0);
  day.setUTCFullYear(year, month, date);
  return day;
};

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Whether `text` is a date alone, and a real one (2026-02-30 is not). */
export function isDay(text: string): boolean {
  const match = DAY.exec(text);
  if (!match) return false;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const parsed = utcDay(year, month - 1, date);
  return parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === date;
}

/** The UTC instant (ISO 8601 with milliseconds, as the ledger stores times) that `text` names, a date alone taken at `edge` of its day. */
export function instantOf(text: string, edge: DayEdge, name = 'time'): string {
  if (isDay(text)) return `${text}T${edge === 'start' ? '00:00:00.000' : '23:59:59.999'}Z`;
  const time = DATE_TIME.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new ValidationError(`${name}: not a date or a date-time with its offset: ${JSON.stringify(text)} (e.g. 2026-12-31, a whole UTC day, or 2026-12-31T10:00:00Z)`);
  }
  return new Date(time).toISOString();
}

export interface ReportQuestion {
  readonly asOf?: string | null;
  readonly knownAt?: string | null;
  readonly from?: string | null;
  readonly to?: string | null;
}

export interface ReportTimes {
  /** The moment the world is judged at, by when things happened. */
  readonly asOf: string;
  /** Only what the ledger had recorded by then is judged; null: everything recorded. */
  readonly knownAt: string | null;
  /** The period asked about; null ends are open. */
  readonly from: string | null;
  readonly to: string | null;
}

/** How each time is named to whoever gave it (`--as-of` on the command line, `asOf` in GraphQL). */
export type TimeNames = Readonly<Record<keyof ReportQuestion, string>>;
const FIELD_NAMES: TimeNames = { asOf: 'asOf', knownAt: 'knownAt', from: 'from', to: 'to' };

/**
 * A report's times from what was asked: each read by `instantOf` (`from` at the start of its day, the
 * others at the end); `asOf` defaults to `knownAt`, else `now`. A period that ends before it starts,
 * or starts after the moment judged at, is refused: nothing in it could be answered.
 */
export function reportTimes(question: ReportQuestion, now: Date, names: TimeNames = FIELD_NAMES): ReportTimes {
  const read = (key: keyof ReportQuestion, edge: DayEdge) => {
    const text = question[key];
    return text === undefined || text === null || text === '' ? null : instantOf(text, edge, names[key]);
  };
  const knownAt = read('knownAt', 'end');
  const asOf = read('asOf', 'end') ?? knownAt ?? now.toISOString();
  const from = read('from', 'start');
  const to = read('to', 'end');
  if (from !== null && to !== null && to < from) throw new ValidationError(`${names.to} (${to}) is before ${names.from} (${from}): the period ends before it starts`);
  if (from !== null && from > asOf) throw new ValidationError(`${names.from} (${from}) is after ${names.asOf} (${asOf}): nothing in that period can be judged yet`);
  return { asOf, knownAt, from, to };
}

export const PRESETS = ['this-month', 'last-month', 'this-year'] as const;
export type Preset = (typeof PRESETS)[number];

const dayOf = (year: number, month: number, date: number) => utcDay(year, month, date).toISOString().slice(0, 10);

/** A named period around the UTC day `day` (YYYY-MM-DD), as the days that start and end it. */
export function presetPeriod(preset: Preset, day: string): { from: string; to: string } {
  if (!isDay(day)) throw new ValidationError(`not a date: ${JSON.stringify(day)} (e.g. 2026-12-31)`);
  const [year, month] = [Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1];
  switch (preset) {
    case 'this-month': return { from: dayOf(year, month, 1), to: dayOf(year, month + 1, 0) };
    case 'last-month': return { from: dayOf(year, month - 1, 1), to: dayOf(year, month, 0) };
    case 'this-year': return { from: dayOf(year, 0, 1), to: dayOf(year, 11, 31) };
  }
}
