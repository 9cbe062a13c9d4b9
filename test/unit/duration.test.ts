/**
 * ISO 8601 calendar arithmetic (issue 26, finding 1): a month added to the 31st ends on the last
 * day of the next month, not three days into the one after; a year from 29 February ends on the
 * 28th. Each case was wrong with Date.setUTCFullYear (2026-01-31 + P1M gave 2026-03-03).
 */
import { describe, expect, it } from 'vitest';
import { addDuration, durationDays } from '../../schemas/duration.js';

describe('addDuration', () => {
  it.each([
    ['2026-01-31T00:00:00Z', 'P1M', '2026-02-28T00:00:00.000Z'],
    ['2024-01-31T12:00:00Z', 'P1M', '2024-02-29T12:00:00.000Z'],
    ['2026-08-31T00:00:00Z', 'P1M', '2026-09-30T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', 'P1Y', '2025-02-28T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', 'P4Y', '2028-02-29T00:00:00.000Z'],
    ['2026-03-31T09:00:00Z', 'P1M', '2026-04-30T09:00:00.000Z'], // GDPR Art. 12(3): one calendar month for a request received on the 31st
    ['2026-03-29T00:30:00Z', 'PT24H', '2026-03-30T00:30:00.000Z'], // UTC: no daylight-saving day of 23 or 25 hours
    ['2026-10-25T00:30:00Z', 'P1D', '2026-10-26T00:30:00.000Z'],
    ['2026-01-01T00:00:00Z', 'P1W', '2026-01-08T00:00:00.000Z'],
    ['2026-12-31T23:00:00Z', 'PT2H30M1,5S', '2027-01-01T01:30:01.500Z'],
    ['2026-11-15T00:00:00.000Z', 'P15D', '2026-11-30T00:00:00.000Z'],
  ])('%s + %s = %s', (start, duration, end) => {
    expect(addDuration(start, duration)).toBe(end);
  });

  it('refuses what is not a duration', () => {
    expect(() => addDuration('2026-01-01T00:00:00Z', 'one month')).toThrow(RangeError);
  });

  it('counts a duration\'s days by the calendar (P100Y: 36,525 days from 2000-01-01)', () => {
    expect(durationDays('P100Y')).toBe(36_525);
    expect(durationDays('P1M')).toBe(31);
  });
});
