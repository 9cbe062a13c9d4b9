/**
 * The ledger's own records — what cannot be derived from the log — where the log is (README
 * "Beyond one machine: which records live where"): with the log on PostgreSQL, in the same
 * database and schema, on the log's connections, shared by every process on any host; with the
 * embedded log, in the files beside it as ever. The client is loaded only for a server.
 */
import { ApiKeys } from '../api/auth/api-keys.js';
import type { PostgresRecords } from '../records/postgres-records.js';
import { SqliteApiKeyStore } from '../records/sqlite-api-key-store.js';
import { isPostgresStore } from '../store/open-store.js';
import type { EventStore } from '../store/port.js';
import type { LedgerPaths } from './ledger-paths.js';

/** The records on the log's PostgreSQL server, when the log is there. */
export async function postgresRecordsOf(store: EventStore): Promise<PostgresRecords | null> {
  if (!isPostgresStore(store)) return null;
  const [{ PostgresEventStore }, { PostgresRecords }] = await Promise.all([
    import('../store/postgres/postgres-event-store.js'), import('../records/postgres-records.js')]);
  return store instanceof PostgresEventStore ? new PostgresRecords(store.pool) : null;
}

/** The API keys every server of this ledger shares: `<db>.api-keys.db`, or PostgreSQL with the log. */
export async function openApiKeys(opened: { readonly store: EventStore; readonly paths: LedgerPaths }, adminKey?: string): Promise<ApiKeys> {
  const records = await postgresRecordsOf(opened.store);
  if (!records) return new ApiKeys(SqliteApiKeyStore.open(opened.paths.apiKeys), adminKey);
  const { PostgresApiKeyStore } = await import('../records/postgres-api-key-store.js');
  return new ApiKeys(new PostgresApiKeyStore(records), adminKey);
}
