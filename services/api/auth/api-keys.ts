/**
 * API keys: random bearer tokens, stored only as SHA-256 hashes (a 256-bit random key needs no
 * slow hash). `PDL_ADMIN_KEY`, when set, is an admin key that is never stored.
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from './roles.js';

export interface ApiKeyInfo {
  readonly id: string;
  readonly role: Role;
  readonly label: string | null;
  readonly createdAt: string;
}

export interface Principal {
  readonly keyId: string;
  readonly role: Role;
}

const hashOf = (key: string) => createHash('sha256').update(key, 'utf8').digest();

export class ApiKeys {
  /**
   * The API keys of a deployment, in their own file beside the key store (`<db>.api-keys.db`):
   * every server of one ledger on a host — replicas included — sees the same keys, whatever
   * holds its read models.
   */
  static open(path: string, adminKey?: string): ApiKeys {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    const keys = new ApiKeys(db, adminKey);
    keys.owned = db;
    return keys;
  }

  private owned: Database.Database | null = null;

  private readonly byHash;
  private readonly insert;
  private readonly all;
  private readonly remove;
  private readonly adminHash: Buffer | null;

  constructor(db: Database.Database, adminKey?: string) {
    db.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY, role TEXT NOT NULL, hash BLOB NOT NULL UNIQUE, label TEXT, created_at TEXT NOT NULL)`);
    this.byHash = db.prepare<[Buffer], { id: string; role: Role }>('SELECT id, role FROM api_keys WHERE hash = ?');
    this.insert = db.prepare('INSERT INTO api_keys (id, role, hash, label, created_at) VALUES (?, ?, ?, ?, ?)');
    this.all = db.prepare<[], ApiKeyInfo>('SELECT id, role, label, created_at AS createdAt FROM api_keys ORDER BY created_at, id');
    this.remove = db.prepare<[string]>('DELETE FROM api_keys WHERE id = ?');
    this.adminHash = adminKey ? hashOf(adminKey) : null;
  }

  create(role: Role, label: string | null = null): { id: string; role: Role; label: string | null; key: string } {
    const id = randomBytes(6).toString('hex');
    const key = `pdl_${id}_${randomBytes(32).toString('base64url')}`;
    this.insert.run(id, role, hashOf(key), label, new Date().toISOString());
    return { id, role, label, key };
  }

  /** Every stored key's id, role, label and creation time — never the key or its hash. */
  list(): ApiKeyInfo[] {
    return this.all.all();
  }

  /** Revokes a key at once, on every server sharing this file. False: no such key. */
  revoke(id: string): boolean {
    return this.remove.run(id).changes > 0;
  }

  close(): void {
    this.owned?.close();
  }

  authenticate(key: string): Principal | null {
    const hash = hashOf(key);
    if (this.adminHash && timingSafeEqual(hash, this.adminHash)) return { keyId: 'env:PDL_ADMIN_KEY', role: 'admin' };
    const row = this.byHash.get(hash);
    return row ? { keyId: row.id, role: row.role } : null;
  }
}
