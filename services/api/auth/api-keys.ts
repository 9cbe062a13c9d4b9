/**
 * API keys: random bearer tokens, stored only as SHA-256 hashes (a 256-bit random key needs no
 * slow hash), in the API-key records (services/records/api-key-store.ts: a file beside the key
 * store, or PostgreSQL with the log). `PDL_ADMIN_KEY`, when set, is an admin key that is never stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyInfo, ApiKeyStore } from '../../records/api-key-store.js';
import { SqliteApiKeyStore } from '../../records/sqlite-api-key-store.js';
import type { Role } from './roles.js';

export type { ApiKeyInfo } from '../../records/api-key-store.js';

export interface Principal {
  readonly keyId: string;
  readonly role: Role;
}

const hashOf = (key: string) => createHash('sha256').update(key, 'utf8').digest();

export class ApiKeys {
  /** The API keys of an embedded ledger, in their own file (`<db>.api-keys.db`). */
  static open(path: string, adminKey?: string): ApiKeys {
    return new ApiKeys(SqliteApiKeyStore.open(path), adminKey);
  }

  private readonly adminHash: Buffer | null;

  constructor(private readonly store: ApiKeyStore, adminKey?: string) {
    this.adminHash = adminKey ? hashOf(adminKey) : null;
  }

  async create(role: Role, label: string | null = null): Promise<{ id: string; role: Role; label: string | null; key: string }> {
    const id = randomBytes(6).toString('hex');
    const key = `pdl_${id}_${randomBytes(32).toString('base64url')}`;
    await this.store.add({ id, role, hash: hashOf(key), label, createdAt: new Date().toISOString() });
    return { id, role, label, key };
  }

  /** Every stored key's id, role, label and creation time — never the key or its hash. */
  list(): Promise<ApiKeyInfo[]> {
    return this.store.list();
  }

  /** Revokes a key at once, on every server sharing these records. False: no such key. */
  revoke(id: string): Promise<boolean> {
    return this.store.remove(id);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  async authenticate(key: string): Promise<Principal | null> {
    const hash = hashOf(key);
    if (this.adminHash && timingSafeEqual(hash, this.adminHash)) return { keyId: 'env:PDL_ADMIN_KEY', role: 'admin' };
    const row = await this.store.byHash(hash);
    return row ? { keyId: row.id, role: row.role } : null;
  }
}
