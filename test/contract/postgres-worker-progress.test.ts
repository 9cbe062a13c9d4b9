/** The workers' progress contract against a real PostgreSQL server: a schema per test, a pool per "process". */
import { describe, it } from 'vitest';
import { PostgresWorkerProgress } from '../../services/records/postgres-worker-progress.js';
import { workerProgressContract } from './worker-progress-contract.js';
import { postgresRecordsPlace, postgresUrl, skipReason } from './postgres-fixture.js';

if (!postgresUrl) {
  describe('workers\' progress contract: PostgreSQL', () => it.skip(`needs a PostgreSQL server${skipReason}`, () => {}));
} else {
  workerProgressContract('PostgreSQL (a real server)', () => postgresRecordsPlace((records) => new PostgresWorkerProgress(records)));
}
