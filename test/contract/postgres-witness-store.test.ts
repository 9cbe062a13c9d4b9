/** The witness records contract against a real PostgreSQL server: a schema per test, a pool per "process". */
import { PostgresWitnessStore } from '../../services/records/postgres-witness-store.js';
import { witnessStoreContract } from './witness-store-contract.js';
import { postgresRecordsPlace, postgresUrl, skippedWithoutServer } from './postgres-fixture.js';

if (!postgresUrl) {
  skippedWithoutServer('witness records contract: PostgreSQL');
} else {
  witnessStoreContract('PostgreSQL (a real server)', async () => ({
    ...await postgresRecordsPlace((records) => new PostgresWitnessStore(records)),
    sharedAcrossProcesses: true,
  }));
}
