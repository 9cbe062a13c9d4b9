/** The witness records contract against a real PostgreSQL server: a schema per test, a pool per "process". */
import pg from 'pg';
import { describe, it } from 'vitest';
import { PostgresRecords } from '../../services/records/postgres-records.js';
import { PostgresWitnessStore } from '../../services/records/postgres-witness-store.js';
import { witnessStoreContract } from './witness-store-contract.js';
import { freshLedgerUrl, postgresUrl, skipReason } from './postgres-fixture.js';

if (!postgresUrl) {
  describe('witness records contract: PostgreSQL', () => it.skip(`needs a PostgreSQL server${skipReason}`, () => {}));
} else {
  witnessStoreContract('PostgreSQL (a real server)', async () => {
    const { url } = await freshLedgerUrl();
    const pools: pg.Pool[] = [];
    return {
      async open() {
        const pool = new pg.Pool({ connectionString: url, max: 2 });
        pools.push(pool);
        return new PostgresWitnessStore(new PostgresRecords(pool));
      },
      sharedAcrossProcesses: true,
      async dispose() {
        for (const pool of pools.splice(0)) await pool.end();
      },
    };
  });
}
