/** The delivery records contract against a real PostgreSQL server: a schema per test, a pool per "server". */
import { PostgresDeliveryStore } from '../../services/records/postgres-delivery-store.js';
import { deliveryStoreContract } from './delivery-store-contract.js';
import { postgresRecordsPlace, postgresUrl, skippedWithoutServer } from './postgres-fixture.js';

if (!postgresUrl) {
  skippedWithoutServer('delivery records contract: PostgreSQL');
} else {
  deliveryStoreContract('PostgreSQL (a real server)', () => postgresRecordsPlace((records) => new PostgresDeliveryStore(records)));
}
