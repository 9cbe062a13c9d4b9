/**
 * Which store a process runs on: the embedded SQLite file (default) or an EventStoreDB/KurrentDB
 * server named by its connection string (`--store esdb://…`).
 */
import { ValidationError } from '../errors.js';
import type { Chain, EventStore, VerbatimImport } from './port.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

const EXTERNAL_SCHEMES = ['esdb://', 'esdb+discover://'];

/**
 * Opens the store a connection string names; only external stores have one. The adapter (and its
 * gRPC client, a fifth of a second to load) is loaded only here, when an external store is used.
 */
export async function openExternalStore(connectionString: string, chain?: Chain): Promise<EventStore & VerbatimImport> {
  if (!EXTERNAL_SCHEMES.some((scheme) => connectionString.startsWith(scheme))) {
    throw new ValidationError(
      `unknown store "${connectionString}": give an EventStoreDB/KurrentDB connection string (${EXTERNAL_SCHEMES.join(' or ')}…, e.g. esdb://localhost:2113?tls=false), ` +
      'or leave --store out for the embedded SQLite store at --db');
  }
  const { EventStoreDbEventStore } = await import('./eventstoredb/eventstoredb-event-store.js');
  return new EventStoreDbEventStore({ connectionString, chain });
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
