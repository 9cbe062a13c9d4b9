/**
 * Read models are pure steps over the log. Two shapes cover them all:
 * - a keyed model: rows addressed by a key, each row's state evolved by a pure
 *   `(state | null, event) → state | null`;
 * - a log model: rows derived from one event by a pure `rowsOf(event)`, never updated.
 * Both run inside the append transaction on the embedded store, and rebuild from position 0.
 */
import type Database from 'better-sqlite3';
import type { SealedEvent } from '../services/ledger/stored-event.js';

/** An event as projections see it: its values still sealed (read models never hold plaintext). */
export interface ProjectedEvent {
  readonly position: number;
  readonly stream: string;
  readonly recordedAt: string;
  readonly event: SealedEvent;
}

export interface Projection {
  readonly name: string;
  /** Bump when the step or the tables change: the runner rebuilds the model from the log. */
  readonly version: number;
  readonly tables: readonly string[];
  readonly schema: string;
  apply(db: Database.Database, event: ProjectedEvent): void;
}

export type Key = readonly (string | number)[];

export interface KeyedModel<S extends { lastPosition: number }> {
  readonly name: string;
  readonly version: number;
  readonly table: string;
  /** Key column names, in order; the table is (key columns…, state JSON). */
  readonly key: readonly string[];
  /** Extra DDL (indexes). */
  readonly indexes?: string;
  /** Which rows an event touches; `existing` lists the keys stored under a prefix (e.g. a subject's categories). */
  keysOf(event: ProjectedEvent, existing: (prefix: Key) => Key[]): Key[];
  evolve(state: S | null, event: ProjectedEvent, key: Key): S | null;
}

export function keyedProjection<S extends { lastPosition: number }>(model: KeyedModel<S>): Projection & { readonly model: KeyedModel<S>; read(db: Database.Database, key: Key): S | null } {
  const columns = model.key.join(', ');
  const where = model.key.map((column) => `${column} = ?`).join(' AND ');
  const schema = `CREATE TABLE IF NOT EXISTS ${model.table} (${model.key.map((c) => `${c} NOT NULL`).join(', ')}, state TEXT NOT NULL, PRIMARY KEY (${columns})) WITHOUT ROWID;\n${model.indexes ?? ''}`;
  const statements = new WeakMap<Database.Database, {
    get: Database.Statement<unknown[], { state: string }>;
    put: Database.Statement<unknown[]>;
    del: Database.Statement<unknown[]>;
    byPrefix: Map<number, Database.Statement<unknown[], Record<string, string | number>>>;
  }>();
  const prepared = (db: Database.Database) => {
    let s = statements.get(db);
    if (!s) {
      s = {
        get: db.prepare(`SELECT state FROM ${model.table} WHERE ${where}`),
        put: db.prepare(`INSERT INTO ${model.table} (${columns}, state) VALUES (${model.key.map(() => '?').join(', ')}, ?)
          ON CONFLICT (${columns}) DO UPDATE SET state = excluded.state`),
        del: db.prepare(`DELETE FROM ${model.table} WHERE ${where}`),
        byPrefix: new Map(),
      };
      statements.set(db, s);
    }
    return s;
  };
  const read = (db: Database.Database, key: Key): S | null => {
    const row = prepared(db).get.get(...key);
    return row ? (JSON.parse(row.state) as S) : null;
  };
  return {
    name: model.name,
    version: model.version,
    tables: [model.table],
    schema,
    model,
    read,
    apply(db, event) {
      const s = prepared(db);
      const existing = (prefix: Key): Key[] => {
        let statement = s.byPrefix.get(prefix.length);
        if (!statement) {
          const prefixWhere = model.key.slice(0, prefix.length).map((c) => `${c} = ?`).join(' AND ');
          statement = db.prepare(`SELECT ${columns} FROM ${model.table} WHERE ${prefixWhere} ORDER BY ${columns}`);
          s.byPrefix.set(prefix.length, statement);
        }
        return statement.all(...prefix).map((row) => model.key.map((c) => row[c]!));
      };
      for (const key of model.keysOf(event, existing)) {
        const state = read(db, key);
        // Every row remembers the last event it saw: an event delivered twice changes nothing.
        if (state !== null && state.lastPosition >= event.position) continue;
        const next = model.evolve(state, event, key);
        if (next === null) s.del.run(...key);
        else s.put.run(...key, JSON.stringify(next));
      }
    },
  };
}

export interface LogModel {
  readonly name: string;
  readonly version: number;
  readonly table: string;
  /** Column names; the first ones up to `uniqueBy` identify a row, so a replay inserts nothing twice. */
  readonly columns: readonly string[];
  readonly uniqueBy: readonly string[];
  readonly indexes?: string;
  rowsOf(event: ProjectedEvent): Record<string, string | number | null>[];
}

export function logProjection(model: LogModel): Projection & { readonly model: LogModel } {
  const schema = `CREATE TABLE IF NOT EXISTS ${model.table} (${model.columns.join(', ')}, PRIMARY KEY (${model.uniqueBy.join(', ')})) WITHOUT ROWID;\n${model.indexes ?? ''}`;
  const inserts = new WeakMap<Database.Database, Database.Statement<unknown[]>>();
  return {
    name: model.name,
    version: model.version,
    tables: [model.table],
    schema,
    model,
    apply(db, event) {
      let insert = inserts.get(db);
      if (!insert) {
        insert = db.prepare(`INSERT OR IGNORE INTO ${model.table} (${model.columns.join(', ')}) VALUES (${model.columns.map((c) => `@${c}`).join(', ')})`);
        inserts.set(db, insert);
      }
      for (const row of model.rowsOf(event)) insert.run(row);
    },
  };
}

/** Sorted union, so that states built from the same events are byte-identical however they were built. */
export const union = <T extends string>(a: readonly T[] | undefined, b: readonly T[]): T[] => [...new Set([...(a ?? []), ...b])].sort();
export const json = (value: unknown): string => JSON.stringify(value);

/**
 * Evidence kept in a row: the first event and the latest ones, at most `max`. A row read and
 * rewritten per event must not grow without bound; the timeline holds every event.
 */
export function withEvidence(evidence: readonly string[], id: string, max = 32): string[] {
  if (evidence.length < max) return [...evidence, id];
  return [evidence[0]!, ...evidence.slice(evidence.length - max + 2), id];
}

/**
 * A keyed model folded in memory, with the same rules as in its table (a row skips an event it
 * has seen; `existing` lists stored keys under a prefix, in key order): for pure tests and for
 * logic that needs a model's state without a database.
 */
export function foldKeyed<S extends { lastPosition: number }>(model: KeyedModel<S>, events: readonly ProjectedEvent[]): Map<string, { key: Key; state: S }> {
  const rows = new Map<string, { key: Key; state: S }>();
  const existing = (prefix: Key): Key[] => [...rows.values()]
    .map((row) => row.key)
    .filter((key) => prefix.every((part, i) => key[i] === part))
    .sort(compareKeys);
  for (const event of events) {
    for (const key of model.keysOf(event, existing)) {
      const id = JSON.stringify(key);
      const state = rows.get(id)?.state ?? null;
      if (state !== null && state.lastPosition >= event.position) continue;
      const next = model.evolve(state, event, key);
      if (next === null) rows.delete(id);
      else rows.set(id, { key, state: next });
    }
  }
  return rows;
}

/** Key order as SQLite's ORDER BY gives it for ASCII text keys (ids are ASCII by the contract). */
function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return a.length - b.length;
}
