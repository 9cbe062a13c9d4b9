/**
 * The few error classes the ledger throws across module boundaries, each with a stable
 * `code` that the API, the CLI and the ingest service map to their own answers.
 * Unknown failures are never wrapped in these: they surface as what they are.
 */
export type ErrorCode = 'VALIDATION' | 'CONFLICT' | 'FORBIDDEN' | 'RATE_LIMITED' | 'UNAVAILABLE' | 'KEY_MISMATCH' | 'TAMPERED' | 'NOT_FOUND' | 'AUDIT_UNAVAILABLE' | 'SECRET_PLACEMENT' | 'MASTER_KEY_ROTATED' | 'READ_MODELS_BEHIND';

export abstract class LedgerError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends LedgerError {
  readonly code = 'VALIDATION';
}

export class ForbiddenError extends LedgerError {
  readonly code = 'FORBIDDEN';
}

/** Too many requests of one kind from one key: try again after `retryAfterSeconds`. */
export class RateLimitedError extends LedgerError {
  readonly code = 'RATE_LIMITED';
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** The store could not be reached or refused for a reason that may pass (retry later). */
export class UnavailableError extends LedgerError {
  readonly code = 'UNAVAILABLE';
}

/** What was asked for is not in the ledger (an event id to prove, a checkpoint size). */
export class NotFoundError extends LedgerError {
  readonly code = 'NOT_FOUND';
}

/** Values were read but their DataViewed record could not be stored: the answer is withheld (retry). */
export class AuditUnavailableError extends LedgerError {
  readonly code = 'AUDIT_UNAVAILABLE';
}

/**
 * A read asked to see the log up to `atLeast` (read-your-writes: the position its own write
 * answered with), and the read models had not applied it within the bound: nothing was read.
 * `head` tells a position not yet applied (behind ≤ head) from one never written (atLeast > head).
 */
export class ReadModelsBehindError extends LedgerError {
  readonly code = 'READ_MODELS_BEHIND';
  constructor(readonly atLeast: number, readonly position: number, readonly head: number, readonly waitedMs: number) {
    super(atLeast > head
      ? `position ${atLeast} was never written (the log ends at ${head}): the read models, at ${position}, cannot reach it; ask for a position a write answered with`
      : `the read models are at position ${position}, ${atLeast - position} behind the ${atLeast} asked for, after waiting ${waitedMs} ms: try again shortly`);
  }

  /** How many events the read models still have to apply to reach what was asked. */
  get behind(): number {
    return this.atLeast - this.position;
  }
}
