import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SqliteApiKeyStore } from '../../services/records/sqlite-api-key-store.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { apiKeyStoreContract } from './api-key-store-contract.js';

apiKeyStoreContract('SQLite (a real file)', () => {
  const path = join(makeTempDir('api-keys'), 'ledger.api-keys.db');
  return {
    open: async () => SqliteApiKeyStore.open(path),
    async setRole(id, role) {
      const db = new Database(path);
      db.prepare('UPDATE api_keys SET role = ? WHERE id = ?').run(role, id);
      db.close();
    },
    dispose: () => undefined,
  };
});
