/**
 * A projection worker: follows a store's global order from the read models' own checkpoint and
 * applies each page in one transaction of the read-model database, checkpoint included — so a
 * crash at any point resumes exactly where the last committed page ended. The read models may
 * live apart from the log (one copy per API replica); the store may be any adapter of the port.
 */
import type Database from 'better-sqlite3';
import { ProjectionRunner } from '../../projections/runner.js';
import { LedgerError } from '../errors.js';
import { Pause } from '../store/pause.js';
import { stoppable } from '../store/stoppable.js';
import type { EventStore, RecordedEvent, Subscription } from '../store/port.js';

export interface ProjectionWorker {
  readonly runner: ProjectionRunner;
  /** Ends (rejects) only on an error a retry cannot mend, e.g. a projection that throws. */
  readonly subscription: Subscription;
  /**
   * Resolves once the worker has followed the log to `position` — its models hold it — and rejects
   * if the worker fails or stops first.
   */
  reached(position: number): Promise<void>;
  /** Why the worker stopped following, when it failed; null while it runs. */
  failure(): Error | null;
  /** Tells `listener` after each page applied (read-models-clock.ts wakes its waiters); returns how to stop. */
  moved(listener: () => void): () => void;
}

export interface ProjectionWorkerOptions {
  readonly onPage?: (position: number) => void;
  /** The store went away (unavailable, leader lost, stream ended): the worker follows again after `delayMs`. */
  readonly onRetry?: (error: Error, delayMs: number) => void;
  /** Longest wait between attempts; they start at 250 ms and double. */
  readonly maxRetryDelayMs?: number;
}

export function startProjectionWorker(store: EventStore, readModelsDb: Database.Database, options: ProjectionWorkerOptions = {}): ProjectionWorker {
  // Another process may keep the same file (the log's own, where read models are deferred): it waits its turn.
  readModelsDb.pragma('busy_timeout = 10000');
  readModelsDb.pragma('journal_mode = WAL');
  // NORMAL: a commit is not flushed to disk by itself. Read models are derived — a page lost to a
  // power cut goes with its checkpoint (one transaction) and is applied again from the log.
  readModelsDb.pragma('synchronous = NORMAL');
  const runner = new ProjectionRunner(readModelsDb);
  // How far this worker has followed the log: its runner's checkpoints may be set back under it (a
  // rebuild of the same runner), and a wait for what it followed must still end.
  let followed = runner.position;
  const waiting = new Set<{ position: number; resolve: () => void }>();
  const listeners = new Set<() => void>();
  // IMMEDIATE, and the checkpoints read again inside: whatever another process applied to this file
  // meanwhile is skipped, and no two processes apply one page at once.
  const applyPage = readModelsDb.transaction((events: readonly RecordedEvent[]) => {
    runner.reloadCheckpoints();
    runner.apply(events);
  });
  const subscription = followWithRetries(store, () => runner.position, (events) => {
    applyPage.immediate(events);
    const position = events[events.length - 1]!.position;
    followed = position;
    options.onPage?.(position);
    for (const listener of listeners) listener();
    for (const waiter of waiting) {
      if (position >= waiter.position) {
        waiting.delete(waiter);
        waiter.resolve();
      }
    }
  }, options);
  let failed: Error | null = null;
  subscription.done.catch((error: unknown) => {
    failed = error instanceof Error ? error : new Error(String(error));
  });
  return {
    runner,
    subscription,
    failure: () => failed,
    moved(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reached(position) {
      if (Math.max(followed, runner.position) >= position) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiting.add({ position, resolve });
        subscription.done.then(() => reject(new Error('the projection worker stopped before catching up')), reject);
      });
    },
  };
}

const isRetryable = (error: unknown): error is Error => error instanceof LedgerError && error.code === 'UNAVAILABLE';

/**
 * `subscribeAll` from the checkpoint, subscribed again from the checkpoint whenever the store
 * becomes unavailable or ends the subscription by itself — a replica outlives a leader change.
 */
function followWithRetries(
  store: EventStore, checkpoint: () => number, handler: (events: readonly RecordedEvent[]) => void, options: ProjectionWorkerOptions,
): Subscription {
  let current: Subscription | null = null;
  const pause = new Pause();
  return stoppable(async (flag) => {
    let attempt = 0;
    while (!flag.stopped) {
      current = store.subscribeAll({ after: checkpoint(), batchSize: 1000 }, (events) => {
        attempt = 0;
        handler(events);
      });
      let reason: Error;
      try {
        await current.done;
        if (flag.stopped) return;
        reason = new Error('the store ended the subscription');
      } catch (error) {
        if (flag.stopped) return;
        if (!isRetryable(error)) throw error;
        reason = error;
      }
      const delayMs = Math.min(options.maxRetryDelayMs ?? 10_000, 250 * 2 ** attempt);
      attempt += 1;
      options.onRetry?.(reason, delayMs);
      await pause.for(delayMs);
    }
  }, async () => {
    pause.wake();
    await current?.stop();
  });
}
