/**
 * What a read-model database carries while events are applied to it, held in one object the runner
 * owns and hands to every projection: its prepared statements, each batch's rows not yet written
 * (a keyed model's changed rows, a log model's new rows), and what a projection keeps between
 * events (the Merkle tree's compact range, parsed policies). Readers take a context at apply time —
 * they then see a batch's rows as of the event being applied — or the database itself for queries,
 * which see what is stored.
 */
import type Database from 'better-sqlite3';

/** A projection's own place in a context: made on first use, one per context. */
export interface Slot<T> {
  readonly name: string;
  readonly make: () => T;
}

export const slot = <T>(name: string, make: () => T): Slot<T> => ({ name, make });

export class ProjectionContext {
  private readonly prepared = new Map<string, Database.Statement>();
  private readonly slots = new Map<Slot<unknown>, unknown>();

  constructor(readonly db: Database.Database) {}

  /** Prepared once per context: read models run per event, and preparing costs more than running. */
  statement<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let prepared = this.prepared.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.prepared.set(sql, prepared);
    }
    // The cache holds statements of every shape; the caller's SQL is what gives this one its row type.
    return prepared as Database.Statement<P, R>;
  }

  kept<T>(place: Slot<T>): T {
    if (this.slots.has(place)) return this.slots.get(place) as T;
    const made = place.make();
    this.slots.set(place, made);
    return made;
  }
}

/** Where a reader reads: a context (apply time, a batch's rows laid over the tables) or the database (queries). */
export type ReadSource = ProjectionContext | Database.Database;

export const contextOf = (source: ReadSource): ProjectionContext | null => (source instanceof ProjectionContext ? source : null);

/** A statement over the source's database: a context's prepared one, or one prepared for a query now. */
export function statement<P extends unknown[] = unknown[], R = unknown>(source: ReadSource, sql: string): Database.Statement<P, R> {
  return source instanceof ProjectionContext ? source.statement<P, R>(sql) : source.prepare<P, R>(sql);
}
