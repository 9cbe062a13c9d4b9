/**
 * The projection workers' progress port (README "Beyond one machine: which records live where").
 * A worker's position is kept with its read models, committed in the same transaction as each
 * page (projections/runner.ts, rm_checkpoints): that is the position it resumes from, and the only
 * one that can be trusted to match its tables. This port is a second, advisory copy in the shared
 * store — where it is, when it was there — so that how far behind each worker on each host is can
 * be read in one place (`pdl head --workers`). Nothing resumes from it, so it may lag by a report.
 * Adapters: sqlite-worker-progress.ts (the embedded log's file), postgres-worker-progress.ts.
 */

export interface WorkerPosition {
  /** The host the worker runs on. */
  readonly host: string;
  /** Which worker on that host: its read models' file. */
  readonly worker: string;
  readonly position: number;
}

export interface WorkerProgress extends WorkerPosition {
  /** When the position was reported, by the store's clock. */
  readonly updatedAt: string;
}

export interface WorkerProgressStore {
  /** Records where a worker is now (its last report replaced, whether ahead or behind: a rebuild starts again from 0). */
  report(progress: WorkerPosition): Promise<void>;
  /** Every worker that reported, by host and worker. */
  list(): Promise<WorkerProgress[]>;
  close(): Promise<void>;
}
