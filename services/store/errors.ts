import { LedgerError } from '../errors.js';
import type { ExpectedRevision } from './port.js';

/** `expectedRevision` did not match the stream: someone else appended first. */
export class WrongExpectedVersionError extends LedgerError {
  readonly code = 'CONFLICT';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no-stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, but it is at ${String(actual)}`);
  }
}

/** An event id was appended before with different content (or to another stream). */
export class IdempotencyConflictError extends LedgerError {
  readonly code = 'CONFLICT';
  constructor(
    readonly eventIds: readonly string[],
    detail = 'was recorded before with different content',
  ) {
    super(`event ${eventIds.join(', ')} ${detail}`);
  }
}
