/** The workers' progress contract against a real PostgreSQL server: a schema per test, a pool per "process". */
import pg from 'pg';
import { describe, it } from 'vitest';
import { PostgresRecords } from '../../services/records/postgres-records.js';
import { PostgresWorkerProgress } from '../../services/records/postgres-worker-progress.js';
import { workerProgressContract } from './worker-progress-contract.js';
import { freshLedgerUrl, postgresUrl, skipReason } from './postgres-fixture.js';

if (!postgresUrl) {
  describe('workers\' progress contract: PostgreSQL', () => it.skip(`needs a PostgreSQL server${skipReason}`, () => {}));
} else {
  workerProgressContract('PostgreSQL (a real server)', async () => {
    const { url } = await freshLedgerUrl();
    const pools: pg.Pool[] = [];
    return {
      async open() {
        const pool = new pg.Pool({ connectionString: url, max: 2 });
        pools.push(pool);
        return new PostgresWorkerProgress(new PostgresRecords(pool));
      },
      async dispose() {
        for (const pool of pools.splice(0)) await pool.end();
      },
    };
  });
}
