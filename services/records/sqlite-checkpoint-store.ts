/**
 * Signed checkpoints in a SQLite database: the read models' (the log's own file when they are
 * inline), as they have always been kept, in tables of their own that a rebuild leaves alone.
 * A verifier opening the file read-only creates nothing (a table not there reads as empty); the
 * signer's store makes the tables at open.
 */
import Database from 'better-sqlite3';
import { hasTable } from '../store/sqlite/sqlite-log-reader.js';
import { checkpointOf, forked, type CheckpointStore, type SignedCheckpoint, type StoredCheckpointRow } from './checkpoint-store.js';

// tlog_meta keeps the verifier key (public) the checkpoints were signed with, so that the log alone can be verified (`pdl verify`).
const SCHEMA = `CREATE TABLE IF NOT EXISTS tlog_checkpoints (size INTEGER PRIMARY KEY, root TEXT NOT NULL, note TEXT NOT NULL, signed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tlog_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)`;

interface Row { size: number; root: string; note: string; signed_at: string }

export class SqliteCheckpointStore implements CheckpointStore {
  private created = false;

  /** `db` stays the caller's (the read models' connection, or a read-only one): closing the store leaves it open. */
  constructor(private readonly db: Database.Database) {}

  /** The signer's: its tables made at once, so they are there (empty) from the first open of a ledger with proofs. */
  static forSigning(db: Database.Database): SqliteCheckpointStore {
    const store = new SqliteCheckpointStore(db);
    store.create();
    return store;
  }

  private create(): void {
    if (this.created) return;
    this.db.exec(SCHEMA);
    this.created = true;
  }

  private present(): boolean {
    return this.created || hasTable(this.db, 'tlog_checkpoints');
  }

  private one(sql: string, ...values: number[]): SignedCheckpoint | null {
    if (!this.present()) return null;
    const row = this.db.prepare<number[], Row>(sql).get(...values);
    return row ? checkpointOf(row) : null;
  }

  async latest(): Promise<SignedCheckpoint | null> {
    return this.one('SELECT * FROM tlog_checkpoints ORDER BY size DESC LIMIT 1');
  }

  async latestUpTo(size: number): Promise<SignedCheckpoint | null> {
    return this.one('SELECT * FROM tlog_checkpoints WHERE size <= ? ORDER BY size DESC LIMIT 1', size);
  }

  async atSize(size: number): Promise<SignedCheckpoint | null> {
    return this.one('SELECT * FROM tlog_checkpoints WHERE size = ?', size);
  }

  async all(): Promise<SignedCheckpoint[]> {
    return this.present() ? this.db.prepare<[], Row>('SELECT * FROM tlog_checkpoints ORDER BY size').all().map(checkpointOf) : [];
  }

  async storedAfter(size: number): Promise<StoredCheckpointRow[]> {
    if (!this.present()) return [];
    return this.db.prepare<[number], StoredCheckpointRow>('SELECT size, root, note, signed_at AS signedAt FROM tlog_checkpoints WHERE size > ? ORDER BY size').all(size);
  }

  async verifierKey(): Promise<string | null> {
    if (!hasTable(this.db, 'tlog_meta')) return null;
    const meta = this.db.prepare<[], { value: unknown }>("SELECT value FROM tlog_meta WHERE name = 'verifier_key'").get();
    return typeof meta?.value === 'string' ? meta.value : null;
  }

  async add(checkpoints: readonly SignedCheckpoint[], verifierKey?: string): Promise<void> {
    this.create();
    const insert = this.db.prepare<[number, string, string, string]>('INSERT INTO tlog_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING');
    const held = this.db.prepare<[number], { root: string }>('SELECT root FROM tlog_checkpoints WHERE size = ?');
    this.db.transaction(() => {
      for (const checkpoint of checkpoints) {
        if (insert.run(checkpoint.size, checkpoint.root, checkpoint.note, checkpoint.signedAt).changes > 0) continue;
        const root = held.get(checkpoint.size)?.root;
        if (root !== checkpoint.root) throw forked(checkpoint, root);
      }
      if (verifierKey !== undefined) this.db.prepare("INSERT OR REPLACE INTO tlog_meta (name, value) VALUES ('verifier_key', ?)").run(verifierKey);
    })();
  }

  async close(): Promise<void> {}
}
