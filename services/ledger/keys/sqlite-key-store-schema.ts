/**
 * The embedded key store's tables (sqlite-key-store.ts), and the columns and rows a store of an
 * earlier version gains in place when it is opened.
 */
import Database from 'better-sqlite3';
import { randomKey } from '../crypto/aead.js';
import { CHECK_AAD, CHECK_PLAINTEXT, FIRST_GENERATION, INDEX_KEY_AAD, type KeyWrapper } from './key-store.js';

export const SCHEMA = `
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
CREATE TABLE IF NOT EXISTS master_generations (
  generation INTEGER PRIMARY KEY, created_at TEXT NOT NULL, superseded_at TEXT, destroy_after TEXT, destroyed_at TEXT);
CREATE TABLE IF NOT EXISTS category_deletions (
  subject_id TEXT NOT NULL, kid TEXT NOT NULL, category TEXT NOT NULL, deleted_at TEXT NOT NULL, event_id TEXT,
  PRIMARY KEY (subject_id, kid));
`;

/** The upkeep's positions in `meta`, by the names stores of every version have used. */
export const ERASURES_APPLIED = 'erasures-applied-through';
export const INDEXED = 'indexed-through';

/**
 * Keys per category, and index entries that know where they came from: added to a store of an
 * earlier version in place. A key row without a category is the subject's own key (its content
 * digests, and values of categories named nowhere else); one with a category seals only that
 * category's values and records the systems that hold them, so a deletion from all of them can
 * destroy it. An index entry's kind and source ('value': a collected or rectified e-mail or phone;
 * 'identifier': a subject.identifiers entry) let a rectification or deletion take back only
 * what it replaces; entries of an earlier version count as values.
 */
const CATEGORY_COLUMNS = [
  ['subject_keys', 'category', 'TEXT'],
  ['subject_keys', 'systems', "TEXT NOT NULL DEFAULT '[]'"],
  ['blind_index', 'kind', 'TEXT'],
  ['blind_index', 'source', "TEXT NOT NULL DEFAULT 'value'"],
] as const;

export function addCategoryColumns(db: Database.Database): void {
  for (const [table, column, type] of CATEGORY_COLUMNS) {
    const has = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all().some((c) => c.name === column);
    if (!has) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
  db.exec('CREATE INDEX IF NOT EXISTS subject_keys_by_category ON subject_keys (subject_id, category, created_at)');
  // A store from before generations were recorded: its master key is the first, made no later than its first key.
  db.prepare(`INSERT INTO master_generations (generation, created_at)
    SELECT ?, COALESCE((SELECT MIN(created_at) FROM subject_keys), ?) WHERE NOT EXISTS (SELECT 1 FROM master_generations)`)
    .run(FIRST_GENERATION, new Date().toISOString());
}

/**
 * The key-store file opened (created with `first` as its master key when new) and its master-key
 * check value; null when this call created it. IMMEDIATE, and the check inside: two writers
 * starting on a fresh store (ingest and an API server on one volume) create it once, and the
 * second opens what the first made. secure_delete and a truncated journal: a destroyed key leaves
 * no bytes behind.
 */
export function openKeyStoreFile(path: string, first: KeyWrapper): { db: Database.Database; check: Buffer | null } {
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 10000'); // first: another process may hold the store while this one sets it up
    db.pragma('secure_delete = ON');
    db.pragma('journal_mode = TRUNCATE');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    db.transaction(() => addCategoryColumns(db)).immediate();
    const check = db.transaction(() => {
      const found = db.prepare<[], { value: Buffer }>("SELECT value FROM meta WHERE name = 'master-check'").get();
      if (found !== undefined) return found.value;
      const put = db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)');
      put.run('master-check', first.wrap(CHECK_PLAINTEXT, CHECK_AAD));
      put.run('index-key', first.wrap(randomKey(), INDEX_KEY_AAD));
      return null;
    }).immediate();
    return { db, check };
  } catch (error) {
    db.close();
    throw error;
  }
}
