/** The errors of the ledger's own records, whichever adapter keeps them. */
import { LedgerError } from '../errors.js';

/** A record was kept before under the same name with other content (an API key id, a checkpoint size). */
export class RecordConflictError extends LedgerError {
  readonly code = 'CONFLICT';
}

/** A stored record is not one this ledger writes (an edited row): named, never taken at its word. */
export class MalformedRecordError extends LedgerError {
  readonly code = 'TAMPERED';
}
