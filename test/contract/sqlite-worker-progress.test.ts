import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SqliteWorkerProgress } from '../../services/records/sqlite-worker-progress.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { workerProgressContract } from './worker-progress-contract.js';

workerProgressContract('SQLite (the embedded log\'s file)', () => {
  const path = join(makeTempDir('progress'), 'ledger.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.close();
  return { open: async () => SqliteWorkerProgress.open(path), dispose: () => undefined };
});
