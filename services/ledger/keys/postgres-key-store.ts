/**
 * The key store (key-store.ts) in PostgreSQL, beside the log on the same server (README "Beyond
 * one machine"): every writer and API replica on any host sees one set of keys, one blind index
 * and one record of erasures. The master key never goes there: keys are stored wrapped.
 *
 * Nothing unwrapped is cached across calls: each look-up asks the server, so an erasure by any
 * process is seen by every other at its next read. A slot (subject, category) has at most one
 * live key, held by a unique index: two writers asking at once for a new subject's first key get
 * the same one, and so the same content digest for the same event.
 *
 * A deleted row is not erased bytes in PostgreSQL (dead tuples until VACUUM, the WAL, standbys,
 * backups): erasure here rests on the key being unreadable without the master key.
 */
import { createHmac, randomBytes } from 'node:crypto';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { IDENTIFIER_KIND_OF } from '../../../schemas/identifiers.js';
import { LOCK_SCHEMA } from '../../store/postgres/schema.js';
import { ValidationError } from '../../errors.js';
import { DecryptionError } from '../crypto/aead.js';
import {
  advanced, CHECK_AAD, CHECK_PLAINTEXT, dataKeyAad, INDEX_KEY_AAD, mismatch, slotOf,
  type BackupRetention, type DataKey, type Deletion, type ErasedSubject, type IndexEntry, type KeySlot, type KeyStore, type KeyWrapper,
  type MasterGeneration, type MasterKeyCandidate, type MasterKeyReload, type UpkeepAdvance, type UpkeepPosition, type UpkeepStep,
  rotatedAway,
} from './key-store.js';
import { currentGeneration, inTransaction, iso, LOCK_UPKEEP, query, readGenerations, ROTATED, SCHEMA, upkeepPosition, type Queryable } from './postgres-key-tables.js';
import { sqlState } from '../../store/postgres/pg-errors.js';

interface KeyRow { kid: string; subject_id: string; category: string | null; wrapped: Buffer; systems: string[] }

export class PostgresKeyStore implements KeyStore {
  private master: KeyWrapper;
  private readonly indexKey: Buffer;

  /**
   * Opens (or creates) the key store in the database `pool` reaches (its search_path), trying
   * the master keys offered in order; nothing is written when none opens it. The pool stays the
   * caller's (the event store's, so one ledger holds one set of connections).
   */
  static async open(pool: pg.Pool, candidates: readonly MasterKeyCandidate[], reload?: MasterKeyReload, where = 'in PostgreSQL'): Promise<{ store: PostgresKeyStore; opened: number }> {
    const first = candidates[0]!;
    const existing = await inTransaction(pool, async (client) => {
      await client.query(LOCK_SCHEMA);
      await client.query(SCHEMA);
      const found = await client.query<{ value: Buffer }>("SELECT value FROM pdl_key_meta WHERE name = 'master-check'");
      if (found.rows[0]) return found.rows[0].value;
      await client.query('INSERT INTO pdl_key_meta (name, value) VALUES ($1, $2), ($3, $4)', [
        'master-check', first.wrapper.wrap(CHECK_PLAINTEXT, CHECK_AAD), 'index-key', first.wrapper.wrap(randomBytes(32), INDEX_KEY_AAD)]);
      return null;
    });
    const opened = existing === null ? 0 : candidates.findIndex((candidate) => opens(candidate.wrapper, existing));
    if (opened < 0) throw mismatch(candidates, where);
    const wrapper = candidates[opened]!.wrapper;
    const index = await query<{ value: Buffer }>(pool, "SELECT value FROM pdl_key_meta WHERE name = 'index-key'");
    const generation = await currentGeneration(pool);
    return { store: new PostgresKeyStore(pool, wrapper, wrapper.unwrap(index.rows[0]!.value, INDEX_KEY_AAD), generation, reload), opened };
  }

  /** Whether a key store was ever created in that database (a ledger with events but none has lost its keys). */
  static async exists(pool: pg.Pool): Promise<boolean> {
    const found = await query<{ present: boolean }>(pool, "SELECT to_regclass('pdl_key_meta') IS NOT NULL AS present");
    if (!found.rows[0]?.present) return false;
    return (await query(pool, "SELECT 1 FROM pdl_key_meta WHERE name = 'master-check'")).rowCount === 1;
  }

  private constructor(
    private readonly pool: pg.Pool, master: KeyWrapper, indexKey: Buffer,
    /** The generation `master` is the key of. */
    private generation: number,
    private readonly reload?: MasterKeyReload,
  ) {
    this.master = master;
    this.indexKey = indexKey;
  }

  /** A key unwrapped; one that does not open under this process's master key may be another's rotation to follow. */
  private async unwrap(wrapped: Buffer, aad: string): Promise<Buffer> {
    try {
      return this.master.unwrap(wrapped, aad);
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      const current = await currentGeneration(this.pool);
      if (current === this.generation) throw error;
      await this.followRotation(current);
      return this.master.unwrap(wrapped, aad);
    }
  }

  /** Takes the current generation's key from the reloaded candidates (the key file read anew). */
  private async followRotation(current: number): Promise<void> {
    const check = (await query<{ value: Buffer }>(this.pool, "SELECT value FROM pdl_key_meta WHERE name = 'master-check'")).rows[0]!.value;
    const found = (this.reload?.() ?? []).find((candidate) => opens(candidate.wrapper, check));
    if (!found) throw rotatedAway(current);
    this.master = found.wrapper;
    this.generation = current;
  }

  async sealingKeys(slots: readonly KeySlot[]): Promise<ReadonlyMap<string, DataKey>> {
    if (slots.length === 0) return new Map();
    const wanted = new Map<string, KeySlot>();
    for (const slot of slots) wanted.set(slotOf(slot.subjectId, slot.category), slot);
    const found = new Map<string, KeyRow>();
    const lookUp = async (keys: readonly KeySlot[]) => {
      const rows = await query<KeyRow>(this.pool,
        `SELECT k.kid, k.subject_id, k.category, k.wrapped, k.systems FROM pdl_subject_keys k
         JOIN unnest($1::text[], $2::text[]) AS w(subject_id, category) ON k.subject_id = w.subject_id AND COALESCE(k.category, '') = w.category`,
        [keys.map((s) => s.subjectId), keys.map((s) => s.category ?? '')]);
      for (const row of rows.rows) found.set(slotOf(row.subject_id, row.category), row);
    };
    await lookUp([...wanted.values()]);
    // A slot with no key yet: made here, wrapped before anything is written (a refusal writes nothing);
    // one another writer made in the meantime wins, and is read back.
    const missing = [...wanted.entries()].filter(([slot]) => !found.has(slot)).map(([, slot]) => slot);
    if (missing.length > 0) {
      for (const row of await this.insertKeys(missing)) found.set(slotOf(row.subject_id, row.category), row);
      const lost = missing.filter((slot) => !found.has(slotOf(slot.subjectId, slot.category)));
      if (lost.length > 0) await lookUp(lost);
    }
    await this.noteHeldIn(slots, found);
    const keys = new Map<string, DataKey>();
    for (const [slot, row] of found) keys.set(slot, { kid: row.kid, key: await this.unwrap(row.wrapped, dataKeyAad(row.subject_id, row.kid)) });
    return keys;
  }

  /**
   * New keys for these slots, wrapped before anything is written (a refusal writes nothing), in one
   * call of pdl_insert_keys: refused when another process rotated the master key since this one
   * wrapped them — then the rotation is followed and they are wrapped again under the new key.
   */
  private async insertKeys(missing: readonly KeySlot[]): Promise<KeyRow[]> {
    for (let attempt = 0; ; attempt += 1) {
      const kids = missing.map(() => uuidv7());
      const wrapped = missing.map((slot, i) => this.master.wrap(randomBytes(32), dataKeyAad(slot.subjectId, kids[i]!)));
      try {
        const inserted = await query<KeyRow>(this.pool, 'SELECT * FROM pdl_insert_keys($1, $2::text[], $3::text[], $4::text[], $5::bytea[], $6::text[])', [
          this.generation, kids, missing.map((s) => s.subjectId), missing.map((s) => s.category), wrapped,
          missing.map((s) => (s.category !== null && s.heldIn !== undefined ? s.heldIn : null))]);
        return inserted.rows;
      } catch (error) {
        if (sqlState(error) !== ROTATED || attempt > 0) throw error;
        await this.followRotation(await currentGeneration(this.pool));
      }
    }
  }

  /** Systems a collection names that its keys do not list yet: added in one statement (none when all are listed). */
  private async noteHeldIn(slots: readonly KeySlot[], found: ReadonlyMap<string, KeyRow>): Promise<void> {
    const notes: [string, string][] = [];
    for (const slot of slots) {
      const row = slot.heldIn === undefined || slot.category === null ? undefined : found.get(slotOf(slot.subjectId, slot.category));
      if (row && !row.systems.includes(slot.heldIn!)) notes.push([row.kid, slot.heldIn!]);
    }
    if (notes.length === 0) return;
    await query(this.pool,
      `UPDATE pdl_subject_keys k SET systems = (SELECT array_agg(DISTINCT s ORDER BY s) FROM unnest(k.systems || n.systems) AS s)
       FROM (SELECT kid, array_agg(system) AS systems FROM unnest($1::text[], $2::text[]) AS t(kid, system) GROUP BY kid) n
       WHERE k.kid = n.kid`,
      [notes.map(([kid]) => kid), notes.map(([, system]) => system)]);
  }

  async keysById(kids: readonly string[]): Promise<ReadonlyMap<string, Buffer | null>> {
    const keys = new Map<string, Buffer | null>(kids.map((kid) => [kid, null]));
    if (kids.length === 0) return keys;
    const rows = await query<{ kid: string; subject_id: string; wrapped: Buffer }>(this.pool,
      'SELECT kid, subject_id, wrapped FROM pdl_subject_keys WHERE kid = ANY($1::text[])', [[...new Set(kids)]]);
    for (const row of rows.rows) keys.set(row.kid, await this.unwrap(row.wrapped, dataKeyAad(row.subject_id, row.kid)));
    return keys;
  }

  async findByIdentifier(kind: string, normalised: string): Promise<string[]> {
    const rows = await query<{ subject_id: string }>(this.pool,
      'SELECT subject_id FROM pdl_blind_index WHERE digest = $1 ORDER BY subject_id COLLATE "C"', [this.indexDigest(kind, normalised)]);
    return rows.rows.map((row) => row.subject_id);
  }

  async isErased(subjectId: string): Promise<boolean> {
    return (await query(this.pool, 'SELECT 1 FROM pdl_erasures WHERE subject_id = $1 LIMIT 1', [subjectId])).rowCount === 1;
  }

  /** No memory of what is indexed: another host may have taken any entry back since. Every entry is written (an upsert). */
  async notIndexed<T extends IndexEntry>(entries: readonly T[]): Promise<T[]> {
    return [...entries];
  }

  async applyUpkeep(steps: readonly UpkeepStep[], advance?: UpkeepAdvance): Promise<{ destroyedKeys: number }> {
    if (steps.length === 0 && !advance) return { destroyedKeys: 0 };
    // A writer's usual call — identifiers to index, its appends to move over — is one round trip.
    if ((!advance || 'appended' in advance) && steps.every((s) => s.step === 'index')) {
      const rows = this.indexRows(steps.flatMap((s) => (s.step === 'index' ? [s.entry] : [])));
      await query(this.pool, 'SELECT pdl_upkeep_index($1::bytea[], $2::text[], $3::text[], $4::text[], $5::bigint[])', [
        rows.map((r) => r.digest), rows.map((r) => r.subjectId), rows.map((r) => r.kind), rows.map((r) => r.source), advance ? [...advance.appended] : []]);
      return { destroyedKeys: 0 };
    }
    return inTransaction(this.pool, async (client) => {
      await client.query(LOCK_UPKEEP);
      let destroyedKeys = 0;
      for (let i = 0; i < steps.length;) {
        const s = steps[i]!;
        if (s.step === 'index') {
          // A run of index steps is one statement.
          let end = i;
          while (end < steps.length && steps[end]!.step === 'index') end += 1;
          await this.addToIndex(client, steps.slice(i, end).flatMap((x) => (x.step === 'index' ? [x.entry] : [])));
          i = end;
          continue;
        }
        if (s.step === 'replace') await replaceIndexedValues(client, s.subjectId, s.kind);
        else if (s.step === 'erase') destroyedKeys += await erase(client, s.subjectId, s.eventId);
        else destroyedKeys += await applyDeletion(client, s.deletion);
        i += 1;
      }
      if (advance) {
        const next = advanced(await upkeepPosition(client), advance);
        const parts = Object.entries(next);
        if (parts.length > 0) {
          await client.query(
            `INSERT INTO pdl_key_upkeep (part, position) SELECT * FROM unnest($1::text[], $2::bigint[])
             ON CONFLICT (part) DO UPDATE SET position = excluded.position`,
            [parts.map(([part]) => part), parts.map(([, position]) => position)]);
        }
      }
      return { destroyedKeys };
    });
  }

  /** Entries of one subject and digest met twice keep both sources ('both'), as in every adapter. */
  /** Entries as index rows, one per subject and digest: met twice, an entry keeps both sources ('both'). */
  private indexRows(entries: readonly IndexEntry[]): { digest: Buffer; subjectId: string; kind: string; source: string }[] {
    const merged = new Map<string, { digest: Buffer; subjectId: string; kind: string; source: string }>();
    for (const { subjectId, kind, value, source } of entries) {
      const digest = this.indexDigest(kind, value);
      const at = `${digest.toString('base64')}\u0000${subjectId}`;
      const before = merged.get(at);
      merged.set(at, { digest, subjectId, kind, source: before && before.source !== source ? 'both' : source });
    }
    return [...merged.values()];
  }

  private async addToIndex(client: Queryable, entries: readonly IndexEntry[]): Promise<void> {
    const rows = this.indexRows(entries);
    await client.query(
      `INSERT INTO pdl_blind_index (digest, subject_id, kind, source)
       SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT (digest, subject_id) DO UPDATE
       SET source = CASE WHEN pdl_blind_index.source = excluded.source THEN excluded.source ELSE 'both' END`,
      [rows.map((r) => r.digest), rows.map((r) => r.subjectId), rows.map((r) => r.kind), rows.map((r) => r.source)]);
  }

  async resetIndex(): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(LOCK_UPKEEP);
      await client.query('DELETE FROM pdl_blind_index');
      await client.query("INSERT INTO pdl_key_upkeep (part, position) VALUES ('index', 0) ON CONFLICT (part) DO UPDATE SET position = 0");
    });
  }

  async upkeepPosition(): Promise<UpkeepPosition> {
    return upkeepPosition(this.pool);
  }

  async rotateMaster(next: KeyWrapper, beforeCommit: () => void, retention: BackupRetention): Promise<{ rewrapped: number; generation: number }> {
    const done = await inTransaction(this.pool, async (client) => {
      // Every writer's new keys wait for the rotation: none is wrapped under the key being retired after it commits.
      await client.query('LOCK TABLE pdl_subject_keys IN SHARE ROW EXCLUSIVE MODE');
      const rows = await client.query<{ kid: string; subject_id: string; wrapped: Buffer }>('SELECT kid, subject_id, wrapped FROM pdl_subject_keys');
      const rewrapped = rows.rows.map((row) => {
        const aad = dataKeyAad(row.subject_id, row.kid);
        return next.wrap(this.master.unwrap(row.wrapped, aad), aad);
      });
      await client.query('UPDATE pdl_subject_keys k SET wrapped = n.wrapped FROM unnest($1::text[], $2::bytea[]) AS n(kid, wrapped) WHERE k.kid = n.kid',
        [rows.rows.map((row) => row.kid), rewrapped]);
      await client.query("UPDATE pdl_key_meta SET value = $1 WHERE name = 'master-check'", [next.wrap(CHECK_PLAINTEXT, CHECK_AAD)]);
      await client.query("UPDATE pdl_key_meta SET value = $1 WHERE name = 'index-key'", [next.wrap(this.indexKey, INDEX_KEY_AAD)]);
      const generation = await client.query<{ generation: number }>(
        `WITH old AS (UPDATE pdl_master_generations SET superseded_at = clock_timestamp(), destroy_after = clock_timestamp() + $1 * interval '1 millisecond'
           WHERE generation = (SELECT max(generation) FROM pdl_master_generations) RETURNING generation)
         INSERT INTO pdl_master_generations (generation, created_at) SELECT generation + 1, clock_timestamp() FROM old RETURNING generation`, [retention.milliseconds]);
      beforeCommit();
      return { rewrapped: rows.rowCount ?? 0, generation: generation.rows[0]!.generation };
    });
    this.master = next;
    this.generation = done.generation;
    return done;
  }

  async generations(): Promise<MasterGeneration[]> {
    return readGenerations(this.pool);
  }

  async recordDestroyed(generation: number): Promise<void> {
    const changed = await query(this.pool,
      'UPDATE pdl_master_generations SET destroyed_at = COALESCE(destroyed_at, clock_timestamp()) WHERE generation = $1 AND superseded_at IS NOT NULL', [generation]);
    if (changed.rowCount === 0) throw new ValidationError(`generation ${generation} is not a superseded master-key generation of this store`);
  }

  async erasedSubjects(page: { readonly after?: string; readonly limit: number; readonly only?: string }): Promise<ErasedSubject[]> {
    const rows = await query<{ subject_id: string; erased_at: string }>(this.pool,
      `SELECT subject_id, ${iso('max(erased_at)')} AS erased_at FROM pdl_erasures WHERE subject_id > $1 COLLATE "C" AND ($3::text IS NULL OR subject_id = $3)
       GROUP BY subject_id ORDER BY subject_id COLLATE "C" LIMIT $2`, [page.after ?? '', page.limit, page.only ?? null]);
    return rows.rows.map((r) => ({ subjectId: r.subject_id, erasedAt: r.erased_at }));
  }

  /** The pool is the event store's: it closes it. */
  async close(): Promise<void> {
    this.indexKey.fill(0);
  }

  /** Blind index: a keyed HMAC of the normalised identifier, never a plain hash. */
  private indexDigest(kind: string, normalised: string): Buffer {
    return createHmac('sha256', this.indexKey).update(`${kind}\u0000${normalised}`).digest();
  }
}

function opens(wrapper: KeyWrapper, check: Buffer): boolean {
  try {
    wrapper.unwrap(check, CHECK_AAD);
    return true;
  } catch (error) {
    if (error instanceof DecryptionError) return false;
    throw error;
  }
}

/** Applied before by the same erasure event: the keys the subject has now were made for what came after it. */
async function erase(client: Queryable, subjectId: string, eventId: string): Promise<number> {
  const result = await client.query<{ n: number }>(
    `WITH done AS (SELECT 1 FROM pdl_erasures WHERE subject_id = $1 AND event_id = $2 LIMIT 1),
     gone AS (DELETE FROM pdl_subject_keys WHERE subject_id = $1 AND NOT EXISTS (SELECT 1 FROM done) RETURNING kid),
     entries AS (DELETE FROM pdl_blind_index WHERE subject_id = $1 AND NOT EXISTS (SELECT 1 FROM done)),
     recorded AS (INSERT INTO pdl_erasures (subject_id, kid, erased_at, event_id) SELECT $1, kid, clock_timestamp(), $2 FROM gone ON CONFLICT DO NOTHING)
     SELECT count(*)::int AS n FROM gone`, [subjectId, eventId]);
  return result.rows[0]!.n;
}

/** The category's index entries that came from values (and identifiers of its kind) go with its key. */
async function applyDeletion(client: Queryable, deletion: Deletion): Promise<number> {
  const rows = await client.query<{ kid: string; category: string; systems: string[] }>(
    `SELECT kid, category, systems FROM pdl_subject_keys
     WHERE subject_id = $1 AND category IS NOT NULL AND created_at <= $2::timestamptz FOR UPDATE`, [deletion.subjectId, deletion.recordedAt]);
  let destroyed = 0;
  for (const row of rows.rows) {
    if (deletion.categories !== 'all' && !deletion.categories.includes(row.category)) continue;
    const systems = new Set(row.systems);
    for (const system of deletion.systems ?? [...systems]) systems.delete(system);
    if (systems.size > 0) {
      await client.query('UPDATE pdl_subject_keys SET systems = $1 WHERE kid = $2', [[...systems].sort(), row.kid]);
      continue;
    }
    await client.query(
      `INSERT INTO pdl_category_deletions (subject_id, kid, category, deleted_at, event_id) VALUES ($1, $2, $3, clock_timestamp(), $4)
       ON CONFLICT DO NOTHING`, [deletion.subjectId, row.kid, row.category, deletion.eventId]);
    await client.query('DELETE FROM pdl_subject_keys WHERE kid = $1', [row.kid]);
    const kind = IDENTIFIER_KIND_OF.get(row.category);
    if (kind) await client.query('DELETE FROM pdl_blind_index WHERE subject_id = $1 AND kind = $2', [deletion.subjectId, kind]);
    destroyed += 1;
  }
  return destroyed;
}

async function replaceIndexedValues(client: Queryable, subjectId: string, kind: string): Promise<void> {
  await client.query("DELETE FROM pdl_blind_index WHERE subject_id = $1 AND kind = $2 AND source = 'value'", [subjectId, kind]);
  await client.query("UPDATE pdl_blind_index SET source = 'identifier' WHERE subject_id = $1 AND kind = $2 AND source = 'both'", [subjectId, kind]);
}
