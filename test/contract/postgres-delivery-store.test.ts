/** The delivery records contract against a real PostgreSQL server: a schema per test, a pool per "server". */
import { describe, it } from 'vitest';
import { PostgresDeliveryStore } from '../../services/records/postgres-delivery-store.js';
import { deliveryStoreContract } from './delivery-store-contract.js';
import { postgresRecordsPlace, postgresUrl, skipReason } from './postgres-fixture.js';

if (!postgresUrl) {
  describe('delivery records contract: PostgreSQL', () => it.skip(`needs a PostgreSQL server${skipReason}`, () => {}));
} else {
  deliveryStoreContract('PostgreSQL (a real server)', () => postgresRecordsPlace((records) => new PostgresDeliveryStore(records)));
}
