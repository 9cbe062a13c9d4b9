/**
 * One meaning for the times a report is asked about (issue 26, finding 2), on every entry path:
 * a date alone is a whole UTC day — `from` at its start, `to`, `asOf` and `knownAt` at its end.
 * Before, `pdl report --as-of 2026-11-29` meant 00:00Z, the console 23:59:59Z, and the API refused it.
 */
import { describe, expect, it } from 'vitest';
import { instantOf, isDay, presetPeriod, reportTimes } from '../../schemas/report-period.js';
import { ValidationError } from '../../services/errors.js';

const NOW = new Date('2026-12-04T10:00:00Z');

describe('reportTimes', () => {
  it('reads a date alone as the whole UTC day: from at its first millisecond, to, asOf and knownAt at its last', () => {
    expect(reportTimes({ from: '2026-12-01', to: '2026-12-31', asOf: '2026-12-31', knownAt: '2026-12-31' }, NOW)).toEqual({
      from: '2026-12-01T00:00:00.000Z', to: '2026-12-31T23:59:59.999Z', asOf: '2026-12-31T23:59:59.999Z', knownAt: '2026-12-31T23:59:59.999Z',
    });
  });

  it('reads a date-time at its offset, to the millisecond the ledger stores', () => {
    expect(reportTimes({ asOf: '2026-12-04T18:30:00+08:00', from: '2026-12-01T00:00Z' }, NOW)).toEqual({
      asOf: '2026-12-04T10:30:00.000Z', knownAt: null, from: '2026-12-01T00:00:00.000Z', to: null,
    });
  });

  it('defaults asOf to knownAt, else now; empty means not given', () => {
    expect(reportTimes({ knownAt: '2026-11-01' }, NOW).asOf).toBe('2026-11-01T23:59:59.999Z');
    expect(reportTimes({ asOf: '', from: null }, NOW)).toEqual({ asOf: NOW.toISOString(), knownAt: null, from: null, to: null });
  });

  it.each([
    ['a date-time without its offset (a different moment on each machine)', '2026-12-04T10:00:00'],
    ['a day that is not in the calendar', '2026-02-30'],
    ['a date in words', 'Dec 4 2026'],
    ['a number', '1764842400000'],
  ])('refuses %s with a VALIDATION error naming the option as given', (_what, text) => {
    const refuse = () => reportTimes({ asOf: text }, NOW, { asOf: '--as-of', knownAt: '--known-at', from: '--from', to: '--to' });
    expect(refuse).toThrow(ValidationError);
    expect(refuse).toThrow(/^--as-of: not a date or a date-time with its offset/);
  });

  it('refuses a period that ends before it starts, or starts after the moment judged at', () => {
    expect(() => reportTimes({ from: '2026-12-02', to: '2026-12-01' }, NOW)).toThrow(/the period ends before it starts/);
    expect(() => reportTimes({ from: '2026-12-05', asOf: '2026-12-04' }, NOW)).toThrow(/nothing in that period can be judged yet/);
    // One day is a period: from its start to its end.
    expect(reportTimes({ from: '2026-12-01', to: '2026-12-01' }, NOW)).toMatchObject({ from: '2026-12-01T00:00:00.000Z', to: '2026-12-01T23:59:59.999Z' });
  });
});

describe('instantOf and isDay', () => {
  it('keep years below 100 as written, and know leap days', () => {
    expect(instantOf('0099-01-01', 'start')).toBe('0099-01-01T00:00:00.000Z');
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2026-02-29')).toBe(false);
  });
});

describe('presetPeriod', () => {
  it.each([
    ['this-month', '2026-12-04', { from: '2026-12-01', to: '2026-12-31' }],
    ['last-month', '2026-12-04', { from: '2026-11-01', to: '2026-11-30' }],
    ['last-month', '2027-01-15', { from: '2026-12-01', to: '2026-12-31' }],
    ['last-month', '2024-03-31', { from: '2024-02-01', to: '2024-02-29' }],
    ['this-month', '2026-02-10', { from: '2026-02-01', to: '2026-02-28' }],
    ['this-year', '2026-12-04', { from: '2026-01-01', to: '2026-12-31' }],
  ] as const)('%s around %s', (preset, day, period) => {
    expect(presetPeriod(preset, day)).toEqual(period);
  });
});
