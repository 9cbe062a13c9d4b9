import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../services/store/sqlite/sqlite-event-store.js';
import { eventStoreContract } from './event-store-contract.js';

eventStoreContract('SQLite (a real file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdl-store-'));
  const store = new SqliteEventStore({ path: join(dir, 'ledger.db'), pollIntervalMs: 20 });
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
