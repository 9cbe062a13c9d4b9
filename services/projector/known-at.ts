/**
 * The read models as the ledger knew them at a moment (README "Two clocks"): replayed into a
 * database in memory from the log up to the last event recorded by then. A report judged on them
 * is the report that could have been run at that moment — reproduced exactly, whatever was
 * recorded since (a back-dated completion included) — and names the head it stood on.
 */
import Database from 'better-sqlite3';
import { ProjectionRunner } from '../../projections/runner.js';
import type { EventStore, Head } from '../store/port.js';

export interface KnownAt {
  /** Read models of the log through `head.position`. */
  readonly db: Database.Database;
  readonly head: Head;
}

/**
 * The last position recorded at or before `knownAt`. Positions are given in commit order inside the
 * append's transaction, where `recordedAt` is taken, so along the log it never goes back (on one
 * clock): a binary search over positions finds it in O(log n) reads.
 */
export async function positionKnownAt(store: Pick<EventStore, 'head' | 'readPositions'>, knownAt: string): Promise<Head> {
  const head = await store.head();
  let low = 0;
  let high = head.position;
  let hash: string | null = null;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    const [event] = await store.readPositions([middle]);
    if (event && event.recordedAt <= knownAt) {
      low = middle;
      hash = event.hash;
    } else high = middle - 1;
  }
  if (low > 0 && hash === null) hash = (await store.readPositions([low]))[0]?.hash ?? null;
  return { position: low, hash };
}

/** Replays the log up to `knownAt` into fresh read models in memory, hands them to `use`, and closes them. */
export async function withReadModelsKnownAt<T>(store: EventStore, knownAt: string, use: (known: KnownAt) => T): Promise<T> {
  const head = await positionKnownAt(store, knownAt);
  const db = new Database(':memory:');
  try {
    await new ProjectionRunner(db).catchUp(store, undefined, head.position);
    return use({ db, head });
  } finally {
    db.close();
  }
}
