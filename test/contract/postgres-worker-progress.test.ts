/** The workers' progress contract against a real PostgreSQL server: a schema per test, a pool per "process". */
import { PostgresWorkerProgress } from '../../services/records/postgres-worker-progress.js';
import { workerProgressContract } from './worker-progress-contract.js';
import { postgresRecordsPlace, postgresUrl, skippedWithoutServer } from './postgres-fixture.js';

if (!postgresUrl) {
  skippedWithoutServer('workers\' progress contract: PostgreSQL');
} else {
  workerProgressContract('PostgreSQL (a real server)', () => postgresRecordsPlace((records) => new PostgresWorkerProgress(records)));
}
