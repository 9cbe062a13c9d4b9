/** The embedded key store as an image (key-store-image.ts): read whole, or written into a new file, for `pdl migrate`. */
import Database from 'better-sqlite3';
import { ValidationError } from '../../errors.js';
import type { KeyStoreImage } from './key-store-image.js';
import { readGenerations } from './sqlite-key-generations.js';
import { addCategoryColumns, ERASURES_APPLIED, INDEXED, SCHEMA } from './sqlite-key-store-schema.js';

/** Writes `image` into a new key-store file at `path` (nothing may be there): one transaction, so a failure leaves no half store. */
export function writeKeyStoreImage(path: string, image: KeyStoreImage): void {
  const db = new Database(path);
  try {
    db.pragma('secure_delete = ON');
    db.pragma('journal_mode = TRUNCATE');
    db.exec(SCHEMA);
    addCategoryColumns(db);
    db.transaction(() => {
      if (db.prepare('SELECT 1 FROM meta LIMIT 1').get() !== undefined) throw new ValidationError(`${path} already holds a key store: nothing was written`);
      const meta = db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)');
      for (const { name, value } of image.meta) meta.run(name, value);
      meta.run(ERASURES_APPLIED, Buffer.from(String(image.upkeep.erasures), 'utf8'));
      if (image.upkeep.index !== null) meta.run(INDEXED, Buffer.from(String(image.upkeep.index), 'utf8'));
      const key = db.prepare('INSERT INTO subject_keys (kid, subject_id, category, wrapped, created_at, systems) VALUES (?, ?, ?, ?, ?, ?)');
      for (const k of image.keys) key.run(k.kid, k.subjectId, k.category, k.wrapped, k.createdAt, JSON.stringify([...k.systems].sort()));
      const erasure = db.prepare('INSERT INTO erasures (subject_id, kid, erased_at, event_id) VALUES (?, ?, ?, ?)');
      for (const e of image.erasures) erasure.run(e.subjectId, e.kid, e.erasedAt, e.eventId);
      const entry = db.prepare('INSERT INTO blind_index (digest, subject_id, kind, source) VALUES (?, ?, ?, ?)');
      for (const i of image.index) entry.run(i.digest, i.subjectId, i.kind, i.source);
      const deletion = db.prepare('INSERT INTO category_deletions (subject_id, kid, category, deleted_at, event_id) VALUES (?, ?, ?, ?, ?)');
      for (const d of image.deletions) deletion.run(d.subjectId, d.kid, d.category, d.deletedAt, d.eventId);
      db.prepare('DELETE FROM master_generations').run();
      const generation = db.prepare('INSERT INTO master_generations (generation, created_at, superseded_at, destroy_after, destroyed_at) VALUES (?, ?, ?, ?, ?)');
      for (const g of image.generations) generation.run(g.generation, g.createdAt, g.supersededAt, g.destroyAfter, g.destroyedAt);
    }).immediate();
  } finally {
    db.close();
  }
}

/** The key store at `path` as stored (read in one transaction). */
export function readKeyStoreImage(path: string): KeyStoreImage {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.transaction(() => {
      const position = (name: string) => {
        const row = db.prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE name = ?').get(name);
        return row ? Number(row.value.toString('utf8')) : null;
      };
      return {
        meta: db.prepare<[], { name: string; value: Buffer }>("SELECT name, value FROM meta WHERE name IN ('master-check', 'index-key') ORDER BY name").all(),
        keys: db.prepare<[], { kid: string; subject_id: string; category: string | null; wrapped: Buffer; created_at: string; systems: string }>(
          'SELECT kid, subject_id, category, wrapped, created_at, systems FROM subject_keys ORDER BY kid').all()
          .map((r) => ({ kid: r.kid, subjectId: r.subject_id, category: r.category, wrapped: r.wrapped, createdAt: r.created_at, systems: JSON.parse(r.systems) as string[] })),
        erasures: db.prepare<[], { subject_id: string; kid: string; erased_at: string; event_id: string | null }>('SELECT * FROM erasures ORDER BY subject_id, kid').all()
          .map((r) => ({ subjectId: r.subject_id, kid: r.kid, erasedAt: r.erased_at, eventId: r.event_id })),
        index: db.prepare<[], { digest: Buffer; subject_id: string; kind: string | null; source: string }>('SELECT digest, subject_id, kind, source FROM blind_index ORDER BY digest, subject_id').all()
          .map((r) => ({ digest: r.digest, subjectId: r.subject_id, kind: r.kind, source: r.source })),
        deletions: db.prepare<[], { subject_id: string; kid: string; category: string; deleted_at: string; event_id: string | null }>('SELECT * FROM category_deletions ORDER BY subject_id, kid').all()
          .map((r) => ({ subjectId: r.subject_id, kid: r.kid, category: r.category, deletedAt: r.deleted_at, eventId: r.event_id })),
        upkeep: { erasures: position(ERASURES_APPLIED) ?? 0, index: position(INDEXED) },
        generations: readGenerations(db),
      };
    })();
  } finally {
    db.close();
  }
}
