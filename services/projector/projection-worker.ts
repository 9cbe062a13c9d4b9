/**
 * A projection worker: follows a store's global order from the read models' own checkpoint and
 * applies each page in one transaction of the read-model database, checkpoint included — so a
 * crash at any point resumes exactly where the last committed page ended. The read models may
 * live apart from the log (one copy per API replica); the store may be any adapter of the port.
 */
import type Database from 'better-sqlite3';
import { ProjectionRunner } from '../../projections/runner.js';
import type { EventStore, RecordedEvent, Subscription } from '../store/port.js';

export interface ProjectionWorker {
  readonly runner: ProjectionRunner;
  readonly subscription: Subscription;
  /** Resolves once the read models have reached `position` (rejects if the worker fails first). */
  reached(position: number): Promise<void>;
  /** Why the worker stopped following, when it failed; null while it runs. */
  failure(): Error | null;
}

export function startProjectionWorker(store: EventStore, readModels: Database.Database, onPage?: (position: number) => void): ProjectionWorker {
  readModels.pragma('journal_mode = WAL');
  readModels.pragma('synchronous = NORMAL');
  const runner = new ProjectionRunner(readModels);
  const waiting = new Set<{ position: number; resolve: () => void }>();
  const applyPage = readModels.transaction((events: readonly RecordedEvent[]) => runner.apply(events));
  const subscription = store.subscribeAll({ after: runner.position, batchSize: 1000 }, (events) => {
    applyPage(events);
    const position = events[events.length - 1]!.position;
    onPage?.(position);
    for (const waiter of waiting) {
      if (position >= waiter.position) {
        waiting.delete(waiter);
        waiter.resolve();
      }
    }
  });
  let failed: Error | null = null;
  subscription.done.catch((error: unknown) => {
    failed = error instanceof Error ? error : new Error(String(error));
  });
  return {
    runner,
    subscription,
    failure: () => failed,
    reached(position) {
      if (runner.position >= position) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiting.add({ position, resolve });
        subscription.done.then(() => reject(new Error('the projection worker stopped before catching up')), reject);
      });
    },
  };
}
