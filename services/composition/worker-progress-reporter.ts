/**
 * A projection worker's reports to the shared store (services/records/worker-progress.ts): its
 * position at start, then at most once an interval while it moves, and once more at stop. A report
 * that fails is told and dropped: the worker's own checkpoint is what counts, this is a view of it.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { WorkerProgressStore } from '../records/worker-progress.js';

export interface ProgressReporter {
  /** The worker reached `position` (its onPage). */
  moved(position: number): void;
  /** The last position reported, the store closed. */
  stop(): Promise<void>;
}

export function reportWorkerProgress(
  store: WorkerProgressStore, readModelsFile: string, from: number,
  options: { everyMs?: number; onError?: (error: Error) => void } = {},
): ProgressReporter {
  const who = { host: hostname(), worker: resolve(readModelsFile) };
  let latest = from;
  let reported = -1;
  let writing: Promise<void> = Promise.resolve();
  const send = () => {
    if (latest === reported) return writing;
    const position = latest;
    writing = writing.then(() => store.report({ ...who, position })).then(() => {
      reported = position;
    }, (error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error))));
    return writing;
  };
  void send();
  const timer = setInterval(() => void send(), options.everyMs ?? 1000);
  timer.unref();
  return {
    moved(position) {
      latest = position;
    },
    async stop() {
      clearInterval(timer);
      await send();
      await store.close();
    },
  };
}
