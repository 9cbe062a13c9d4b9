/**
 * Which store a process runs on: the embedded SQLite file (default) or an EventStoreDB/KurrentDB
 * server named by its connection string (`--store esdb://…`).
 */
import { ValidationError } from '../errors.js';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store.js';
import type { Chain, EventStore, VerbatimImport } from './port.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

const EXTERNAL_SCHEMES = ['esdb://', 'esdb+discover://'];

export function isExternalStore(location: string | undefined): location is string {
  return location !== undefined && location !== '';
}

/** Opens the store a connection string names; only external stores have one. */
export function openExternalStore(connectionString: string, chain?: Chain): EventStore & VerbatimImport {
  if (!EXTERNAL_SCHEMES.some((scheme) => connectionString.startsWith(scheme))) {
    throw new ValidationError(
      `unknown store "${connectionString}": give an EventStoreDB/KurrentDB connection string (${EXTERNAL_SCHEMES.join(' or ')}…, e.g. esdb://localhost:2113?tls=false), ` +
      'or leave --store out for the embedded SQLite store at --db');
  }
  return new EventStoreDbEventStore({ connectionString, chain });
}

/**
 * The log alone (no keys, no read models): an external store by its connection string, else
 * the embedded file at `path`. For tools that copy or follow the log.
 */
export function openLogStore(location: { readonly path: string; readonly connection?: string }, chain?: Chain): EventStore & VerbatimImport {
  if (isExternalStore(location.connection)) return openExternalStore(location.connection, chain);
  return new SqliteEventStore({ path: location.path, chain, pollIntervalMs: 200 });
}
