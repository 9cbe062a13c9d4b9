/**
 * node-postgres errors in the port's terms. Only what the ledger acts on is translated: a server
 * that may answer later (unreachable, restarting, out of connections) becomes `UnavailableError`,
 * which writers retry and projection workers follow again after. Everything else surfaces as it
 * was thrown. Messages never repeat a server's DETAIL: it may quote stored values.
 */
import { UnavailableError } from '../../errors.js';

/** Network failures of the socket itself. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/**
 * SQLSTATEs that say "not now": admin/crash shutdown, cannot connect now, too many connections,
 * serialization, deadlock, and a write refused by a standby (the primary moved: primary-target.ts).
 */
const TRANSIENT_STATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01', '25006']);

function codeOf(error: unknown): string {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
}

export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = codeOf(error);
  if (SOCKET_CODES.has(code) || TRANSIENT_STATES.has(code) || code.startsWith('08')) return true;
  // node-postgres reports a dropped or timed-out connection by message only.
  return /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated due to connection timeout/.test(error.message);
}

/** Emitted on a pool when one of its operations found the server gone (primary-target.ts looks for the primary again). */
export const CONNECTION_LOST = 'pdl:connection-lost';

/** The port's error for a client error, or the error itself; a server found gone is told to `pool`, when given. */
export function translatePgError(error: unknown, pool?: { emit(event: string): boolean }): unknown {
  if (error instanceof UnavailableError || !isUnavailable(error)) return error;
  pool?.emit(CONNECTION_LOST);
  const reason = codeOf(error) || (error instanceof Error ? error.message : String(error));
  return new UnavailableError(`PostgreSQL is unavailable (${reason}): retry later`, { cause: error });
}

export const sqlState = codeOf;
