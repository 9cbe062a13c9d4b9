/**
 * One query, or one transaction on one pooled connection, with node-postgres errors in the port's
 * terms (pg-errors.ts): what every PostgreSQL adapter of the ledger — log, key store, records — shares.
 */
import type { EventEmitter } from 'node:events';
import pg from 'pg';
import { CONNECTION_LOST, translatePgError } from './pg-errors.js';

export async function pgQuery<R extends pg.QueryResultRow>(db: pg.Pool, text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
  try {
    return await db.query<R>(text, values);
  } catch (error) {
    throw translatePgError(error, db);
  }
}

/** `work` in one transaction, committed when it returns, rolled back when it throws; `mode` e.g. 'REPEATABLE READ READ ONLY'. */
export async function pgTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, mode = ''): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    throw translatePgError(error, pool);
  });
  try {
    await client.query(mode ? `BEGIN ISOLATION LEVEL ${mode}` : 'BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw translatePgError(error, pool);
  } finally {
    client.release();
  }
}

/**
 * A pool whose connections never take the process down when the server drops them: an idle one is
 * reported to the pool (and replaced); one checked out between two queries — a transaction waiting on
 * the client's own work — has no listener of pg's while it is out, so its 'error' (57P01 at a restart)
 * would be an uncaught exception. Here it is kept on the connection, whose next query then fails and
 * is reported to its caller as the store being unavailable.
 */
export function resilientPool(config: pg.PoolConfig, onLost: () => void = () => undefined): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', onLost);
  // Told by translatePgError when an operation on this pool found the server gone (a refused connect emits nothing of pg's).
  const events: EventEmitter = pool;
  events.on(CONNECTION_LOST, onLost);
  pool.on('connect', (client) => {
    client.on('error', onLost);
  });
  return pool;
}
