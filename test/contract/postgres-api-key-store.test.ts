/** The API-key records contract against a real PostgreSQL server: a schema per test, a pool per "process". */
import { describe, it } from 'vitest';
import { PostgresApiKeyStore } from '../../services/records/postgres-api-key-store.js';
import { apiKeyStoreContract } from './api-key-store-contract.js';
import { postgresRecordsPlace, postgresUrl, skipReason, withAdmin } from './postgres-fixture.js';

if (!postgresUrl) {
  describe('API-key records contract: PostgreSQL', () => it.skip(`needs a PostgreSQL server${skipReason}`, () => {}));
} else {
  apiKeyStoreContract('PostgreSQL (a real server)', async () => {
    const place = await postgresRecordsPlace((records) => new PostgresApiKeyStore(records));
    const { schema } = place;
    return {
      ...place,
      setRole: (id, role) => withAdmin(async (client) => void await client.query(`UPDATE ${schema}.pdl_api_keys SET role = $1 WHERE id = $2`, [role, id])),
    };
  });
}
