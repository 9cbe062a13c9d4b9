import { join } from 'node:path';
import { SqliteDeliveryStore } from '../../services/records/sqlite-delivery-store.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { deliveryStoreContract } from './delivery-store-contract.js';

deliveryStoreContract('SQLite (<db>.deliveries.db)', () => {
  const path = join(makeTempDir('deliveries'), 'ledger.deliveries.db');
  return { open: async () => SqliteDeliveryStore.open(path), dispose: () => undefined };
});
