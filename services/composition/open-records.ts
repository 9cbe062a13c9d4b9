/**
 * The ledger's own records — what cannot be derived from the log — where the log is (README
 * "Beyond one machine: which records live where"): with the log on PostgreSQL, in the same
 * database and schema, on the log's connections, shared by every process on any host; with the
 * embedded log, in the files beside it as ever. The client is loaded only for a server.
 */
import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { ApiKeys } from '../api/auth/api-keys.js';
import type { CheckpointStore } from '../records/checkpoint-store.js';
import type { PostgresRecords } from '../records/postgres-records.js';
import { SqliteApiKeyStore } from '../records/sqlite-api-key-store.js';
import { SqliteCheckpointStore } from '../records/sqlite-checkpoint-store.js';
import { ValidationError } from '../errors.js';
import { FileWitnessStore } from '../records/file-witness-store.js';
import type { WitnessStore } from '../records/witness-store.js';
import type { WorkerProgressStore } from '../records/worker-progress.js';
import { SqliteWorkerProgress } from '../records/sqlite-worker-progress.js';
import type { DeliveryStore } from '../records/delivery-store.js';
import { SqliteDeliveryStore } from '../records/sqlite-delivery-store.js';
import { isConnectionString, isPostgresStore } from '../store/open-store.js';
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

/**
 * The signed checkpoints of an opened ledger: in its read models' database (the log's own file
 * when they are inline), or PostgreSQL with the log.
 */
export async function openCheckpoints(opened: { readonly store: EventStore; readonly readModelsDb: Database.Database }): Promise<CheckpointStore> {
  const records = await postgresRecordsOf(opened.store);
  if (!records) return SqliteCheckpointStore.forSigning(opened.readModelsDb);
  const { PostgresCheckpointStore } = await import('../records/postgres-checkpoint-store.js');
  return new PostgresCheckpointStore(records);
}

/**
 * A witness's records: a 0600 JSON file, or — named by a PostgreSQL connection string — a
 * database of the witness's own (never the ledger's by default: a witness the ledger's operator
 * can edit vouches for nothing).
 */
export async function openWitnessState(state: string): Promise<WitnessStore> {
  if (!isConnectionString(state)) return new FileWitnessStore(state);
  if (!/^postgres(ql)?:\/\//i.test(state)) throw new ValidationError('--state: give a file, or a PostgreSQL connection string (postgres://…)');
  const [{ resilientPool }, { PostgresRecords }, { PostgresWitnessStore }] = await Promise.all([
    import('../store/postgres/pg-transaction.js'), import('../records/postgres-records.js'), import('../records/postgres-witness-store.js')]);
  const pool = resilientPool({ connectionString: state, max: 1, application_name: 'pdl-witness' });
  return new PostgresWitnessStore(new PostgresRecords(pool), () => pool.end());
}

/** Where deletion orders stand in their delivery: `<db>.deliveries.db`, or PostgreSQL with the log. */
export async function openDeliveries(opened: { readonly store: EventStore; readonly paths: LedgerPaths }): Promise<DeliveryStore> {
  return (await openDeliveriesIf(opened, true))!;
}

/** The same, for a reader: null when no server ever kept a delivery here (nothing is created). */
export async function openDeliveriesIf(opened: { readonly store: EventStore; readonly paths: LedgerPaths }, create: boolean): Promise<DeliveryStore | null> {
  const records = await postgresRecordsOf(opened.store);
  if (!records) return create || existsSync(opened.paths.deliveries) ? SqliteDeliveryStore.open(opened.paths.deliveries) : null;
  const { PostgresDeliveryStore } = await import('../records/postgres-delivery-store.js');
  return new PostgresDeliveryStore(records);
}

/**
 * Where projection workers report their progress: PostgreSQL with the log, the embedded log's own
 * file, or nowhere (EventStoreDB holds no records of the ledger's).
 */
export async function openWorkerProgress(store: EventStore, logFile: string | null): Promise<WorkerProgressStore | null> {
  const records = await postgresRecordsOf(store);
  if (records) {
    const { PostgresWorkerProgress } = await import('../records/postgres-worker-progress.js');
    return new PostgresWorkerProgress(records);
  }
  return logFile === null ? null : SqliteWorkerProgress.open(logFile);
}
