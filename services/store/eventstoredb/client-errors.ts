/**
 * Translates @eventstore/db-client errors into the port's. Only what the ledger can act on is
 * translated: a revision conflict, and a server that may answer later (unavailable, not the
 * leader, timed out). Everything else surfaces as the client threw it — never disguised.
 */
import {
  ErrorType, NO_STREAM, isCommandError,
  type AppendExpectedRevision, type CurrentRevision,
} from '@eventstore/db-client';
import { UnavailableError } from '../../errors.js';
import { WrongExpectedVersionError } from '../errors.js';
import type { ExpectedRevision } from '../port.js';

const RETRYABLE = new Set<ErrorType>([ErrorType.UNAVAILABLE, ErrorType.NOT_LEADER, ErrorType.DEADLINE_EXCEEDED, ErrorType.TIMEOUT]);

export function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'no-stream') return NO_STREAM;
  if (expected === 'any') return 'any';
  return BigInt(expected);
}

function fromClientRevision(revision: AppendExpectedRevision | CurrentRevision): ExpectedRevision {
  if (typeof revision === 'bigint') return Number(revision);
  return revision === NO_STREAM ? 'no-stream' : 'any';
}

/** The port's error for a client error, or the error itself when the port has no meaning for it. */
export function translateClientError(error: unknown): unknown {
  if (!(error instanceof Error) || !isCommandError(error)) return error;
  if (error.type === ErrorType.WRONG_EXPECTED_VERSION) {
    const actual = fromClientRevision(error.actualVersion);
    return new WrongExpectedVersionError(error.streamName, fromClientRevision(error.expectedVersion), actual === 'any' ? 'no-stream' : actual);
  }
  if (RETRYABLE.has(error.type)) {
    return new UnavailableError(`EventStoreDB: ${error.message} (retry later; with a cluster, the client reconnects to the new leader)`, { cause: error });
  }
  return error;
}

/** Whether the client error says the stream does not exist (an empty stream to the port). */
export function isStreamNotFound(error: unknown): boolean {
  return error instanceof Error && isCommandError(error) && error.type === ErrorType.STREAM_NOT_FOUND;
}
