/**
 * The key store (key-store.ts) in a SQLite file of its own beside the event log
 * (`ledger.keys.db`): wrapped data keys, the blind index, the record of erasures, and the
 * upkeep's positions in `meta`.
 *
 * secure_delete overwrites freed pages and the rollback journal is truncated after every
 * commit, so a destroyed key leaves no bytes behind in the file or its journal.
 */
import Database from 'better-sqlite3';
import { createHmac } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { IDENTIFIER_KIND_OF } from '../../../schemas/identifiers.js';
import { DecryptionError, randomKey } from '../crypto/aead.js';
import {
  advanced, CHECK_AAD, CHECK_PLAINTEXT, dataKeyAad, INDEX_KEY_AAD, mismatch, slotOf,
  type BackupRetention, type DataKey, type Deletion, type ErasedSubject, type IndexEntry, type KeySlot, type KeyStore, type KeyWrapper,
  type MasterGeneration, type MasterKeyCandidate, type MasterKeyReload, type UpkeepAdvance, type UpkeepPosition, type UpkeepStep,
  rotatedAway,
} from './key-store.js';
import { ERASURES_APPLIED, INDEXED, openKeyStoreFile } from './sqlite-key-store-schema.js';
import { currentGeneration, markDestroyed, readErasedSubjects, readGenerations, supersede } from './sqlite-key-generations.js';

/** Bounds the unwrapped keys held in memory; a miss costs one unwrap. */
const CACHE_LIMIT = 100_000;
/**
 * Unwrapped keys stay in memory at most this long (README "Keys and backups"): a memory image
 * taken later holds none of the keys a process used before it; a miss costs one unwrap (a round
 * trip to the token when the master key is there).
 */
export const KEY_CACHE_MS = 300_000;

const MAX_INDEXED_REMEMBERED = 200_000;

export type { MasterKeyCandidate } from './key-store.js';

export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  private master: KeyWrapper;
  private readonly indexKey: Buffer;
  private readonly keys = new Map<string, Buffer | null>();
  /** By slot (slotOf). */
  private readonly current = new Map<string, DataKey>();
  /** Systems that hold values sealed under each category key (known to this process). */
  private readonly systemsOf = new Map<string, Set<string>>();
  /** Index entries known to be written, by digest (notIndexed). */
  private readonly indexed = new Set<string>();
  /**
   * The digest notIndexed made for an entry, for applyUpkeep to write with the same entry object
   * (an HMAC per entry, not two); held no longer than the entry itself, which holds the value anyway.
   */
  private readonly digests = new WeakMap<IndexEntry, Buffer>();
  private readonly statements;
  /** SQLite's count of commits by other connections: when it moves, cached keys may be destroyed ones. */
  private seenDataVersion: number;
  private cachedSince = Date.now();

  /**
   * Opens (or creates) the key store. Candidates are tried in order, the first that opens the
   * store wins (a rotation interrupted between its commit and its key-file rename leaves two).
   * Nothing is written when none opens it.
   */
  static open(path: string, candidates: readonly MasterKeyCandidate[], reload?: MasterKeyReload): { store: SqliteKeyStore; opened: number } {
    const first = candidates[0]!;
    const { db, check: existing } = openKeyStoreFile(path, first.wrapper);
    try {
      if (existing === null) return { store: new SqliteKeyStore(db, first.wrapper, reload), opened: 0 };
      for (const [index, candidate] of candidates.entries()) {
        try {
          candidate.wrapper.unwrap(existing, CHECK_AAD);
          return { store: new SqliteKeyStore(db, candidate.wrapper, reload), opened: index };
        } catch (error) {
          if (!(error instanceof DecryptionError)) throw error;
        }
      }
      throw mismatch(candidates, path);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** The generation `master` is the key of. */
  private generation: number;

  private constructor(db: Database.Database, master: KeyWrapper, private readonly reload?: MasterKeyReload) {
    this.db = db;
    this.master = master;
    this.generation = currentGeneration(db);
    const wrappedIndexKey = db.prepare<[], { value: Buffer }>("SELECT value FROM meta WHERE name = 'index-key'").get()!;
    this.indexKey = master.unwrap(wrappedIndexKey.value, INDEX_KEY_AAD);
    this.statements = {
      currentKey: db.prepare<[string, string], { kid: string; wrapped: Buffer; systems: string }>(
        "SELECT kid, wrapped, systems FROM subject_keys WHERE subject_id = ? AND COALESCE(category, '') = ? ORDER BY created_at, kid LIMIT 1"),
      setSystems: db.prepare('UPDATE subject_keys SET systems = ? WHERE kid = ?'),
      categoryKeys: db.prepare<[string, string], { kid: string; category: string; systems: string; created_at: string }>(
        'SELECT kid, category, systems, created_at FROM subject_keys WHERE subject_id = ? AND category IS NOT NULL AND created_at <= ?'),
      deleteKey: db.prepare('DELETE FROM subject_keys WHERE kid = ?'),
      deleteIndexOf: db.prepare('DELETE FROM blind_index WHERE subject_id = ? AND kind = ? AND source = ?'),
      deleteIndexKind: db.prepare('DELETE FROM blind_index WHERE subject_id = ? AND kind = ?'),
      keepIdentifiersOf: db.prepare("UPDATE blind_index SET source = 'identifier' WHERE subject_id = ? AND kind = ? AND source = 'both'"),
      clearIndex: db.prepare('DELETE FROM blind_index'),
      keyById: db.prepare<[string], { subject_id: string; wrapped: Buffer }>(
        'SELECT subject_id, wrapped FROM subject_keys WHERE kid = ?'),
      insertKey: db.prepare('INSERT INTO subject_keys (kid, subject_id, wrapped, created_at, category) VALUES (?, ?, ?, ?, ?)'),
      keysOf: db.prepare<[string], { kid: string }>('SELECT kid FROM subject_keys WHERE subject_id = ?'),
      deleteKeys: db.prepare('DELETE FROM subject_keys WHERE subject_id = ?'),
      erasedBy: db.prepare<[string, string], number>('SELECT 1 FROM erasures WHERE subject_id = ? AND event_id = ? LIMIT 1').pluck(),
      deleteIndex: db.prepare('DELETE FROM blind_index WHERE subject_id = ?'),
      recordDeletion: db.prepare('INSERT OR IGNORE INTO category_deletions (subject_id, kid, category, deleted_at, event_id) VALUES (?, ?, ?, ?, ?)'),
      recordErasure: db.prepare(
        'INSERT OR IGNORE INTO erasures (subject_id, kid, erased_at, event_id) VALUES (?, ?, ?, ?)'),
      isErased: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM erasures WHERE subject_id = ?'),
      addIndex: db.prepare(`INSERT INTO blind_index (digest, subject_id, kind, source) VALUES (?, ?, ?, ?)
        ON CONFLICT (digest, subject_id) DO UPDATE SET source = CASE WHEN blind_index.source = excluded.source THEN excluded.source ELSE 'both' END`),
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
  private forgetIfChangedElsewhere(): void {
    const version = this.statements.dataVersion.get()!;
    if (version === this.seenDataVersion && Date.now() - this.cachedSince < KEY_CACHE_MS) return;
    this.seenDataVersion = version;
    this.forgetEverything();
  }

  private forgetEverything(): void {
    this.cachedSince = Date.now();
    this.keys.clear();
    this.current.clear();
    this.indexed.clear();
    this.systemsOf.clear();
  }

  /** One IMMEDIATE transaction (the write lock first); a failure leaves nothing of it in memory either. */
  private writing<T>(work: () => T): T {
    try {
      return this.db.transaction(() => {
        this.forgetIfChangedElsewhere();
        return work();
      }).immediate();
    } catch (error) {
      this.forgetEverything();
      throw error;
    }
  }

  async sealingKeys(slots: readonly KeySlot[]): Promise<ReadonlyMap<string, DataKey>> {
    if (slots.length === 0) return new Map();
    return this.writing(() => {
      const found = new Map<string, DataKey>();
      for (const { subjectId, category, heldIn } of slots) {
        const key = this.currentKey(subjectId, category);
        found.set(slotOf(subjectId, category), key);
        if (heldIn !== undefined && category !== null) this.noteHeldIn(key, heldIn);
      }
      return found;
    });
  }

  private currentKey(subjectId: string, category: string | null): DataKey {
    const slot = slotOf(subjectId, category);
    const cached = this.current.get(slot);
    if (cached) return cached;
    const row = this.statements.currentKey.get(subjectId, category ?? '');
    let dataKey: DataKey;
    if (row) {
      dataKey = { kid: row.kid, key: this.unwrap(row.wrapped, dataKeyAad(subjectId, row.kid)) };
      this.systemsOf.set(row.kid, new Set(JSON.parse(row.systems) as string[]));
    } else {
      // Never under a generation another process has retired: its key is destroyed after the backup window.
      if (currentGeneration(this.db) !== this.generation) this.followRotation();
      const kid = uuidv7();
      dataKey = { kid, key: randomKey() };
      this.statements.insertKey.run(kid, subjectId, this.master.wrap(dataKey.key, dataKeyAad(subjectId, kid)), new Date().toISOString(), category);
      this.systemsOf.set(kid, new Set());
    }
    this.remember(this.current, slot, dataKey);
    this.remember(this.keys, dataKey.kid, dataKey.key);
    return dataKey;
  }

  /** A write only the first time a system is named for the key. */
  private noteHeldIn(key: DataKey, system: string): void {
    const systems = this.systemsOf.get(key.kid) ?? new Set<string>();
    if (systems.has(system)) return;
    systems.add(system);
    this.systemsOf.set(key.kid, systems);
    this.statements.setSystems.run(JSON.stringify([...systems].sort()), key.kid);
  }

  async keysById(kids: readonly string[]): Promise<ReadonlyMap<string, Buffer | null>> {
    this.forgetIfChangedElsewhere();
    return new Map(kids.map((kid) => [kid, this.keyById(kid)]));
  }

  private keyById(kid: string): Buffer | null {
    if (this.keys.has(kid)) return this.keys.get(kid)!;
    const row = this.statements.keyById.get(kid);
    const key = row ? this.unwrap(row.wrapped, dataKeyAad(row.subject_id, kid)) : null;
    this.remember(this.keys, kid, key);
    return key;
  }

  async findByIdentifier(kind: string, normalised: string): Promise<string[]> {
    return this.statements.findIndex.all(this.indexDigest(kind, normalised)).map((row) => row.subject_id);
  }

  async isErased(subjectId: string): Promise<boolean> {
    return this.statements.isErased.get(subjectId)!.n > 0;
  }

  /** From this process's memory: forgotten when anything changes the store elsewhere, and at an erasure. */
  async notIndexed<T extends IndexEntry>(entries: readonly T[]): Promise<T[]> {
    if (entries.length === 0) return [];
    this.forgetIfChangedElsewhere();
    return entries.filter((entry) => !this.indexed.has(this.rememberedAs(entry.subjectId, entry.source, this.digestOf(entry))));
  }

  async applyUpkeep(steps: readonly UpkeepStep[], advance?: UpkeepAdvance): Promise<{ destroyedKeys: number }> {
    return this.writing(() => {
      let destroyedKeys = 0;
      for (const s of steps) {
        if (s.step === 'index') this.addToIndex(s.entry);
        else if (s.step === 'replace') this.replaceIndexedValues(s.subjectId, s.kind);
        else if (s.step === 'erase') destroyedKeys += this.erase(s.subjectId, s.eventId);
        else destroyedKeys += this.applyDeletion(s.deletion);
      }
      if (advance) this.setUpkeepPosition(advanced(this.upkeepPositionNow(), advance));
      return { destroyedKeys };
    });
  }

  async resetIndex(): Promise<void> {
    this.writing(() => {
      this.statements.clearIndex.run();
      this.indexed.clear();
      this.setUpkeepPosition({ index: 0 });
    });
  }

  /** The category's index entries that came from values (and identifiers of its kind) go with its key. */
  private applyDeletion(deletion: Deletion): number {
    const destroyed: string[] = [];
    for (const row of this.statements.categoryKeys.all(deletion.subjectId, deletion.recordedAt)) {
      if (deletion.categories !== 'all' && !deletion.categories.includes(row.category)) continue;
      const systems = new Set(JSON.parse(row.systems) as string[]);
      for (const system of deletion.systems ?? [...systems]) systems.delete(system);
      if (systems.size > 0) {
        this.statements.setSystems.run(JSON.stringify([...systems].sort()), row.kid);
        this.systemsOf.set(row.kid, systems);
        continue;
      }
      this.statements.recordDeletion.run(deletion.subjectId, row.kid, row.category, new Date().toISOString(), deletion.eventId);
      this.statements.deleteKey.run(row.kid);
      const kind = IDENTIFIER_KIND_OF.get(row.category);
      if (kind) this.statements.deleteIndexKind.run(deletion.subjectId, kind);
      destroyed.push(row.kid);
    }
    if (destroyed.length > 0) this.forgetKeys(deletion.subjectId, destroyed);
    return destroyed.length;
  }

  private replaceIndexedValues(subjectId: string, kind: string): void {
    this.statements.deleteIndexOf.run(subjectId, kind, 'value');
    this.statements.keepIdentifiersOf.run(subjectId, kind);
    this.indexed.clear();
  }

  private erase(subjectId: string, eventId: string): number {
    // Applied before: the keys the subject has now were made for what came after it.
    if (this.statements.erasedBy.get(subjectId, eventId) !== undefined) return 0;
    const erasedAt = new Date().toISOString();
    const kids = this.statements.keysOf.all(subjectId).map((row) => row.kid);
    for (const kid of kids) this.statements.recordErasure.run(subjectId, kid, erasedAt, eventId);
    this.statements.deleteKeys.run(subjectId);
    this.statements.deleteIndex.run(subjectId);
    this.forgetKeys(subjectId, kids);
    return kids.length;
  }

  /** Destroyed keys out of memory too (zeroed), and the subject's current keys to be looked up again. */
  private forgetKeys(subjectId: string, kids: readonly string[]): void {
    this.indexed.clear();
    for (const kid of kids) {
      this.keys.get(kid)?.fill(0);
      this.keys.set(kid, null);
      this.systemsOf.delete(kid);
    }
    for (const slot of [...this.current.keys()]) if (slot.startsWith(slotOf(subjectId, null))) this.current.delete(slot);
  }

  /** A key unwrapped; one that does not open under this process's master key may be another's rotation to follow. */
  private unwrap(wrapped: Buffer, aad: string): Buffer {
    try {
      return this.master.unwrap(wrapped, aad);
    } catch (error) {
      if (!(error instanceof DecryptionError) || currentGeneration(this.db) === this.generation) throw error;
      this.followRotation();
      return this.master.unwrap(wrapped, aad);
    }
  }

  /** Takes the current generation's key from the reloaded candidates (the key file read anew). */
  private followRotation(): void {
    const current = currentGeneration(this.db);
    const check = this.statements.getMeta.get('master-check')!.value;
    for (const candidate of this.reload?.() ?? []) {
      try {
        candidate.wrapper.unwrap(check, CHECK_AAD);
      } catch (error) {
        if (error instanceof DecryptionError) continue;
        throw error;
      }
      this.master = candidate.wrapper;
      this.generation = current;
      return;
    }
    throw rotatedAway(current);
  }

  /** Blind index: a keyed HMAC of the normalised identifier, never a plain hash. */
  private indexDigest(kind: string, normalised: string): Buffer {
    return createHmac('sha256', this.indexKey).update(`${kind}\u0000${normalised}`).digest();
  }

  private addToIndex(entry: IndexEntry): void {
    const digest = this.digestOf(entry);
    this.statements.addIndex.run(digest, entry.subjectId, entry.kind, entry.source);
    // Bounded: past it, known identifiers are simply written again (an upsert).
    if (this.indexed.size >= MAX_INDEXED_REMEMBERED) this.indexed.clear();
    this.indexed.add(this.rememberedAs(entry.subjectId, entry.source, digest));
  }

  private digestOf(entry: IndexEntry): Buffer {
    let digest = this.digests.get(entry);
    if (digest === undefined) {
      digest = this.indexDigest(entry.kind, entry.value);
      this.digests.set(entry, digest);
    }
    return digest;
  }

  /** Remembered by digest, never by the identifier itself. */
  private rememberedAs(subjectId: string, source: string, digest: Buffer): string {
    return `${subjectId}\u0000${source}\u0000${digest.toString('base64')}`;
  }

  async upkeepPosition(): Promise<UpkeepPosition> {
    return this.upkeepPositionNow();
  }

  private upkeepPositionNow(): UpkeepPosition {
    return { erasures: this.position(ERASURES_APPLIED) ?? 0, index: this.position(INDEXED) };
  }

  private setUpkeepPosition(position: Partial<{ readonly erasures: number; readonly index: number }>): void {
    if (position.erasures !== undefined) this.statements.putMeta.run(ERASURES_APPLIED, Buffer.from(String(position.erasures), 'utf8'));
    if (position.index !== undefined) this.statements.putMeta.run(INDEXED, Buffer.from(String(position.index), 'utf8'));
  }

  private position(name: string): number | null {
    const row = this.statements.getMeta.get(name);
    return row ? Number(row.value.toString('utf8')) : null;
  }

  async rotateMaster(next: KeyWrapper, beforeCommit: () => void, retention: BackupRetention): Promise<{ rewrapped: number; generation: number }> {
    const done = this.db.transaction(() => {
      const rows = this.db.prepare<[], { kid: string; subject_id: string; wrapped: Buffer }>(
        'SELECT kid, subject_id, wrapped FROM subject_keys').all();
      const update = this.db.prepare('UPDATE subject_keys SET wrapped = ? WHERE kid = ?');
      for (const row of rows) {
        const aad = dataKeyAad(row.subject_id, row.kid);
        update.run(next.wrap(this.master.unwrap(row.wrapped, aad), aad), row.kid);
      }
      this.statements.putMeta.run('master-check', next.wrap(CHECK_PLAINTEXT, CHECK_AAD));
      this.statements.putMeta.run('index-key', next.wrap(this.indexKey, INDEX_KEY_AAD));
      const generation = supersede(this.db, retention);
      beforeCommit();
      return { rewrapped: rows.length, generation };
      // IMMEDIATE: it reads the keys then rewrites them; a deferred transaction would fail at once ("database is
      // locked", a stale snapshot) if another process appended new subjects in between, rather than wait its turn.
    }).immediate();
    this.master = next;
    this.generation = done.generation;
    return done;
  }

  async generations(): Promise<MasterGeneration[]> {
    return readGenerations(this.db);
  }

  async recordDestroyed(generation: number): Promise<void> {
    markDestroyed(this.db, generation);
  }

  async erasedSubjects(page: { readonly after?: string; readonly limit: number; readonly only?: string }): Promise<ErasedSubject[]> {
    return readErasedSubjects(this.db, page);
  }

  async close(): Promise<void> {
    for (const key of this.keys.values()) key?.fill(0);
    this.keys.clear();
    this.current.clear();
    this.indexKey.fill(0);
    if (this.db.open) this.db.close();
  }

  private remember<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (map.size >= CACHE_LIMIT) map.delete(map.keys().next().value as K);
    map.set(key, value);
  }
}
