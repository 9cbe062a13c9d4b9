/** The witness records contract against a real PostgreSQL server: a schema per test, a pool per "process". */
import { describe, it } from 'vitest';
import { PostgresWitnessStore } from '../../services/records/postgres-witness-store.js';
import { witnessStoreContract } from './witness-store-contract.js';
import { postgresRecordsPlace, postgresUrl, skipReason } from './postgres-fixture.js';

if (!postgresUrl) {
  describe('witness records contract: PostgreSQL', () => it.skip(`needs a PostgreSQL server${skipReason}`, () => {}));
} else {
  witnessStoreContract('PostgreSQL (a real server)', async () => ({
    ...await postgresRecordsPlace((records) => new PostgresWitnessStore(records)),
    sharedAcrossProcesses: true,
  }));
}
