/**
 * ISO 8601 calendar arithmetic (issue 26, finding 1): a month added to the 31st ends on the last
 * day of the next month, not three days into the one after; a year from 29 February ends on the
 * 28th. Each case was wrong with Date.setUTCFullYear (2026-01-31 + P1M gave 2026-03-03).
 */
import { describe, expect, it } from 'vitest';
import { addByTemporal, addDuration, durationDays } from '../../schemas/duration.js';

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
    for (const bad of ['P', 'PT', 'P1YT', 'P1.5Y']) expect(() => addDuration('2026-01-01T00:00:00Z', bad), bad).toThrow(RangeError);
  });

  it('answers as Temporal does over 20,000 random times and durations (its plain path and Temporal agree)', () => {
    // A fixed seed: the same cases every run. Month ends, 29 February and the hour before midnight are drawn often.
    let seed = 33;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const two = (n: number) => String(n).padStart(2, '0');
    const part = (unit: string, max: number) => (random(3) === 0 ? `${random(max)}${unit}` : '');
    for (let i = 0; i < 20_000; i += 1) {
      const year = [1999, 2000, 2023, 2024, 2026, 2100][random(6)]! + random(3);
      const month = 1 + random(12);
      const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
      const day = random(2) === 0 ? lastDay - random(3) : 1 + random(lastDay);
      const fraction = ['', '.5', '.123', '.000', '.99'][random(5)]!;
      const start = `${year}-${two(month)}-${two(day)}T${two(random(2) === 0 ? 23 : random(24))}:${two(random(60))}:${two(random(60))}${fraction}Z`;
      const seconds = random(3) === 0 ? `${random(100)}${['', '.5', ',25', '.999'][random(4)]}S` : '';
      const time = `${part('H', 30)}${part('M', 90)}${seconds}`;
      const date = `${part('Y', 12)}${part('M', 30)}${random(8) === 0 ? `${random(60)}W` : part('D', 400)}`;
      const duration = `P${date}${time === '' ? '' : `T${time}`}`;
      if (duration === 'P') continue;
      expect(addDuration(start, duration), `${start} + ${duration}`).toBe(addByTemporal(start, duration));
    }
  });

  it('leaves to Temporal what its plain path does not take: offsets, sub-millisecond times, far years', () => {
    for (const [start, duration] of [
      ['2026-01-31T01:00:00+02:00', 'P1M'], ['2026-01-31T00:00:00.0005Z', 'PT0.0005S'], ['0099-12-31T00:00:00Z', 'P1D'],
      ['9999-12-31T00:00:00Z', 'P1D'], ['2026-01-01T00:00:00Z', 'P9999999D'], ['2026-01-01t00:00:00z', 'P1D'], ['2026-03-01T00:00:00Z', '-P1D'],
      ['2024-02-29T00:00:00Z', 'P1Y1W'], ['2026-13-01T00:00:00Z', 'P1D'], ['2026-02-30T00:00:00Z', 'P1D'], ['2026-01-01T24:00:00Z', 'P1D'], ['2026-12-31T23:59:60Z', 'PT1S'],
    ] as const) {
      let expected: string | Error;
      try {
        expected = addByTemporal(start, duration);
      } catch (error) {
        expected = error as Error;
      }
      if (typeof expected === 'string') expect(addDuration(start, duration), `${start} + ${duration}`).toBe(expected);
      else expect(() => addDuration(start, duration)).toThrow();
    }
  });

  it('counts a duration\'s days by the calendar (P100Y: 36,525 days from 2000-01-01)', () => {
    expect(durationDays('P100Y')).toBe(36_525);
    expect(durationDays('P1M')).toBe(31);
  });
});
