import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { SqliteKeyStore } from '../../services/ledger/keys/sqlite-key-store.js';
import { keyStoreContract } from './key-store-contract.js';

keyStoreContract('SQLite (a real file)', () => {
  const dir = makeTempDir('keys');
  const path = join(dir, 'ledger.keys.db');
  return {
    open: async (wrapper, reload) => SqliteKeyStore.open(path, [{ wrapper, origin: 'test' }], reload).store,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
});
