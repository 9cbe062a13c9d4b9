/** The delivery records contract against a real PostgreSQL server: a schema per test, a pool per "server". */
import pg from 'pg';
import { describe, it } from 'vitest';
import { PostgresRecords } from '../../services/records/postgres-records.js';
import { PostgresDeliveryStore } from '../../services/records/postgres-delivery-store.js';
import { deliveryStoreContract } from './delivery-store-contract.js';
import { freshLedgerUrl, postgresUrl, skipReason } from './postgres-fixture.js';

if (!postgresUrl) {
  describe('delivery records contract: PostgreSQL', () => it.skip(`needs a PostgreSQL server${skipReason}`, () => {}));
} else {
  deliveryStoreContract('PostgreSQL (a real server)', async () => {
    const { url } = await freshLedgerUrl();
    const pools: pg.Pool[] = [];
    return {
      async open() {
        const pool = new pg.Pool({ connectionString: url, max: 2 });
        pools.push(pool);
        return new PostgresDeliveryStore(new PostgresRecords(pool));
      },
      async dispose() {
        for (const pool of pools.splice(0)) await pool.end();
      },
    };
  });
}
