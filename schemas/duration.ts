/**
 * ISO 8601 durations (as validated by `z.iso.duration()`), added to a UTC time by Temporal's
 * calendar arithmetic (temporal-polyfill): calendar parts first, clamped at a month's end
 * (2026-01-31 + P1M = 2026-02-28, 2024-02-29 + P1Y = 2025-02-28 — a month is a calendar month, as
 * GDPR's "one month" is read), then exact time. The one parser of durations in the tree.
 */
import { Temporal } from 'temporal-polyfill';

function parse(duration: string): Temporal.Duration {
  try {
    return Temporal.Duration.from(duration);
  } catch (cause) {
    throw new RangeError(`not an ISO 8601 duration: ${duration}`, { cause });
  }
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
  return parse(duration).total({ unit: 'days', relativeTo: '2000-01-01' });
}
