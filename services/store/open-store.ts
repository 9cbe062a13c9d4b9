/**
 * Which store a process runs on: the embedded SQLite file (default) or an EventStoreDB/KurrentDB
 * server named by its connection string (`--store esdb://…`).
 */
import { ValidationError } from '../errors.js';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store.js';
import type { Chain, EventStore } from './port.js';

const EXTERNAL_SCHEMES = ['esdb://', 'esdb+discover://'];

export function isExternalStore(location: string | undefined): location is string {
  return location !== undefined && location !== '';
}

/** Opens the store a connection string names; only external stores have one. */
export function openExternalStore(connectionString: string, chain?: Chain): EventStore {
  if (!EXTERNAL_SCHEMES.some((scheme) => connectionString.startsWith(scheme))) {
    throw new ValidationError(
      `unknown store "${connectionString}": give an EventStoreDB/KurrentDB connection string (${EXTERNAL_SCHEMES.join(' or ')}…, e.g. esdb://localhost:2113?tls=false), ` +
      'or leave --store out for the embedded SQLite store at --db');
  }
  return new EventStoreDbEventStore({ connectionString, chain });
}
