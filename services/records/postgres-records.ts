/**
 * The ledger's own records in PostgreSQL (README "Beyond one machine: which records live where"):
 * the tables beside the log's, in the database and schema its connection string names, on the
 * log's own connections. Tables are created by the first write, under the schema lock the log's
 * tables are created under; a reader (`pdl verify --store`) writes nothing and reads a table not
 * yet created as empty.
 */
import type pg from 'pg';
import { LOCK_SCHEMA } from '../store/postgres/schema.js';
import { sqlState, translatePgError } from '../store/postgres/pg-errors.js';
import { pgTransaction } from '../store/postgres/pg-transaction.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pdl_api_keys (
  id text PRIMARY KEY, role text NOT NULL, hash bytea NOT NULL UNIQUE, label text, created_at text NOT NULL);
CREATE TABLE IF NOT EXISTS pdl_checkpoints (size bigint PRIMARY KEY, root text NOT NULL, note text NOT NULL, signed_at text NOT NULL);
CREATE TABLE IF NOT EXISTS pdl_tlog_meta (name text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS pdl_witness_logs (
  log_key text PRIMARY KEY, origin text NOT NULL, size bigint NOT NULL, root text NOT NULL, note text NOT NULL);
CREATE TABLE IF NOT EXISTS pdl_worker_progress (
  host text NOT NULL, worker text NOT NULL, position bigint NOT NULL, updated_at timestamptz NOT NULL, PRIMARY KEY (host, worker));
CREATE TABLE IF NOT EXISTS pdl_order_deliveries (
  order_id text NOT NULL, channel text NOT NULL, target text NOT NULL, payload text NOT NULL,
  state text NOT NULL, attempts integer NOT NULL DEFAULT 0, created_at text NOT NULL,
  next_attempt_at bigint, last_attempt_at text, last_error text, delivered_at text,
  PRIMARY KEY (order_id, channel));
CREATE INDEX IF NOT EXISTS pdl_order_deliveries_due ON pdl_order_deliveries (state, next_attempt_at);
`;

/** SQLSTATE undefined_table: a record table no writer has created yet. */
const UNDEFINED_TABLE = '42P01';

export type Queryable = Pick<pg.PoolClient, 'query'>;

export class PostgresRecords {
  private created: Promise<void> | null = null;

  constructor(readonly pool: pg.Pool) {}

  /** The record tables, created once per process (and once per database, whoever comes first). */
  private ready(): Promise<void> {
    this.created ??= this.inTransaction(async (client) => {
      await client.query(LOCK_SCHEMA);
      await client.query(SCHEMA);
    }, false).catch((error: unknown) => {
      this.created = null;
      throw error;
    });
    return this.created;
  }

  /** A read: rows of a table not created yet are none. */
  async read<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      if (sqlState(error) === UNDEFINED_TABLE) return [];
      throw translatePgError(error, this.pool);
    }
  }

  /** A write of one statement (autocommit); the tables first. */
  async write(text: string, values?: unknown[]): Promise<pg.QueryResult> {
    await this.ready();
    try {
      return await this.pool.query(text, values);
    } catch (error) {
      throw translatePgError(error, this.pool);
    }
  }

  /** `work` in one transaction on one connection, committed when it returns; the tables first. */
  async inTransaction<T>(work: (client: Queryable) => Promise<T>, prepare = true): Promise<T> {
    if (prepare) await this.ready();
    return pgTransaction(this.pool, work);
  }
}
