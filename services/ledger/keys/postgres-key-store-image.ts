/** The PostgreSQL key store as an image (key-store-image.ts): read in one snapshot, or written in one transaction, for `pdl migrate`. */
import type pg from 'pg';
import { ValidationError } from '../../errors.js';
import { LOCK_SCHEMA } from '../../store/postgres/schema.js';
import { masterCheckOf, type KeyStoreImage } from './key-store-image.js';
import { inTransaction, iso, LOCK_UPKEEP, readGenerations, SCHEMA, upkeepPosition } from './postgres-key-tables.js';

/** The key store in that database as stored (one snapshot: REPEATABLE READ). */
export async function readKeyStoreImage(pool: pg.Pool): Promise<KeyStoreImage> {
  return inTransaction(pool, async (client) => {
    const rows = async <R extends pg.QueryResultRow>(text: string) => (await client.query<R>(text)).rows;
    return {
      meta: await rows<{ name: string; value: Buffer }>("SELECT name, value FROM pdl_key_meta WHERE name IN ('master-check', 'index-key') ORDER BY name"),
      keys: (await rows<{ kid: string; subject_id: string; category: string | null; wrapped: Buffer; created_at: string; systems: string[] }>(
        `SELECT kid, subject_id, category, wrapped, ${iso('created_at')} AS created_at, systems FROM pdl_subject_keys ORDER BY kid`))
        .map((r) => ({ kid: r.kid, subjectId: r.subject_id, category: r.category, wrapped: r.wrapped, createdAt: r.created_at, systems: r.systems })),
      erasures: (await rows<{ subject_id: string; kid: string; erased_at: string; event_id: string | null }>(
        `SELECT subject_id, kid, ${iso('erased_at')} AS erased_at, event_id FROM pdl_erasures ORDER BY subject_id, kid`))
        .map((r) => ({ subjectId: r.subject_id, kid: r.kid, erasedAt: r.erased_at, eventId: r.event_id })),
      index: (await rows<{ digest: Buffer; subject_id: string; kind: string | null; source: string }>('SELECT digest, subject_id, kind, source FROM pdl_blind_index ORDER BY digest, subject_id'))
        .map((r) => ({ digest: r.digest, subjectId: r.subject_id, kind: r.kind, source: r.source })),
      deletions: (await rows<{ subject_id: string; kid: string; category: string; deleted_at: string; event_id: string | null }>(
        `SELECT subject_id, kid, category, ${iso('deleted_at')} AS deleted_at, event_id FROM pdl_category_deletions ORDER BY subject_id, kid`))
        .map((r) => ({ subjectId: r.subject_id, kid: r.kid, category: r.category, deletedAt: r.deleted_at, eventId: r.event_id })),
      upkeep: await upkeepPosition(client),
      generations: await readGenerations(client),
    };
  }, 'REPEATABLE READ READ ONLY');
}

/**
 * Makes the key store in that database `image`, in one transaction: created when there is none,
 * replaced whole when it is the same store (a migration run again: a key destroyed at the source
 * since is destroyed here too), refused when it is another store's.
 */
export async function writeKeyStoreImage(pool: pg.Pool, image: KeyStoreImage): Promise<void> {
  const check = masterCheckOf(image);
  await inTransaction(pool, async (client) => {
    await client.query(LOCK_SCHEMA);
    await client.query(SCHEMA);
    await client.query(LOCK_UPKEEP);
    const present = (await client.query<{ value: Buffer }>("SELECT value FROM pdl_key_meta WHERE name = 'master-check'")).rows[0]?.value;
    if (present && (!check || !present.equals(check))) {
      throw new ValidationError('the PostgreSQL database already holds the key store of another ledger (another master key): nothing was written');
    }
    await client.query('TRUNCATE pdl_key_meta, pdl_subject_keys, pdl_erasures, pdl_blind_index, pdl_category_deletions, pdl_key_upkeep, pdl_master_generations');
    await client.query('INSERT INTO pdl_key_meta (name, value) SELECT * FROM unnest($1::text[], $2::bytea[])', [image.meta.map((m) => m.name), image.meta.map((m) => m.value)]);
    await client.query(
      `INSERT INTO pdl_subject_keys (kid, subject_id, category, wrapped, created_at, systems)
       SELECT kid, subject_id, category, wrapped, created_at::timestamptz, ARRAY(SELECT json_array_elements_text(systems::json))
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[]) AS k(kid, subject_id, category, wrapped, created_at, systems)`,
      [image.keys.map((k) => k.kid), image.keys.map((k) => k.subjectId), image.keys.map((k) => k.category), image.keys.map((k) => k.wrapped),
        image.keys.map((k) => k.createdAt), image.keys.map((k) => JSON.stringify(k.systems))]);
    await client.query(
      'INSERT INTO pdl_erasures (subject_id, kid, erased_at, event_id) SELECT subject_id, kid, erased_at::timestamptz, event_id FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS e(subject_id, kid, erased_at, event_id)',
      [image.erasures.map((e) => e.subjectId), image.erasures.map((e) => e.kid), image.erasures.map((e) => e.erasedAt), image.erasures.map((e) => e.eventId)]);
    await client.query('INSERT INTO pdl_blind_index (digest, subject_id, kind, source) SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[])',
      [image.index.map((i) => i.digest), image.index.map((i) => i.subjectId), image.index.map((i) => i.kind), image.index.map((i) => i.source)]);
    await client.query(
      'INSERT INTO pdl_category_deletions (subject_id, kid, category, deleted_at, event_id) SELECT subject_id, kid, category, deleted_at::timestamptz, event_id FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS d(subject_id, kid, category, deleted_at, event_id)',
      [image.deletions.map((d) => d.subjectId), image.deletions.map((d) => d.kid), image.deletions.map((d) => d.category), image.deletions.map((d) => d.deletedAt), image.deletions.map((d) => d.eventId)]);
    const parts = Object.entries(image.upkeep).filter((entry): entry is [string, number] => entry[1] !== null);
    await client.query('INSERT INTO pdl_key_upkeep (part, position) SELECT * FROM unnest($1::text[], $2::bigint[])', [parts.map(([p]) => p), parts.map(([, n]) => n)]);
    const g = image.generations;
    await client.query(
      `INSERT INTO pdl_master_generations (generation, created_at, superseded_at, destroy_after, destroyed_at)
       SELECT generation, created_at::timestamptz, superseded_at::timestamptz, destroy_after::timestamptz, destroyed_at::timestamptz
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[]) AS g(generation, created_at, superseded_at, destroy_after, destroyed_at)`,
      [g.map((x) => x.generation), g.map((x) => x.createdAt), g.map((x) => x.supersededAt), g.map((x) => x.destroyAfter), g.map((x) => x.destroyedAt)]);
  });
}
