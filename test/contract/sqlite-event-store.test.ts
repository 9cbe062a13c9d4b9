import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { SqliteEventStore } from '../../services/store/sqlite/sqlite-event-store.js';
import { eventStoreContract } from './event-store-contract.js';

eventStoreContract('SQLite (a real file)', async () => {
  const dir = makeTempDir('store');
  const store = new SqliteEventStore({ path: join(dir, 'ledger.db'), pollIntervalMs: 20 });
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
