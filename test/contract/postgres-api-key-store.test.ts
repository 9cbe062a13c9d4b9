/** The API-key records contract against a real PostgreSQL server: a schema per test, a pool per "process". */
import { PostgresApiKeyStore } from '../../services/records/postgres-api-key-store.js';
import { apiKeyStoreContract } from './api-key-store-contract.js';
import { postgresRecordsPlace, postgresUrl, skippedWithoutServer, withAdmin } from './postgres-fixture.js';

if (!postgresUrl) {
  skippedWithoutServer('API-key records contract: PostgreSQL');
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
