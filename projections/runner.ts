/**
 * Runs the read models: inline inside the append transaction on the embedded store (a write is
 * visible to the next read), caught up from each model's checkpoint at start, rebuilt from
 * position 0 on demand or when a model's version changes.
 */
import { LedgerError } from '../services/errors.js';
import type Database from 'better-sqlite3';
import { storedEvent } from '../services/ledger/stored-event.js';
import type { EventStore, RecordedEvent } from '../services/store/port.js';
import { SqliteEventStore } from '../services/store/sqlite/sqlite-event-store.js';
import { allProjections } from './index.js';
import type { ProjectedEvent, Projection, UnitOfWork } from './projection.js';
import { ProjectionContext } from './projection-context.js';
import { readAhead, type ReadPage } from './read-ahead.js';

const CHECKPOINTS = `CREATE TABLE IF NOT EXISTS rm_checkpoints (name TEXT PRIMARY KEY, version INTEGER NOT NULL, position INTEGER NOT NULL)`;
const PAGE = 2000;
/**
 * Rows a rebuild holds in memory before writing them out (see rebuild). Measured on the bench's
 * ledger (200,000 events, 20,000 subjects: 80,000 rows held), ~1.1 KB of live heap per row: about
 * 170 MB at the bound. A ledger of a million events over 100,000 subjects (~400,000 rows) writes
 * them out twice on the way.
 */
const HOLD_UP_TO = 150_000;

export const toProjected = (recorded: RecordedEvent): ProjectedEvent => projected(recorded, undefined);

/** With its leaf hash when the reader made it. */
const projected = (recorded: RecordedEvent, leafHash: Buffer | undefined): ProjectedEvent => ({
  position: recorded.position,
  stream: recorded.stream,
  revision: recorded.revision,
  recordedAt: recorded.recordedAt,
  event: storedEvent(recorded),
  leafHash,
});

export class ProjectionRunner {
  private readonly checkpoints = new Map<string, number>();
  private readonly saveCheckpoint: Database.Statement<[number, string]>;
  private readonly lowestStored: Database.Statement<[string], { position: number | null }>;
  private readonly readCheckpoints: Database.Statement<[], { name: string; position: number }>;
  /** The models that hold their changes for a batch (Projection.batch). */
  private readonly batched: readonly UnitOfWork[];
  /** Everything the models keep on this database while they apply events: one object, handed to each. */
  private context: ProjectionContext;

  /** The models, each after the ones it reads (inReadOrder): the order they are given in does not matter. */
  readonly projections: readonly Projection[];

  constructor(
    private readonly db: Database.Database,
    projections: readonly Projection[] = allProjections,
  ) {
    projections = inReadOrder(projections);
    this.projections = projections;
    this.context = new ProjectionContext(db);
    db.exec(CHECKPOINTS);
    this.batched = projections.flatMap((projection) => (projection.batch ? [projection.batch] : []));
    this.saveCheckpoint = db.prepare('UPDATE rm_checkpoints SET position = ? WHERE name = ?');
    this.readCheckpoints = db.prepare('SELECT name, position FROM rm_checkpoints');
    this.lowestStored = db.prepare('SELECT MIN(position) AS position FROM rm_checkpoints WHERE name IN (SELECT value FROM json_each(?))');
    this.db.transaction(() => {
      const stored = new Map(db.prepare<[], { name: string; version: number; position: number }>('SELECT * FROM rm_checkpoints').all().map((r) => [r.name, r]));
      const stale = withWhatTheyRead(projections, projections.filter((p) => stored.get(p.name)?.version !== p.version).map((p) => p.name));
      for (const projection of projections) {
        if (stale.has(projection.name)) this.reset(projection);
        else db.exec(projection.schema);
        db.exec(projection.queryIndexes ?? '');
        this.checkpoints.set(projection.name, stale.has(projection.name) ? 0 : stored.get(projection.name)!.position);
      }
    })();
  }

  /**
   * Takes each model's checkpoint as stored. Another process keeping the same file — a worker, a
   * writer with inline models — may have applied events since this runner last did; called in the
   * transaction that applies next, so no event is applied twice or skipped.
   */
  reloadCheckpoints(): void {
    for (const row of this.readCheckpoints.all()) if (this.checkpoints.has(row.name)) this.checkpoints.set(row.name, row.position);
  }

  /** The lowest checkpoint: every read model has seen every event up to here. */
  get position(): number {
    return Math.min(...this.checkpoints.values());
  }

  /**
   * The same, as the database holds it now: whoever applied the events. A `pdl record` on the same
   * file applies them inline in its own transaction, so this process's `position` may be behind
   * models that are current.
   */
  storedPosition(): number {
    const names = JSON.stringify(this.projections.map((p) => p.name));
    return this.lowestStored.get(names)?.position ?? 0;
  }

  /**
   * Applies appended events to every model that has not seen them, event by event, so that a
   * model reading another (violations reads consents) sees it exactly as of that event,
   * whatever the batching. Runs inside the caller's transaction; rows changed are written at
   * its end, once each.
   */
  apply(events: readonly RecordedEvent[]): void {
    const last = new Map<string, number>();
    // Keyed models hold their changed rows for the batch and write each once at its end (reads
    // in between see them); a failure abandons them with the transaction.
    const batched = this.batched;
    for (const batch of batched) batch.begin(this.context);
    try {
      for (const recorded of events) {
        const event = toProjected(recorded);
        for (const projection of this.projections) {
          if (event.position <= this.checkpoints.get(projection.name)!) continue;
          projection.apply(this.context, event);
          last.set(projection.name, event.position);
        }
      }
      for (const batch of batched) batch.commit(this.context);
    } finally {
      for (const batch of batched) batch.abandon(this.context);
    }
    for (const [name, position] of last) {
      this.saveCheckpoint.run(position, name);
      this.checkpoints.set(name, position);
    }
  }

  /** Brings every model up to the head of the log (or to `through`), a page per transaction. */
  async catchUp(store: EventStore, onProgress?: (position: number) => void, through = Number.POSITIVE_INFINITY): Promise<number> {
    let applied = 0;
    const step = this.db.transaction((page: RecordedEvent[]) => this.apply(page));
    let page: RecordedEvent[] = [];
    const flush = () => {
      step(page);
      applied += page.length;
      onProgress?.(page[page.length - 1]!.position);
      page = [];
    };
    for await (const event of store.readAll({ after: this.position })) {
      if (event.position > through) break;
      page.push(event);
      if (page.length >= PAGE) flush();
    }
    if (page.length > 0) flush();
    return applied;
  }

  /**
   * Drops every read model and folds the whole log into it. Models that can (Projection.held)
   * keep their rows in memory from the first event to the last and write each row once at the
   * end, in key order; the others write per page as `apply` does. Each page is one transaction
   * with the checkpoints of what it wrote, so a rebuild stopped half-way leaves models that the
   * next start carries on from their own checkpoints. More than `holdUpTo` rows held: they are
   * written at the end of that page and held again over the tables, which are then read for rows
   * not in memory — memory stays bounded, at the cost of those reads. On the embedded log the pages
   * are read on a second thread (read-ahead.ts) that also decodes the bodies and hashes the Merkle
   * leaves, while this one folds the page before; `readAhead: false` reads them here.
   */
  async rebuild(store: EventStore, onProgress?: (position: number) => void, options: { holdUpTo?: number; readAhead?: boolean } = {}): Promise<number> {
    this.db.transaction(() => {
      for (const projection of this.projections) {
        this.reset(projection); // its table dropped, its query indexes with it
        this.checkpoints.set(projection.name, 0);
      }
    })();
    const holdUpTo = options.holdUpTo ?? HOLD_UP_TO;
    const context = this.context;
    const holding = this.projections.flatMap((projection) => (projection.held ? [{ name: projection.name, held: projection.held }] : []));
    const writing = this.projections.filter((projection) => !projection.held);
    const batches = writing.flatMap((projection) => (projection.batch ? [projection.batch] : []));
    const checkpoint = (names: readonly string[], position: number) => {
      for (const name of names) {
        this.saveCheckpoint.run(position, name);
        this.checkpoints.set(name, position);
      }
    };
    const release = (position: number) => {
      for (const { held } of holding) held.release(context);
      checkpoint(holding.map(({ name }) => name), position);
    };
    const step = this.db.transaction((page: readonly RecordedEvent[], leafHashes: readonly Buffer[] | null) => {
      for (const batch of batches) batch.begin(context);
      try {
        // Every model starts at 0: no checkpoint to compare, each event goes to each model in turn.
        for (let i = 0; i < page.length; i += 1) {
          const event = projected(page[i]!, leafHashes?.[i]);
          for (const projection of this.projections) projection.apply(context, event);
        }
        for (const batch of batches) batch.commit(context);
      } finally {
        for (const batch of batches) batch.abandon(context);
      }
      const position = page[page.length - 1]!.position;
      checkpoint(writing.map((projection) => projection.name), position);
      if (holding.reduce((sum, { held }) => sum + held.count(context), 0) > holdUpTo) {
        release(position);
        for (const { held } of holding) held.hold(context, false);
      }
    });
    for (const { held } of holding) held.hold(context, true);
    let applied = 0;
    let last = 0;
    try {
      const fold = (page: readonly RecordedEvent[], leafHashes: readonly Buffer[] | null) => {
        step(page, leafHashes);
        applied += page.length;
        last = page[page.length - 1]!.position;
        onProgress?.(last);
      };
      const ahead = options.readAhead === false ? null : readAheadOf(store);
      if (ahead) {
        for await (const { events, leafHashes } of ahead) fold(events, leafHashes);
      } else {
        let page: RecordedEvent[] = [];
        for await (const event of store.readAll()) {
          page.push(event);
          if (page.length >= PAGE) {
            fold(page, null);
            page = [];
          }
        }
        if (page.length > 0) fold(page, null);
      }
      // Stopped before this point, the next open catches the held models up from their checkpoints and creates the indexes (the constructor does, if missing).
      this.db.transaction(() => {
        release(last);
        for (const projection of this.projections) this.db.exec(projection.queryIndexes ?? '');
      })();
    } catch (error) {
      // What was held and not written is dropped with this context; the checkpoints say what was written.
      this.context = new ProjectionContext(this.db);
      throw error;
    }
    return applied;
  }

  private reset(projection: Projection): void {
    for (const table of projection.tables) this.db.exec(`DROP TABLE IF EXISTS ${table}`);
    this.db.exec(projection.schema);
    this.db.prepare('INSERT INTO rm_checkpoints (name, version, position) VALUES (?, ?, 0) ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = 0')
      .run(projection.name, projection.version);
  }
}

/** The embedded log in a file of its own can be read ahead on a thread; any other store is read as it is. */
function readAheadOf(store: EventStore): AsyncIterable<ReadPage> | null {
  if (!(store instanceof SqliteEventStore) || store.db.memory) return null;
  return readAhead(store.db.name, PAGE);
}

/** A model reads one that is not given, or models read each other in a circle: no order applies them as of each event. */
export class ProjectionOrderError extends LedgerError {
  readonly code = 'VALIDATION';
}

/**
 * The models in an order where each comes after every model it `reads`, so it reads them as of
 * each event; among models unrelated by `reads`, the order given is kept.
 */
export function inReadOrder(projections: readonly Projection[]): Projection[] {
  const byName = new Map(projections.map((p) => [p.name, p]));
  const ordered: Projection[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (projection: Projection, path: readonly string[]) => {
    const at = state.get(projection.name);
    if (at === 'done') return;
    if (at === 'visiting') throw new ProjectionOrderError(`read models read each other in a circle: ${[...path, projection.name].join(' → ')}`);
    state.set(projection.name, 'visiting');
    for (const name of projection.reads ?? []) {
      const read = byName.get(name);
      if (!read) throw new ProjectionOrderError(`read model ${projection.name} reads ${name}, which is not among the models given`);
      visit(read, [...path, projection.name]);
    }
    state.set(projection.name, 'done');
    ordered.push(projection);
  };
  for (const projection of projections) visit(projection, []);
  return ordered;
}

/** These models, and every model they read (transitively): what must be rebuilt together. */
export function withWhatTheyRead(projections: readonly Projection[], names: readonly string[]): Set<string> {
  const byName = new Map(projections.map((p) => [p.name, p]));
  const result = new Set<string>();
  const visit = (name: string) => {
    if (result.has(name)) return;
    result.add(name);
    for (const read of byName.get(name)?.reads ?? []) visit(read);
  };
  names.forEach(visit);
  return result;
}
