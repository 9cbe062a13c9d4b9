/** The signed-checkpoint records contract against a real PostgreSQL server: a schema per test, a pool per "process". */
import pg from 'pg';
import { describe, it } from 'vitest';
import { PostgresCheckpointStore } from '../../services/records/postgres-checkpoint-store.js';
import { PostgresRecords } from '../../services/records/postgres-records.js';
import { checkpointStoreContract } from './checkpoint-store-contract.js';
import { freshLedgerUrl, postgresUrl, skipReason, withAdmin } from './postgres-fixture.js';

if (!postgresUrl) {
  describe('signed-checkpoint records contract: PostgreSQL', () => it.skip(`needs a PostgreSQL server${skipReason}`, () => {}));
} else {
  checkpointStoreContract('PostgreSQL (a real server)', async () => {
    const { url, schema } = await freshLedgerUrl();
    const pools: pg.Pool[] = [];
    return {
      async open() {
        const pool = new pg.Pool({ connectionString: url, max: 2 });
        pools.push(pool);
        return new PostgresCheckpointStore(new PostgresRecords(pool));
      },
      tablesExist: () => withAdmin(async (client) =>
        (await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1', [schema])).rowCount! > 0),
      async dispose() {
        for (const pool of pools.splice(0)) await pool.end();
      },
    };
  });
}
