/**
 * Read models are pure steps over the log. Two shapes cover them all:
 * - a keyed model: rows addressed by a key, each row's state evolved by a pure
 *   `(state | null, event) → state | null`;
 * - a log model: rows derived from one event by a pure `rowsOf(event)`, never updated.
 * Both run inside the append transaction on the embedded store, and rebuild from position 0.
 */
import { rowIdOf, PendingRows, type Key, type PendingRow } from './pending-rows.js';
import { contextOf, slot, statement, type ProjectionContext, type ReadSource } from './projection-context.js';
import type { SealedEvent } from '../services/ledger/stored-event.js';

/** An event as projections see it: its values still sealed (read models never hold plaintext). */
export interface ProjectedEvent {
  readonly position: number;
  readonly stream: string;
  /** Revision within the stream: with the fields above and `event`, what the chain and the Merkle tree hash. */
  readonly revision: number;
  readonly recordedAt: string;
  readonly event: SealedEvent;
  /** The RFC 6962 hash of this position's chained leaf, when the reader made it already (a rebuild's read-ahead thread). */
  readonly leafHash?: Buffer;
}

export interface Projection {
  readonly name: string;
  /** Bump when the step or the tables change: the runner rebuilds the model from the log. */
  readonly version: number;
  readonly tables: readonly string[];
  readonly schema: string;
  /**
   * The models this one reads while applying an event (by name). Whenever this one is rebuilt,
   * they are rebuilt with it, so it reads them as of each event, never as they stand now.
   */
  readonly reads?: readonly string[];
  /**
   * Indexes only queries use, never `apply`: a rebuild creates them once the tables are loaded
   * (one sorted build each, instead of an index entry per row written).
   */
  readonly queryIndexes?: string;
  apply(context: ProjectionContext, event: ProjectedEvent): void;
  /**
   * A model that can hold its changes in memory for a batch: the runner opens a batch, applies
   * every event of it, then commits (one write per changed row) — or abandons it when the
   * transaction fails. Without an open batch, `apply` writes at once.
   */
  readonly batch?: UnitOfWork;
  /**
   * A model that can hold every row it keeps in memory through a whole rebuild (runner.ts
   * `rebuild`): it then writes nothing per batch, and each row once when released.
   */
  readonly held?: HeldRows;
}

export interface UnitOfWork {
  begin(context: ProjectionContext): void;
  commit(context: ProjectionContext): void;
  abandon(context: ProjectionContext): void;
}

/**
 * A rebuild's bulk fold. The runner is then the tables' only writer and replays the log from
 * position 0, so a model may keep its rows in memory across the rebuild's transactions — reads
 * answered from memory, not from its table — and write each row once, in key order, many rows
 * per statement, when released: at the end of the rebuild, or earlier when the rows held pass
 * the runner's bound (then it holds again, over a table that is no longer empty).
 */
export interface HeldRows {
  /** Hold rows from now on; `empty`: the table holds nothing yet, so a row not in memory is no row (no read). */
  hold(context: ProjectionContext, empty: boolean): void;
  /** How many rows are held now. */
  count(context: ProjectionContext): number;
  /** Write every row held and let go of them; the model writes per batch again until held anew. */
  release(context: ProjectionContext): void;
}

export type { Key } from './pending-rows.js';

/** Rows per multi-row INSERT when rows held for a batch (or a rebuild) are written at its end. */
const ROWS_PER_INSERT = 100;

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

export interface KeyedProjection<S extends { lastPosition: number }> extends Projection {
  readonly model: KeyedModel<S>;
  /** One row's state, as of the event being applied when read through a context. */
  read(source: ReadSource, key: Key): S | null;
  /** The rows under a key prefix, in key order (e.g. a subject's consents), as `read` sees them. */
  readPrefix(source: ReadSource, prefix: Key): { key: Key; state: S }[];
  /** The rows under a prefix that this context's batch changed and has not written yet (null state: deleted). */
  pendingUnder(source: ReadSource, prefix: Key): Iterable<PendingRow<S>>;
  /** This context holds every row of the model (a rebuild from an empty table): `pendingUnder` is the whole model, the table need not be read. */
  holdsAll(source: ReadSource): boolean;
}

export function keyedProjection<S extends { lastPosition: number }>(model: KeyedModel<S>): KeyedProjection<S> {
  const columns = model.key.join(', ');
  const where = model.key.map((column) => `${column} = ?`).join(' AND ');
  const schema = `CREATE TABLE IF NOT EXISTS ${model.table} (${model.key.map((c) => `${c} NOT NULL`).join(', ')}, state TEXT NOT NULL, PRIMARY KEY (${columns})) WITHOUT ROWID;\n${model.indexes ?? ''}`;
  const rowPlaceholders = `(${[...model.key, 'state'].map(() => '?').join(', ')})`;
  const sql = {
    get: `SELECT state FROM ${model.table} WHERE ${where}`,
    put: `INSERT INTO ${model.table} (${columns}, state) VALUES (${model.key.map(() => '?').join(', ')}, ?) ON CONFLICT (${columns}) DO UPDATE SET state = excluded.state`,
    del: `DELETE FROM ${model.table} WHERE ${where}`,
    /** `count` rows at once: into an empty table a plain insert, over stored rows an upsert. */
    putMany: (count: number, empty: boolean) => `INSERT INTO ${model.table} (${columns}, state) VALUES ${Array(count).fill(rowPlaceholders).join(', ')}`
      + (empty ? '' : ` ON CONFLICT (${columns}) DO UPDATE SET state = excluded.state`),
    /** Key columns (and, with `withState`, the state) of the rows under a prefix of `length` columns, in key order. */
    byPrefix: (length: number, withState = false) => `SELECT ${columns}${withState ? ', state' : ''} FROM ${model.table}` +
      `${length === 0 ? '' : ` WHERE ${model.key.slice(0, length).map((c) => `${c} = ?`).join(' AND ')}`} ORDER BY ${columns}`,
  };
  const keyOf = (row: Record<string, string | number>): Key => model.key.map((c) => row[c]!);
  /**
   * The rows changed and not written yet: a batch's, or a rebuild's (`holding`). `complete`: the
   * table holds no row that is not here (a rebuild started from an empty table), so none is read.
   */
  const held = slot<{ rows: PendingRows<S> | null; holding: boolean; complete: boolean }>(`pending rows of ${model.name}`,
    () => ({ rows: null, holding: false, complete: false }));
  const pending = (source: ReadSource): PendingRows<S> | null => contextOf(source)?.kept(held).rows ?? null;
  const complete = (source: ReadSource): boolean => contextOf(source)?.kept(held).complete ?? false;
  const write = (context: ProjectionContext, key: Key, state: S | null) => {
    if (state === null) context.statement(sql.del).run(...key);
    else context.statement(sql.put).run(...key, JSON.stringify(state));
  };
  const read = (source: ReadSource, key: Key): S | null => {
    const changed = pending(source)?.get(key);
    if (changed) return changed.state;
    if (complete(source)) return null;
    const row = statement<unknown[], { state: string }>(source, sql.get).get(...key);
    return row ? (JSON.parse(row.state) as S) : null;
  };
  /** Stored rows under a prefix with this batch's changes laid over them, in key order (as ORDER BY gives them). */
  const withPending = <R extends { key: Key }>(source: ReadSource, prefix: Key, stored: () => R[], fromPending: (row: PendingRow<S> & { state: S }) => R): R[] => {
    const rowsHeld = pending(source);
    if (!rowsHeld || rowsHeld.size === 0) return complete(source) ? [] : stored();
    const changed = [...rowsHeld.under(prefix)];
    if (changed.length === 0) return complete(source) ? [] : stored();
    const rows = new Map(complete(source) ? [] : stored().map((row) => [rowIdOf(row.key), row]));
    for (const row of changed) {
      if (row.state === null) rows.delete(rowIdOf(row.key));
      else rows.set(rowIdOf(row.key), fromPending({ key: row.key, state: row.state }));
    }
    return [...rows.values()].sort((a, b) => compareKeys(a.key, b.key));
  };
  const existing = (context: ProjectionContext, prefix: Key): Key[] => withPending(
    context, prefix,
    () => context.statement<unknown[], Record<string, string | number>>(sql.byPrefix(prefix.length)).all(...prefix).map((row) => ({ key: keyOf(row) })),
    ({ key }) => ({ key }),
  ).map(({ key }) => key);
  const batch: UnitOfWork = {
    begin: (context) => {
      const place = context.kept(held);
      if (!place.holding) place.rows = new PendingRows<S>();
    },
    commit(context) {
      const place = context.kept(held);
      if (place.holding) return;
      const rows = place.rows;
      place.rows = null;
      for (const { key, state } of rows?.values() ?? []) write(context, key, state);
    },
    abandon: (context) => {
      const place = context.kept(held);
      if (!place.holding) place.rows = null;
    },
  };
  const heldRows: HeldRows = {
    hold(context, empty) {
      const place = context.kept(held);
      place.rows = new PendingRows<S>();
      place.holding = true;
      place.complete = empty;
    },
    count: (context) => context.kept(held).rows?.size ?? 0,
    release(context) {
      const place = context.kept(held);
      const rows = [...(place.rows?.values() ?? [])].sort((a, b) => compareKeys(a.key, b.key));
      const empty = place.complete;
      Object.assign(place, { rows: null, holding: false, complete: false });
      // In key order: each page of the table's B-tree is filled once, never split and rewritten.
      const kept = rows.filter((row): row is PendingRow<S> & { state: S } => row.state !== null);
      let i = 0;
      for (; i + ROWS_PER_INSERT <= kept.length; i += ROWS_PER_INSERT) {
        context.statement(sql.putMany(ROWS_PER_INSERT, empty)).run(kept.slice(i, i + ROWS_PER_INSERT).flatMap(({ key, state }) => [...key, JSON.stringify(state)]));
      }
      if (i < kept.length) {
        context.statement(sql.putMany(kept.length - i, empty)).run(kept.slice(i).flatMap(({ key, state }) => [...key, JSON.stringify(state)]));
      }
      // Deleted rows: none was ever written into an empty table.
      if (!empty) for (const row of rows) if (row.state === null) write(context, row.key, null);
    },
  };
  return {
    name: model.name,
    version: model.version,
    tables: [model.table],
    schema,
    model,
    read,
    // One query for the rows and their states (a subject's categories, consents…), not one per row.
    readPrefix: (source, prefix) => withPending(
      source, prefix,
      () => statement<unknown[], Record<string, string | number> & { state: string }>(source, sql.byPrefix(prefix.length, true))
        .all(...prefix).map((row) => ({ key: keyOf(row), state: JSON.parse(row.state) as S })),
      (row) => row,
    ),
    pendingUnder: (source, prefix) => pending(source)?.under(prefix) ?? [],
    holdsAll: complete,
    apply(context, event) {
      const rowsHeld = context.kept(held).rows;
      for (const key of model.keysOf(event, (prefix) => existing(context, prefix))) {
        const state = read(context, key);
        // Every row remembers the last event it saw: an event delivered twice changes nothing.
        if (state !== null && state.lastPosition >= event.position) continue;
        const next = model.evolve(state, event, key);
        if (rowsHeld) rowsHeld.set(key, next);
        else write(context, key, next);
      }
    },
    batch,
    held: heldRows,
  };
}

export interface LogModel {
  readonly name: string;
  readonly version: number;
  readonly table: string;
  /** Column names; the first ones up to `uniqueBy` identify a row, so a replay inserts nothing twice. */
  readonly columns: readonly string[];
  readonly uniqueBy: readonly string[];
  /** Columns of whole numbers besides `position` (declared INTEGER, kept in 1–8 bytes rather than as 8-byte REALs). */
  readonly integers?: readonly string[];
  readonly indexes?: string;
  /** Indexes only queries use (see Projection.queryIndexes). */
  readonly queryIndexes?: string;
  rowsOf(event: ProjectedEvent): Record<string, string | number | null>[];
}

export type LogRow = Record<string, string | number | null>;

export interface LogProjection extends Projection {
  readonly model: LogModel;
  /** The rows this context's batch made and has not inserted yet, in log order (none for a database read directly). */
  pendingRows(source: ReadSource): readonly LogRow[];
}

export function logProjection(model: LogModel): LogProjection {
  // A log position (and any other whole number) is declared INTEGER: a JS number is bound as a REAL (8 bytes), an INTEGER column stores it in 1–6.
  const declared = model.columns.map((column) => (column === 'position' || model.integers?.includes(column) ? `${column} INTEGER` : column));
  const schema = `CREATE TABLE IF NOT EXISTS ${model.table} (${declared.join(', ')}, PRIMARY KEY (${model.uniqueBy.join(', ')})) WITHOUT ROWID;\n${model.indexes ?? ''}`;
  const insert = `INSERT OR IGNORE INTO ${model.table} (${model.columns.join(', ')}) VALUES (${model.columns.map((c) => `@${c}`).join(', ')})`;
  const placeholders = `(${model.columns.map(() => '?').join(', ')})`;
  const insertMany = `INSERT OR IGNORE INTO ${model.table} (${model.columns.join(', ')}) VALUES ${Array(ROWS_PER_INSERT).fill(placeholders).join(', ')}`;
  // A batch's rows, inserted at its end: ROWS_PER_INSERT per statement, the rest one by one.
  const held = slot<{ rows: LogRow[] | null }>(`pending rows of ${model.name}`, () => ({ rows: null }));
  const batch: UnitOfWork = {
    begin: (context) => { context.kept(held).rows = []; },
    commit(context) {
      const place = context.kept(held);
      const rows = place.rows ?? [];
      place.rows = null;
      let i = 0;
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
        context.statement(insertMany).run(rows.slice(i, i + ROWS_PER_INSERT).flatMap((row) => model.columns.map((column) => row[column] ?? null)));
      }
      for (; i < rows.length; i += 1) context.statement(insert).run(rows[i]);
    },
    abandon: (context) => { context.kept(held).rows = null; },
  };
  return {
    name: model.name,
    version: model.version,
    tables: [model.table],
    schema,
    ...(model.queryIndexes ? { queryIndexes: model.queryIndexes } : {}),
    model,
    pendingRows: (source) => contextOf(source)?.kept(held).rows ?? [],
    apply(context, event) {
      const rows = context.kept(held).rows;
      for (const row of model.rowsOf(event)) {
        if (rows) rows.push(row);
        else context.statement(insert).run(row);
      }
    },
    batch,
  };
}

/**
 * Sorted union, so that states built from the same events are byte-identical however they were
 * built. Most events repeat what a row already lists (the same purpose, the same system): when
 * `a` is already sorted without repeats and holds all of `b`, the union is a copy of `a`.
 */
export const union = <T extends string>(a: readonly T[] | undefined, b: readonly T[]): T[] => {
  if (a !== undefined && b.every((item) => a.includes(item)) && strictlySorted(a)) return a.slice();
  return [...new Set([...(a ?? []), ...b])].sort();
};
/** In `sort()`'s order (UTF-16 code units, which `<` compares by too), each item after a smaller one. */
const strictlySorted = (items: readonly string[]): boolean => {
  for (let i = 1; i < items.length; i += 1) if (!(items[i - 1]! < items[i]!)) return false;
  return true;
};
export const json = (value: unknown): string => JSON.stringify(value);
/** A JSON column read back: the type is the one its projection wrote with `json`. */
export const fromJson = <T>(text: string): T => JSON.parse(text) as T;

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
export function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return a.length - b.length;
}
