import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SqliteCheckpointStore } from '../../services/records/sqlite-checkpoint-store.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { checkpointStoreContract } from './checkpoint-store-contract.js';

checkpointStoreContract('SQLite (a real file)', () => {
  const path = join(makeTempDir('checkpoints'), 'ledger.read.db');
  const dbs: Database.Database[] = [];
  return {
    async open() {
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      dbs.push(db);
      return new SqliteCheckpointStore(db);
    },
    async tablesExist() {
      const db = new Database(path, { readonly: true });
      const n = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('tlog_checkpoints', 'tlog_meta')").get()!.n;
      db.close();
      return n > 0;
    },
    dispose: () => {
      for (const db of dbs.splice(0)) db.close();
    },
  };
});
