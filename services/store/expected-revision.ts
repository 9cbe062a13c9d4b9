import { WrongExpectedVersionError } from './errors.js';
import type { ExpectedRevision } from './port.js';

/** Throws when a stream at `current` (−1: no stream) is not where the writer expected it. */
export function checkExpectedRevision(stream: string, expected: ExpectedRevision, current: number): void {
  const ok = expected === 'any' || (expected === 'no-stream' ? current === -1 : expected === current);
  if (!ok) throw new WrongExpectedVersionError(stream, expected, current === -1 ? 'no-stream' : current);
}
