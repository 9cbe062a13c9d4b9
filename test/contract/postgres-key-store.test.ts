/**
 * The key-store contract against a real PostgreSQL server (the test cluster): each test a schema
 * of its own; "opening twice" is two pools, as two processes on two hosts would have.
 */
import pg from 'pg';
import { PostgresKeyStore } from '../../services/ledger/keys/postgres-key-store.js';
import { keyStoreContract } from './key-store-contract.js';
import { freshLedgerUrl, postgresUrl, skippedWithoutServer } from './postgres-fixture.js';

if (!postgresUrl) {
  skippedWithoutServer('key store contract: PostgreSQL');
} else {
  keyStoreContract('PostgreSQL (a real server)', async () => {
    const { url } = await freshLedgerUrl();
    const pools: pg.Pool[] = [];
    return {
      open: async (wrapper, reload) => {
        const pool = new pg.Pool({ connectionString: url, max: 4 });
        pools.push(pool);
        return (await PostgresKeyStore.open(pool, [{ wrapper, origin: 'test' }], reload)).store;
      },
      dispose: async () => {
        for (const pool of pools.splice(0)) await pool.end();
      },
    };
  });
}
