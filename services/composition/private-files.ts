/**
 * The ledger's files hold ciphertext, keys and who-did-what: readable by their owner only.
 * New files and folders are created so (the `pdl` process runs with umask 077); files that
 * exist with wider modes — from an older version, a copy, a restore — are tightened at open.
 * The folder is tightened too when it is the ledger's own (nothing else in it); a shared folder
 * such as the working directory is left as it is: its ledger files are 0600 either way.
 */
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { LedgerPaths } from './ledger-paths.js';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;
/** SQLite's companions of a database file. */
const COMPANIONS = ['', '-wal', '-shm', '-journal'];

export function tightenLedgerFiles(paths: LedgerPaths): void {
  const databases = [...new Set([paths.db, paths.keys, paths.apiKeys, paths.readModelsFile, paths.deliveries])];
  const files = [...databases.flatMap((db) => COMPANIONS.map((suffix) => `${db}${suffix}`)), paths.masterKeyFile, paths.signingKeyFile];
  for (const file of files) tighten(file, PRIVATE_FILE_MODE);
  const folder = dirname(paths.db);
  const base = basename(paths.db).replace(/\.db$/, '');
  const ours = (name: string) => name.startsWith(`${base}.`) || name.startsWith(`${base}-`);
  if (readdirSync(folder).every(ours)) tighten(folder, PRIVATE_DIR_MODE);
}

function tighten(path: string, mode: number): void {
  if (!existsSync(path)) return;
  const current = statSync(path);
  if (current.uid !== process.getuid?.()) return; // not ours to change; the open would have failed if unreadable
  if ((current.mode & 0o777 & ~mode) !== 0) chmodSync(path, mode);
}
