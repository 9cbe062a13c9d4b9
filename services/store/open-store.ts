/**
 * Which store a process runs on: the embedded SQLite file (default), a PostgreSQL database
 * (`--store postgres://…`) or an EventStoreDB/KurrentDB server (`--store esdb://…`), each named
 * by its connection string.
 */
import { ValidationError } from '../errors.js';
import type { Chain, EventStore, VerbatimImport } from './port.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

const POSTGRES_SCHEMES = ['postgres://', 'postgresql://'];
const EVENTSTOREDB_SCHEMES = ['esdb://', 'esdb+discover://'];

/** The scheme and host of a connection string, for messages: never its credentials. */
const withoutCredentials = (connectionString: string): string => connectionString.replace(/\/\/[^@/]*@/, '//').replace(/\?.*$/, '');

/**
 * Opens the store a connection string names; only external stores have one. Each adapter (and its
 * client: the gRPC one takes a fifth of a second to load) is loaded only here, when it is used.
 */
/** A store opened from a PostgreSQL connection string (its pool is where the ledger's other records go too). */
export const isPostgresStore = (store: EventStore): boolean => postgresStores.has(store);
const postgresStores = new WeakSet<EventStore>();

export async function openExternalStore(connectionString: string, chain?: Chain): Promise<EventStore & VerbatimImport> {
  const lower = connectionString.toLowerCase();
  if (POSTGRES_SCHEMES.some((scheme) => lower.startsWith(scheme))) {
    const { PostgresEventStore } = await import('./postgres/postgres-event-store.js');
    const store = new PostgresEventStore({ connectionString, chain });
    postgresStores.add(store);
    return store;
  }
  if (EVENTSTOREDB_SCHEMES.some((scheme) => lower.startsWith(scheme))) {
    const { EventStoreDbEventStore } = await import('./eventstoredb/eventstoredb-event-store.js');
    return new EventStoreDbEventStore({ connectionString, chain });
  }
  throw new ValidationError(
    `unknown store "${withoutCredentials(connectionString)}": give a PostgreSQL connection string (postgres://user@host:5432/db) ` +
    `or an EventStoreDB/KurrentDB one (${EVENTSTOREDB_SCHEMES.join(' or ')}…, e.g. esdb://localhost:2113?tls=false), ` +
    'or leave --store out for the embedded SQLite store at --db');
}

/** Whether a location names a server (`scheme://…`) rather than a file. */
export function isConnectionString(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/**
 * The log alone (no keys, no read models) at `location`: a connection string, else the path of
 * an embedded ledger file. For tools that copy or follow the log.
 */
export async function openLogStore(location: string, chain?: Chain): Promise<EventStore & VerbatimImport> {
  if (isConnectionString(location)) return openExternalStore(location, chain);
  return new SqliteEventStore({ path: location, chain, pollIntervalMs: 200 });
}
