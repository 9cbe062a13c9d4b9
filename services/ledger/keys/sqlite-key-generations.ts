/**
 * The embedded key store's records of master-key generations and of erasures (key-store.ts
 * `MasterGeneration`, `ErasedSubject`): read by the store, its image and `pdl keys status`.
 */
import type Database from 'better-sqlite3';
import { ValidationError } from '../../errors.js';
import { FIRST_GENERATION, plus, type BackupRetention, type ErasedSubject, type MasterGeneration } from './key-store.js';

interface GenerationRow { generation: number; created_at: string; superseded_at: string | null; destroy_after: string | null; destroyed_at: string | null }

export const currentGeneration = (db: Database.Database): number =>
  db.prepare<[], number>('SELECT MAX(generation) FROM master_generations').pluck().get() ?? FIRST_GENERATION;

export function readGenerations(db: Database.Database): MasterGeneration[] {
  return db.prepare<[], GenerationRow>('SELECT * FROM master_generations ORDER BY generation').all()
    .map((r) => ({ generation: r.generation, createdAt: r.created_at, supersededAt: r.superseded_at, destroyAfter: r.destroy_after, destroyedAt: r.destroyed_at }));
}

/** Inside a rotation's transaction: the current generation superseded now, the next made current; its number. */
export function supersede(db: Database.Database, retention: BackupRetention): number {
  const now = new Date().toISOString();
  const current = currentGeneration(db);
  db.prepare('UPDATE master_generations SET superseded_at = ?, destroy_after = ? WHERE generation = ?').run(now, plus(now, retention), current);
  db.prepare('INSERT INTO master_generations (generation, created_at) VALUES (?, ?)').run(current + 1, now);
  return current + 1;
}

export function markDestroyed(db: Database.Database, generation: number): void {
  const changed = db.prepare('UPDATE master_generations SET destroyed_at = COALESCE(destroyed_at, ?) WHERE generation = ? AND superseded_at IS NOT NULL')
    .run(new Date().toISOString(), generation).changes;
  if (changed === 0) throw new ValidationError(`generation ${generation} is not a superseded master-key generation of this store`);
}

export function readErasedSubjects(db: Database.Database, page: { readonly after?: string; readonly limit: number; readonly only?: string }): ErasedSubject[] {
  return db.prepare<[string, string | null, string | null, number], { subject_id: string; erased_at: string }>(
    'SELECT subject_id, MAX(erased_at) AS erased_at FROM erasures WHERE subject_id > ? AND (? IS NULL OR subject_id = ?) GROUP BY subject_id ORDER BY subject_id LIMIT ?')
    .all(page.after ?? '', page.only ?? null, page.only ?? null, page.limit).map((r) => ({ subjectId: r.subject_id, erasedAt: r.erased_at }));
}
