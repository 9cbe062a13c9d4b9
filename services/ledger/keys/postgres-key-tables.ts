/**
 * The PostgreSQL key store's tables and the few queries its store and its image share
 * (postgres-key-store.ts, postgres-key-store-image.ts).
 */
import type pg from 'pg';
import { FIRST_GENERATION, type MasterGeneration, type UpkeepPosition } from './key-store.js';

/** The advisory lock of the key upkeep ('pdl_key'). */
const UPKEEP_LOCK_KEY = "x'70646c5f6b6579'::bigint";
/** SQLSTATE of pdl_insert_keys' refusal: the keys were wrapped under a generation no longer current. */
export const ROTATED = 'PD003';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS pdl_key_meta (name text PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE IF NOT EXISTS pdl_subject_keys (
  kid text PRIMARY KEY, subject_id text NOT NULL, category text, wrapped bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(), systems text[] NOT NULL DEFAULT '{}');
CREATE UNIQUE INDEX IF NOT EXISTS pdl_subject_keys_slot ON pdl_subject_keys (subject_id, (COALESCE(category, '')));
CREATE TABLE IF NOT EXISTS pdl_erasures (
  subject_id text NOT NULL, kid text NOT NULL, erased_at timestamptz NOT NULL, event_id text, PRIMARY KEY (subject_id, kid));
CREATE TABLE IF NOT EXISTS pdl_blind_index (
  digest bytea NOT NULL, subject_id text NOT NULL, kind text, source text NOT NULL, PRIMARY KEY (digest, subject_id));
CREATE INDEX IF NOT EXISTS pdl_blind_index_by_subject ON pdl_blind_index (subject_id, kind);
CREATE TABLE IF NOT EXISTS pdl_category_deletions (
  subject_id text NOT NULL, kid text NOT NULL, category text NOT NULL, deleted_at timestamptz NOT NULL, event_id text, PRIMARY KEY (subject_id, kid));
CREATE TABLE IF NOT EXISTS pdl_key_upkeep (part text PRIMARY KEY, position bigint NOT NULL);
CREATE TABLE IF NOT EXISTS pdl_master_generations (
  generation integer PRIMARY KEY, created_at timestamptz NOT NULL, superseded_at timestamptz, destroy_after timestamptz, destroyed_at timestamptz);
INSERT INTO pdl_master_generations (generation, created_at)
  SELECT ${FIRST_GENERATION}, COALESCE((SELECT min(created_at) FROM pdl_subject_keys), clock_timestamp()) WHERE NOT EXISTS (SELECT 1 FROM pdl_master_generations);

-- New data keys in one call (one round trip, one transaction): the table locked against a rotation
-- first, then refused (${ROTATED}, the current generation in the message) unless the keys were wrapped
-- under the current generation; a slot another writer filled meanwhile keeps its key (none returned).
CREATE OR REPLACE FUNCTION pdl_insert_keys(p_generation integer, p_kids text[], p_subjects text[], p_categories text[], p_wrapped bytea[], p_systems text[])
RETURNS TABLE (kid text, subject_id text, category text, wrapped bytea, systems text[]) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE v_current integer;
BEGIN
  LOCK TABLE pdl_subject_keys IN ROW EXCLUSIVE MODE;
  SELECT max(g.generation) INTO v_current FROM pdl_master_generations g;
  IF v_current IS DISTINCT FROM p_generation THEN
    RAISE EXCEPTION USING ERRCODE = '${ROTATED}', MESSAGE = v_current::text;
  END IF;
  RETURN QUERY INSERT INTO pdl_subject_keys AS k (kid, subject_id, category, wrapped, systems)
    SELECT n.kid, n.subject_id, n.category, n.wrapped, CASE WHEN n.system IS NULL THEN '{}'::text[] ELSE ARRAY[n.system] END
    FROM unnest(p_kids, p_subjects, p_categories, p_wrapped, p_systems) AS n(kid, subject_id, category, wrapped, system)
    ON CONFLICT (subject_id, (COALESCE(category, ''))) DO NOTHING
    RETURNING k.kid, k.subject_id, k.category, k.wrapped, k.systems;
END $fn$;

-- The key upkeep's common case in one call: index entries added, and each part's position moved over
-- the writer's appends as far as they follow on without a gap (key-store.ts advanced()), under the
-- upkeep lock; a part never moves back, and one never recorded is not started at 0.
CREATE OR REPLACE FUNCTION pdl_upkeep_index(p_digests bytea[], p_subjects text[], p_kinds text[], p_sources text[], p_appended bigint[])
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE v_part text; v_stored bigint; v_at bigint; v_pos bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(${UPKEEP_LOCK_KEY});
  IF coalesce(array_length(p_digests, 1), 0) > 0 THEN
    INSERT INTO pdl_blind_index AS b (digest, subject_id, kind, source)
      SELECT * FROM unnest(p_digests, p_subjects, p_kinds, p_sources)
      ON CONFLICT (digest, subject_id) DO UPDATE SET source = CASE WHEN b.source = excluded.source THEN excluded.source ELSE 'both' END;
  END IF;
  FOREACH v_part IN ARRAY ARRAY['erasures', 'index'] LOOP
    SELECT u.position INTO v_stored FROM pdl_key_upkeep u WHERE u.part = v_part;
    v_at := coalesce(v_stored, 0);
    FOR v_pos IN SELECT a FROM unnest(p_appended) AS a ORDER BY a LOOP
      IF v_pos = v_at + 1 THEN v_at := v_pos; ELSIF v_pos > v_at THEN EXIT; END IF;
    END LOOP;
    IF v_at > coalesce(v_stored, 0) THEN
      INSERT INTO pdl_key_upkeep (part, position) VALUES (v_part, v_at) ON CONFLICT (part) DO UPDATE SET position = excluded.position;
    END IF;
  END LOOP;
END $fn$;
`;

/** Serialises the upkeep's transactions: each decides the positions' advance against what it reads ('pdl_key'). */
export const LOCK_UPKEEP = `SELECT pg_advisory_xact_lock(${UPKEEP_LOCK_KEY})`;

export type Queryable = Pick<pg.PoolClient, 'query'>;

const ISO = `to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
export const iso = (column: string) => ISO.replace('%s', column);

export async function currentGeneration(db: Queryable): Promise<number> {
  const rows = await db.query<{ generation: number | null }>('SELECT max(generation) AS generation FROM pdl_master_generations');
  return rows.rows[0]?.generation ?? FIRST_GENERATION;
}

export async function upkeepPosition(db: Queryable): Promise<UpkeepPosition> {
  const rows = await db.query<{ part: string; position: string }>('SELECT part, position FROM pdl_key_upkeep');
  const at = new Map(rows.rows.map((row) => [row.part, Number(row.position)]));
  return { erasures: at.get('erasures') ?? 0, index: at.get('index') ?? null };
}

export async function readGenerations(db: Queryable): Promise<MasterGeneration[]> {
  const rows = await db.query<{ generation: number; created_at: string; superseded_at: string | null; destroy_after: string | null; destroyed_at: string | null }>(
    `SELECT generation, ${iso('created_at')} AS created_at, ${iso('superseded_at')} AS superseded_at, ${iso('destroy_after')} AS destroy_after,
     ${iso('destroyed_at')} AS destroyed_at FROM pdl_master_generations ORDER BY generation`);
  return rows.rows.map((r) => ({ generation: r.generation, createdAt: r.created_at, supersededAt: r.superseded_at, destroyAfter: r.destroy_after, destroyedAt: r.destroyed_at }));
}

/** The store's own: one query, or one transaction, with errors in the port's terms. */
export { pgQuery as query, pgTransaction as inTransaction } from '../../store/postgres/pg-transaction.js';
