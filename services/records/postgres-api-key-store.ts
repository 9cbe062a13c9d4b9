/**
 * API keys in PostgreSQL beside the log (postgres-records.ts): every API replica on any host
 * accepts a key created on any other, and refuses a revoked one at its next request.
 */
import { sqlState } from '../store/postgres/pg-errors.js';
import { RecordConflictError } from './errors.js';
import { storedRole, type ApiKeyInfo, type ApiKeyStore, type StoredApiKey } from './api-key-store.js';
import type { PostgresRecords } from './postgres-records.js';

/** SQLSTATE unique_violation. */
const UNIQUE_VIOLATION = '23505';

export class PostgresApiKeyStore implements ApiKeyStore {
  constructor(private readonly records: PostgresRecords) {}

  async add(key: StoredApiKey): Promise<void> {
    try {
      await this.records.write('INSERT INTO pdl_api_keys (id, role, hash, label, created_at) VALUES ($1, $2, $3, $4, $5)',
        [key.id, key.role, key.hash, key.label, key.createdAt]);
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION) throw new RecordConflictError(`an API key with id ${key.id} (or the same key) is kept already`);
      throw error;
    }
  }

  async byHash(hash: Buffer): Promise<{ id: string; role: ApiKeyInfo['role'] } | null> {
    const [row] = await this.records.read<{ id: string; role: string }>('SELECT id, role FROM pdl_api_keys WHERE hash = $1', [hash]);
    return row ? { id: row.id, role: storedRole(row.role, row.id) } : null;
  }

  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.records.read<{ id: string; role: string; label: string | null; created_at: string }>(
      'SELECT id, role, label, created_at FROM pdl_api_keys ORDER BY created_at, id');
    return rows.map((row) => ({ id: row.id, role: storedRole(row.role, row.id), label: row.label, createdAt: row.created_at }));
  }

  async remove(id: string): Promise<boolean> {
    return ((await this.records.write('DELETE FROM pdl_api_keys WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  /** The connections are the log's: closed with it. */
  async close(): Promise<void> {}
}
