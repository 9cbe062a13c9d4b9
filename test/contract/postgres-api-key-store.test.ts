/** The API-key records contract against a real PostgreSQL server: a schema per test, a pool per "process". */
import pg from 'pg';
import { describe, it } from 'vitest';
import { PostgresApiKeyStore } from '../../services/records/postgres-api-key-store.js';
import { PostgresRecords } from '../../services/records/postgres-records.js';
import { apiKeyStoreContract } from './api-key-store-contract.js';
import { freshLedgerUrl, postgresUrl, skipReason, withAdmin } from './postgres-fixture.js';

if (!postgresUrl) {
  describe('API-key records contract: PostgreSQL', () => it.skip(`needs a PostgreSQL server${skipReason}`, () => {}));
} else {
  apiKeyStoreContract('PostgreSQL (a real server)', async () => {
    const { url, schema } = await freshLedgerUrl();
    const pools: pg.Pool[] = [];
    return {
      async open() {
        const pool = new pg.Pool({ connectionString: url, max: 2 });
        pools.push(pool);
        return new PostgresApiKeyStore(new PostgresRecords(pool));
      },
      setRole: (id, role) => withAdmin(async (client) => void await client.query(`UPDATE ${schema}.pdl_api_keys SET role = $1 WHERE id = $2`, [role, id])),
      async dispose() {
        for (const pool of pools.splice(0)) await pool.end();
      },
    };
  });
}
