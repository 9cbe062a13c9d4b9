/** ISO 8601 durations (as validated by `z.iso.duration()`), added to a UTC time. */
const PATTERN = /^P(?:(\d+)W)?(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

export function addDuration(isoTime: string, duration: string): string {
  const match = PATTERN.exec(duration);
  if (!match) throw new RangeError(`not an ISO 8601 duration: ${duration}`);
  const [weeks, years, months, days, hours, minutes, seconds] = match.slice(1).map((part) => Number((part ?? '0').replace(',', '.')));
  const date = new Date(isoTime);
  // Calendar parts first (a year is a calendar year, not 365 days), then exact time.
  date.setUTCFullYear(date.getUTCFullYear() + years!, date.getUTCMonth() + months!, date.getUTCDate() + days! + 7 * weeks!);
  return new Date(date.getTime() + ((hours! * 60 + minutes!) * 60 + seconds!) * 1000).toISOString();
}
