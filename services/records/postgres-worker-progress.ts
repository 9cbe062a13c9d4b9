/** Workers' progress in PostgreSQL beside the log (postgres-records.ts): every worker on every host in one table. */
import type { PostgresRecords } from './postgres-records.js';
import type { WorkerPosition, WorkerProgress, WorkerProgressStore } from './worker-progress.js';

export class PostgresWorkerProgress implements WorkerProgressStore {
  constructor(private readonly records: PostgresRecords) {}

  async report(progress: WorkerPosition): Promise<void> {
    await this.records.write(`INSERT INTO pdl_worker_progress (host, worker, position, updated_at) VALUES ($1, $2, $3, clock_timestamp())
      ON CONFLICT (host, worker) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`, [progress.host, progress.worker, progress.position]);
  }

  async list(): Promise<WorkerProgress[]> {
    const rows = await this.records.read<{ host: string; worker: string; position: string; updated_at: string }>(
      `SELECT host, worker, position::text AS position, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
       FROM pdl_worker_progress ORDER BY host, worker`);
    return rows.map((row) => ({ host: row.host, worker: row.worker, position: Number(row.position), updatedAt: row.updated_at }));
  }

  /** The connections are the log's: closed with it. */
  async close(): Promise<void> {}
}
