/**
 * The key store carried by `pdl migrate` where the log goes: from the embedded file or a
 * PostgreSQL server to the other (or another server), keys still wrapped, so the copy opens with
 * the same master key (which stays a local file or PDL_MASTER_KEY, never on the server) and knows
 * every erasure. An EventStoreDB target keeps its key store beside --db, as before.
 */
import { closeSync, existsSync, openSync, renameSync, rmSync } from 'node:fs';
import { ValidationError } from '../errors.js';
import type pg from 'pg';
import { resilientPool } from '../store/postgres/pg-transaction.js';
import { readKeyStoreImage as readFile, writeKeyStoreImage as writeFile } from '../ledger/keys/sqlite-key-store-image.js';
import { readKeyStoreImage as readServer, writeKeyStoreImage as writeServer } from '../ledger/keys/postgres-key-store-image.js';
import { masterCheckOf, type KeyStoreImage } from '../ledger/keys/key-store-image.js';

/** A key store's place: a SQLite file, or the PostgreSQL database of a connection string. */
export type KeyStorePlace = { readonly file: string } | { readonly postgres: string };

export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

/** Copies the key store; false when the source has none (a ledger that never sealed a value). */
export async function copyKeyStore(from: KeyStorePlace, to: KeyStorePlace): Promise<boolean> {
  const image = await read(from);
  if (!image) return false;
  if ('file' in to) replaceFile(to.file, image);
  else await onServer(to.postgres, (pool) => writeServer(pool, image));
  return true;
}

/**
 * A new file, renamed over the target: a migration run again replaces the copy whole (a key
 * destroyed at the source since is gone here too); a file holding another store's keys is refused.
 */
function replaceFile(file: string, image: KeyStoreImage): void {
  if (existsSync(file)) {
    const present = masterCheckOf(readFile(file));
    const check = masterCheckOf(image);
    if (present && (!check || !present.equals(check))) throw new ValidationError(`${file} already holds the key store of another ledger (another master key): nothing was written`);
  }
  const staged = `${file}.tmp`;
  rmSync(staged, { force: true });
  closeSync(openSync(staged, 'wx', 0o600)); // owner-only from the first byte (SQLite gives its journal the file's mode)
  writeFile(staged, image);
  renameSync(staged, file);
}

async function read(from: KeyStorePlace): Promise<KeyStoreImage | null> {
  if ('file' in from) return existsSync(from.file) ? readFile(from.file) : null;
  return onServer(from.postgres, async (pool) => {
    const image = await readServer(pool).catch((error: unknown) => {
      if (error instanceof Error && 'code' in error && error.code === '42P01') return null; // no key store tables there
      throw error;
    });
    return image && image.meta.length > 0 ? image : null;
  });
}

async function onServer<T>(url: string, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = resilientPool({ connectionString: url, max: 1, application_name: 'pdl-migrate' });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}
