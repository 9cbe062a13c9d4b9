/**
 * The API-key records port (README "Beyond one machine: which records live where"): what every
 * server of one ledger must agree on at once — a key created on one is accepted by all, a key
 * revoked on one is refused by all at the next request — so nothing here is cached. Keys are
 * kept as SHA-256 hashes only (services/api/auth/api-keys.ts makes and checks them). Adapters:
 * sqlite-api-key-store.ts (`<db>.api-keys.db`, the embedded default), postgres-api-key-store.ts.
 */
import { ROLES, type Role } from '../api/auth/roles.js';
import { MalformedRecordError } from './errors.js';

export interface ApiKeyInfo {
  readonly id: string;
  readonly role: Role;
  readonly label: string | null;
  readonly createdAt: string;
}

export interface StoredApiKey extends ApiKeyInfo {
  /** SHA-256 of the key: the key itself is shown once and never stored. */
  readonly hash: Buffer;
}

export interface ApiKeyStore {
  /** Keeps a new key. Throws `RecordConflictError` when its id or hash is kept already. */
  add(key: StoredApiKey): Promise<void>;
  /** The key with this hash, if one is kept. */
  byHash(hash: Buffer): Promise<{ readonly id: string; readonly role: Role } | null>;
  /** Every kept key, oldest first (ids, roles, labels, dates: never a hash). */
  list(): Promise<ApiKeyInfo[]>;
  /** Revokes a key. False: no such key. */
  remove(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A stored role, checked: a row edited to a role this ledger does not know grants nothing. */
export function storedRole(role: unknown, id: string): Role {
  const known: readonly unknown[] = ROLES;
  if (typeof role === 'string' && known.includes(role)) return ROLES.find((r) => r === role)!;
  throw new MalformedRecordError(`the API key ${id} is stored with a role this ledger does not know: refused`);
}
