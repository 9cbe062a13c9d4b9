/**
 * `pdl backup --to DIR`: the data folder's databases copied consistently while the ledger runs
 * (SQLite's online backup: a writer in another process is not stopped), and none of its secrets —
 * the master key and its retired generations, the signing key, the admin key stay behind, so the
 * backup cannot decrypt or re-sign itself (README "Keys and backups").
 */
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ledgerPaths } from '../../composition/ledger-paths.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../composition/private-files.js';
import { ValidationError } from '../../errors.js';
import type { GlobalOptions } from '../global-options.js';
import { progress } from '../progress.js';

export function backupCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('backup')
    .description('copy the ledger\'s databases, consistently and while it runs, to a new folder — without any key')
    .requiredOption('--to <dir>', 'a new (or empty) folder; created with mode 0700, files 0600')
    .addHelpText('after', '\nCopied: the log (with its inline read models and signed checkpoints), the key store (data keys, wrapped),\n' +
      'the API keys (hashes) and a projection worker\'s read models. Left behind: the master key and its retired\n' +
      'generations, the signing key, the admin key — keep those apart from every backup, or the backup decrypts\n' +
      'itself. To restore: copy the files back and give the ledger its master key (a retired generation opens a\n' +
      'backup from before a rotation, until that generation is destroyed: pdl keys status).\n' +
      'With --store (PostgreSQL, EventStoreDB) the log and the key store are on the server: back the server up\n' +
      '(pg_dump, your provider\'s backups); this copies only what is local.\n\n' +
      'Example:\n  pdl --db data/ledger.db backup --to /backups/ledger-2026-12-05')
    .option('--json', 'print { to, databases } as JSON')
    .action(async (options: { to: string; json?: boolean }) => {
      const { db, store, readModels } = globals();
      const paths = ledgerPaths(db, store ? (readModels ? { path: readModels } : 'worker') : (readModels ? { path: readModels } : 'inline'));
      const databases = [...new Set(store ? [paths.readModelsFile, paths.apiKeys] : [paths.db, paths.keys, paths.apiKeys, paths.readModelsFile])]
        .filter((file) => existsSync(file));
      if (databases.length === 0) throw new ValidationError(`nothing to back up: no ledger at ${db}`);
      if (existsSync(options.to) && readdirSync(options.to).length > 0) throw new ValidationError(`${options.to} is not empty: back up into a new folder`);
      mkdirSync(options.to, { recursive: true, mode: PRIVATE_DIR_MODE });
      for (const file of databases) {
        const target = join(options.to, basename(file));
        if (resolve(target) === resolve(file)) throw new ValidationError('--to is the data folder itself');
        const bar = progress(`backing up ${basename(file)}`, null);
        const source = new Database(file, { readonly: true, fileMustExist: true });
        try {
          await source.backup(target, { progress: ({ totalPages, remainingPages }) => {
            bar.update(totalPages - remainingPages, `of ${totalPages} pages`);
            return 1000;
          } });
        } finally {
          source.close();
        }
        bar.finish();
        chmodSync(target, PRIVATE_FILE_MODE);
      }
      if (options.json) console.log(JSON.stringify({ to: options.to, databases: databases.map((file) => basename(file)) }));
      else console.log(`backed up ${databases.length} databases to ${options.to}: ${databases.map((file) => basename(file)).join(', ')}`);
      process.stderr.write('pdl: no key was copied (master key, its retired generations, signing key, admin key): keep them apart from this backup.\n' +
        (store ? 'pdl: the log and the key store are on the server: back the server up with its own tools.\n' : ''));
    });
}
