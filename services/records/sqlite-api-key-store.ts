/**
 * API keys in a SQLite file of their own beside the key store (`<db>.api-keys.db`): every server
 * of one embedded ledger on a host — replicas included — sees the same keys, whatever holds its
 * read models.
 */
import Database from 'better-sqlite3';
import { RecordConflictError } from './errors.js';
import { storedRole, type ApiKeyInfo, type ApiKeyStore, type StoredApiKey } from './api-key-store.js';

interface KeyRow { id: string; role: string; label: string | null; createdAt: string }

export class SqliteApiKeyStore implements ApiKeyStore {
  static open(path: string): SqliteApiKeyStore {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    return new SqliteApiKeyStore(db);
  }

  private readonly insert;
  private readonly byHashRow;
  private readonly all;
  private readonly delete;

  private constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY, role TEXT NOT NULL, hash BLOB NOT NULL UNIQUE, label TEXT, created_at TEXT NOT NULL)`);
    this.insert = db.prepare<[string, string, Buffer, string | null, string]>('INSERT INTO api_keys (id, role, hash, label, created_at) VALUES (?, ?, ?, ?, ?)');
    this.byHashRow = db.prepare<[Buffer], { id: string; role: string }>('SELECT id, role FROM api_keys WHERE hash = ?');
    this.all = db.prepare<[], KeyRow>('SELECT id, role, label, created_at AS createdAt FROM api_keys ORDER BY created_at, id');
    this.delete = db.prepare<[string]>('DELETE FROM api_keys WHERE id = ?');
  }

  async add(key: StoredApiKey): Promise<void> {
    try {
      this.insert.run(key.id, key.role, key.hash, key.label, key.createdAt);
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) {
        throw new RecordConflictError(`an API key with id ${key.id} (or the same key) is kept already`, { cause: error });
      }
      throw error;
    }
  }

  async byHash(hash: Buffer): Promise<{ id: string; role: ApiKeyInfo['role'] } | null> {
    const row = this.byHashRow.get(hash);
    return row ? { id: row.id, role: storedRole(row.role, row.id) } : null;
  }

  async list(): Promise<ApiKeyInfo[]> {
    return this.all.all().map((row) => ({ ...row, role: storedRole(row.role, row.id) }));
  }

  async remove(id: string): Promise<boolean> {
    return this.delete.run(id).changes > 0;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
