/**
 * The PostgreSQL key store's tables and the few queries its store and its image share
 * (postgres-key-store.ts, postgres-key-store-image.ts).
 */
import type pg from 'pg';
import { FIRST_GENERATION, type MasterGeneration, type UpkeepPosition } from './key-store.js';

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
`;

/** Serialises the upkeep's transactions: each decides the positions' advance against what it reads ('pdl_key'). */
export const LOCK_UPKEEP = "SELECT pg_advisory_xact_lock(x'70646c5f6b6579'::bigint)";

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
