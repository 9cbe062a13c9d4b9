/**
 * The key store: subjects' data keys (wrapped by the master key), the blind index and the
 * record of erasures, in a SQLite file of its own beside the event log. A copy of the log
 * alone reveals no personal value; destroying a row here is what erasure means.
 *
 * secure_delete overwrites freed pages and the rollback journal is truncated after every
 * commit, so a destroyed key leaves no bytes behind in the file or its journal.
 */
import Database from 'better-sqlite3';
import { createHmac, hkdfSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { LedgerError } from '../../errors.js';
import { decryptBuffer, DecryptionError, encryptToBuffer, randomKey } from './aead.js';

export class KeyMismatchError extends LedgerError {
  readonly code = 'KEY_MISMATCH';
}

export interface DataKey {
  readonly kid: string;
  readonly key: Buffer;
}

/** A normalised identifier of a subject, as the blind index takes it. */
export interface IndexEntry {
  readonly subjectId: string;
  readonly kind: string;
  readonly value: string;
}

const CHECK_PLAINTEXT = Buffer.from('pdl master key check v1');
const CHECK_AAD = 'pdl:master-check';
const INDEX_KEY_AAD = 'pdl:index-key';
const dataKeyAad = (subjectId: string, kid: string) => `pdl:data-key:${subjectId}:${kid}`;
/** Bounds the unwrapped keys held in memory; a miss costs one unwrap. */
const CACHE_LIMIT = 100_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS subject_keys (
  kid TEXT PRIMARY KEY, subject_id TEXT NOT NULL, wrapped BLOB NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS subject_keys_by_subject ON subject_keys (subject_id, created_at);
CREATE TABLE IF NOT EXISTS erasures (
  subject_id TEXT NOT NULL, kid TEXT NOT NULL, erased_at TEXT NOT NULL, event_id TEXT,
  PRIMARY KEY (subject_id, kid));
CREATE TABLE IF NOT EXISTS blind_index (
  digest BLOB NOT NULL, subject_id TEXT NOT NULL, PRIMARY KEY (digest, subject_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blind_index_by_subject ON blind_index (subject_id);
`;

const MAX_INDEXED_REMEMBERED = 200_000;

export class KeyStore {
  private readonly db: Database.Database;
  private master: Buffer;
  private readonly indexKey: Buffer;
  private readonly keys = new Map<string, Buffer | null>();
  private readonly current = new Map<string, DataKey>();
  private readonly digestKeys = new Map<string, Buffer>();
  private readonly statements;
  /** SQLite's count of commits by other connections: when it moves, cached keys may be destroyed ones. */
  private seenDataVersion: number;

  /**
   * Opens (or creates) the key store. Candidates are tried in order, the first that opens the
   * store wins (a rotation interrupted between its commit and its key-file rename leaves two).
   * Nothing is written when none opens it.
   */
  static open(path: string, candidates: readonly { key: Buffer; origin: string }[]): { store: KeyStore; opened: number } {
    const db = new Database(path);
    try {
      db.pragma('busy_timeout = 10000'); // first: another process may hold the store while this one sets it up
      db.pragma('secure_delete = ON');
      db.pragma('journal_mode = TRUNCATE');
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA);
      const check = db.prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE name = ?');
      const first = candidates[0]!;
      // IMMEDIATE, and the check inside: two writers starting on a fresh store (ingest and an API
      // server on one volume) create it once, and the second opens what the first made.
      const existing = db.transaction(() => {
        const found = check.get('master-check');
        if (found !== undefined) return found;
        const put = db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)');
        put.run('master-check', encryptToBuffer(first.key, CHECK_PLAINTEXT, CHECK_AAD));
        put.run('index-key', encryptToBuffer(first.key, randomKey(), INDEX_KEY_AAD));
        return undefined;
      }).immediate();
      if (existing === undefined) return { store: new KeyStore(db, first.key), opened: 0 };
      for (const [index, candidate] of candidates.entries()) {
        try {
          decryptBuffer(candidate.key, existing.value, CHECK_AAD);
          return { store: new KeyStore(db, candidate.key), opened: index };
        } catch (error) {
          if (!(error instanceof DecryptionError)) throw error;
        }
      }
      throw new KeyMismatchError(
        `the master key from ${candidates.map((c) => c.origin).join(' or ')} does not open the key store ${path}: ` +
        'it was created with another key. Nothing was changed. Set PDL_MASTER_KEY to the key the store was created with, ' +
        'or restore its key file.');
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private constructor(db: Database.Database, master: Buffer) {
    this.db = db;
    this.master = master;
    const wrappedIndexKey = db.prepare<[], { value: Buffer }>("SELECT value FROM meta WHERE name = 'index-key'").get()!;
    this.indexKey = decryptBuffer(master, wrappedIndexKey.value, INDEX_KEY_AAD);
    this.statements = {
      currentKey: db.prepare<[string], { kid: string; wrapped: Buffer }>(
        'SELECT kid, wrapped FROM subject_keys WHERE subject_id = ? ORDER BY created_at, kid LIMIT 1'),
      keyById: db.prepare<[string], { subject_id: string; wrapped: Buffer }>(
        'SELECT subject_id, wrapped FROM subject_keys WHERE kid = ?'),
      insertKey: db.prepare('INSERT INTO subject_keys (kid, subject_id, wrapped, created_at) VALUES (?, ?, ?, ?)'),
      keysOf: db.prepare<[string], { kid: string }>('SELECT kid FROM subject_keys WHERE subject_id = ?'),
      deleteKeys: db.prepare('DELETE FROM subject_keys WHERE subject_id = ?'),
      deleteIndex: db.prepare('DELETE FROM blind_index WHERE subject_id = ?'),
      recordErasure: db.prepare(
        'INSERT OR IGNORE INTO erasures (subject_id, kid, erased_at, event_id) VALUES (?, ?, ?, ?)'),
      isErased: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM erasures WHERE subject_id = ?'),
      addIndex: db.prepare('INSERT OR IGNORE INTO blind_index (digest, subject_id) VALUES (?, ?)'),
      findIndex: db.prepare<[Buffer], { subject_id: string }>('SELECT subject_id FROM blind_index WHERE digest = ? ORDER BY subject_id'),
      getMeta: db.prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE name = ?'),
      putMeta: db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    };
    this.seenDataVersion = this.statements.dataVersion.get()!;
  }

  /**
   * Another process (an API replica, a second ingest) may have erased a subject or created its
   * key since this one cached it: a changed data_version drops the caches, so no event is ever
   * sealed with a destroyed key and no value is opened with one.
   */
  private readonly indexed = new Set<string>();

  private forgetIfChangedElsewhere(): void {
    const version = this.statements.dataVersion.get()!;
    if (version === this.seenDataVersion) return;
    this.seenDataVersion = version;
    this.keys.clear();
    this.current.clear();
    this.digestKeys.clear();
    this.indexed.clear();
  }

  /** Runs `work` in one key-store transaction: one sync to disk for a whole batch of new keys or index entries. */
  inTransaction<T>(work: () => T): T {
    // IMMEDIATE: take the write lock first, so two processes never both create a subject's first key.
    return this.db.transaction(() => {
      this.forgetIfChangedElsewhere();
      return work();
    }).immediate();
  }

  /** The key new values of this subject are sealed with; created on first use (and after erasure). */
  currentKey(subjectId: string): DataKey {
    if (!this.db.inTransaction) this.forgetIfChangedElsewhere(); // inside one, the transaction's start checked
    const cached = this.current.get(subjectId);
    if (cached) return cached;
    const row = this.statements.currentKey.get(subjectId);
    let dataKey: DataKey;
    if (row) {
      dataKey = { kid: row.kid, key: decryptBuffer(this.master, row.wrapped, dataKeyAad(subjectId, row.kid)) };
    } else {
      const kid = uuidv7();
      dataKey = { kid, key: randomKey() };
      this.statements.insertKey.run(kid, subjectId, encryptToBuffer(this.master, dataKey.key, dataKeyAad(subjectId, kid)), new Date().toISOString());
    }
    this.remember(this.current, subjectId, dataKey);
    this.remember(this.keys, dataKey.kid, dataKey.key);
    return dataKey;
  }

  /** A data key by id; null once it has been destroyed (or never existed here). */
  keyById(kid: string): Buffer | null {
    this.forgetIfChangedElsewhere();
    if (this.keys.has(kid)) return this.keys.get(kid)!;
    const row = this.statements.keyById.get(kid);
    const key = row ? decryptBuffer(this.master, row.wrapped, dataKeyAad(row.subject_id, kid)) : null;
    this.remember(this.keys, kid, key);
    return key;
  }

  isErased(subjectId: string): boolean {
    return this.statements.isErased.get(subjectId)!.n > 0;
  }

  /**
   * Crypto-shredding: destroys every data key of the subject and their blind-index entries.
   * Idempotent. Afterwards new events of the subject get a fresh key.
   */
  erase(subjectId: string, eventId: string | null): { destroyedKeys: number } {
    const erasedAt = new Date().toISOString();
    const destroyed = this.db.transaction(() => {
      const kids = this.statements.keysOf.all(subjectId).map((row) => row.kid);
      for (const kid of kids) this.statements.recordErasure.run(subjectId, kid, erasedAt, eventId);
      this.statements.deleteKeys.run(subjectId);
      this.statements.deleteIndex.run(subjectId);
      return kids;
    })();
    this.indexed.clear();
    for (const kid of destroyed) {
      this.keys.get(kid)?.fill(0);
      this.keys.set(kid, null);
      this.digestKeys.get(kid)?.fill(0);
      this.digestKeys.delete(kid);
    }
    this.current.delete(subjectId);
    return { destroyedKeys: destroyed.length };
  }

  /** Blind index: a keyed HMAC of the normalised identifier, never a plain hash. */
  indexDigest(kind: string, normalised: string): Buffer {
    return createHmac('sha256', this.indexKey).update(`${kind}\u0000${normalised}`).digest();
  }

  /**
   * Of these identifiers, those not known to be in the index for their subject — from this
   * process's memory, so that a batch of known subjects needs no key-store write at all.
   * Forgotten when anything changes the store elsewhere (looked at once for the whole list), and
   * at an erasure.
   */
  notIndexed<T extends IndexEntry>(entries: readonly T[]): T[] {
    if (entries.length === 0) return [];
    if (!this.db.inTransaction) this.forgetIfChangedElsewhere();
    return entries.filter(({ subjectId, kind, value }) => !this.indexed.has(this.indexedKey(subjectId, kind, value)));
  }

  addToIndex(subjectId: string, kind: string, normalised: string): void {
    const digest = this.indexDigest(kind, normalised);
    this.statements.addIndex.run(digest, subjectId);
    // Bounded: past it, known identifiers are simply written again (INSERT OR IGNORE).
    if (this.indexed.size >= MAX_INDEXED_REMEMBERED) this.indexed.clear();
    this.indexed.add(`${subjectId}\u0000${digest.toString('base64')}`);
  }

  /** Remembered by digest, never by the identifier itself. */
  private indexedKey(subjectId: string, kind: string, normalised: string): string {
    return `${subjectId}\u0000${this.indexDigest(kind, normalised).toString('base64')}`;
  }

  findByIdentifier(kind: string, normalised: string): string[] {
    return this.statements.findIndex.all(this.indexDigest(kind, normalised)).map((row) => row.subject_id);
  }

  /** A key for content digests, derived from the data key so that erasure destroys it too. */
  digestKey(dataKey: DataKey): Buffer {
    let key = this.digestKeys.get(dataKey.kid);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', dataKey.key, Buffer.alloc(0), 'pdl:content-digest', 32));
      this.remember(this.digestKeys, dataKey.kid, key);
    }
    return key;
  }

  getNumber(name: string): number {
    return this.findNumber(name) ?? 0;
  }

  findNumber(name: string): number | null {
    const row = this.statements.getMeta.get(name);
    return row ? Number(row.value.toString('utf8')) : null;
  }

  setNumber(name: string, value: number): void {
    this.statements.putMeta.run(name, Buffer.from(String(value), 'utf8'));
  }

  /**
   * Re-wraps every data key and the index key under a new master key in one transaction;
   * events are not touched. `beforeCommit` runs inside it (e.g. to stage the new key file),
   * so the store never commits to a key that was not saved first.
   */
  rotateMaster(next: Buffer, beforeCommit: () => void): { rewrapped: number } {
    const count = this.db.transaction(() => {
      const rows = this.db.prepare<[], { kid: string; subject_id: string; wrapped: Buffer }>(
        'SELECT kid, subject_id, wrapped FROM subject_keys').all();
      const update = this.db.prepare('UPDATE subject_keys SET wrapped = ? WHERE kid = ?');
      for (const row of rows) {
        const aad = dataKeyAad(row.subject_id, row.kid);
        update.run(encryptToBuffer(next, decryptBuffer(this.master, row.wrapped, aad), aad), row.kid);
      }
      this.statements.putMeta.run('master-check', encryptToBuffer(next, CHECK_PLAINTEXT, CHECK_AAD));
      this.statements.putMeta.run('index-key', encryptToBuffer(next, this.indexKey, INDEX_KEY_AAD));
      beforeCommit();
      return rows.length;
    })();
    this.master = next;
    return { rewrapped: count };
  }

  close(): void {
    for (const key of [...this.keys.values(), ...this.digestKeys.values()]) key?.fill(0);
    this.keys.clear();
    this.digestKeys.clear();
    this.current.clear();
    if (this.db.open) this.db.close();
  }

  private remember<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (map.size >= CACHE_LIMIT) map.delete(map.keys().next().value as K);
    map.set(key, value);
  }
}
