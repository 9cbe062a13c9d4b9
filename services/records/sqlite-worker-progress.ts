/**
 * Workers' progress in the embedded log's own file, which every worker of that ledger on the host
 * follows already: a row per worker, written at most once a second by each (worker-progress.ts).
 */
import Database from 'better-sqlite3';
import { hasTable } from '../store/sqlite/sqlite-log-reader.js';
import type { WorkerPosition, WorkerProgress, WorkerProgressStore } from './worker-progress.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS worker_progress (
  host TEXT NOT NULL, worker TEXT NOT NULL, position INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (host, worker))`;

export class SqliteWorkerProgress implements WorkerProgressStore {
  private created = false;

  /** A connection of its own to the log's file (`path`): the log's writer is never waited on inside its own transaction. */
  static open(path: string): SqliteWorkerProgress {
    const db = new Database(path, { fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    return new SqliteWorkerProgress(db, true);
  }

  constructor(private readonly db: Database.Database, private readonly owned = false) {}

  async report(progress: WorkerPosition): Promise<void> {
    if (!this.created) {
      this.db.exec(SCHEMA);
      this.created = true;
    }
    this.db.prepare(`INSERT INTO worker_progress (host, worker, position, updated_at) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ON CONFLICT (host, worker) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`).run(progress.host, progress.worker, progress.position);
  }

  async list(): Promise<WorkerProgress[]> {
    if (!hasTable(this.db, 'worker_progress')) return [];
    return this.db.prepare<[], WorkerProgress>('SELECT host, worker, position, updated_at AS updatedAt FROM worker_progress ORDER BY host, worker').all();
  }

  async close(): Promise<void> {
    if (this.owned) this.db.close();
  }
}
