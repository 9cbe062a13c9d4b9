/** The signed-checkpoint records contract against a real PostgreSQL server: a schema per test, a pool per "process". */
import { PostgresCheckpointStore } from '../../services/records/postgres-checkpoint-store.js';
import { checkpointStoreContract } from './checkpoint-store-contract.js';
import { postgresRecordsPlace, postgresUrl, skippedWithoutServer, withAdmin } from './postgres-fixture.js';

if (!postgresUrl) {
  skippedWithoutServer('signed-checkpoint records contract: PostgreSQL');
} else {
  checkpointStoreContract('PostgreSQL (a real server)', async () => {
    const place = await postgresRecordsPlace((records) => new PostgresCheckpointStore(records));
    const { schema } = place;
    return {
      ...place,
      tablesExist: () => withAdmin(async (client) =>
        (await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1', [schema])).rowCount! > 0),
    };
  });
}
