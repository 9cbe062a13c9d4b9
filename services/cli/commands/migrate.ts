import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { ValidationError } from '../../errors.js';
import { sha256Chain } from '../../ledger/chain.js';
import { migrateLedger } from '../../ledger/migrate.js';
import { ledgerPaths } from '../../composition/ledger-paths.js';
import { lstatOrNull, writeOutputFile } from '../../composition/output-files.js';
import { isConnectionString, openLogStore } from '../../store/open-store.js';
import { verifyChain } from '../../ledger/verify.js';
import type { GlobalOptions } from '../global-options.js';
import { openGlobalLog } from '../with-ledger.js';
import { progress } from '../progress.js';

export function migrateCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('migrate')
    .description('copy the ledger, event for event as stored, to another store (EventStoreDB, or another file); the copy verifies with the same head hash')
    .requiredOption('--to <store>', 'an EventStoreDB/KurrentDB connection string (esdb://…), or the path of a new embedded ledger file')
    .option('--no-verify', 'skip verifying the whole copy afterwards (it is checked event by event while copying anyway)')
    .addHelpText('after', '\nResumable: run it again after an interruption, or after more events arrived, and it copies what is missing.\n' +
      'The key store and master key are not part of the log: to a file, they are copied beside it (the key store\n' +
      'as a fresh SQLite copy, VACUUM INTO, so no freed page comes along); to EventStoreDB, keep them where they are\n' +
      'and run with the same --db plus --store.\n\n' +
      'Examples:\n  pdl --db data/ledger.db migrate --to "esdb://localhost:2113?tls=false"\n  pdl --db data/ledger.db migrate --to backup/ledger.db')
    .action(async (options: { to: string; verify: boolean }) => {
      const { db, store: connection } = globals();
      const toExternal = isConnectionString(options.to);
      if (!toExternal && !connection && resolve(options.to) === resolve(db)) throw new ValidationError('--to names the ledger itself');
      const source = await openGlobalLog(globals());
      const target = await openLogStore(options.to, sha256Chain);
      try {
        const bar = progress('migrating', null);
        const result = await migrateLedger(source, target, { onProgress: (position, total) => bar.update(position, `of ${total}`) });
        bar.finish();
        if (result.resumedFrom > 0) process.stderr.write(`pdl: the target already held positions 1–${result.resumedFrom} of this ledger; continued from there\n`);
        if (options.verify) {
          const report = await verifyChain(target);
          if (!report.ok) throw new ValidationError(`the copy does not verify: ${report.firstBreak!.message}`);
        }
        if (result.targetHead.hash !== result.sourceHead.hash) {
          throw new ValidationError(`the source moved on while copying (now at ${result.sourceHead.position}): run migrate again to copy the rest`);
        }
        if (!toExternal && !connection) copyKeysBeside(db, options.to);
        console.log(`copied ${result.copied} events; both heads are ${result.targetHead.position}:${result.targetHead.hash ?? '(empty)'}`);
        await signTheCopy(globals(), options.to, toExternal || Boolean(connection), result.copied);
        process.stderr.write(toExternal
          ? `pdl: from now on run with --store "${options.to}" and the same --db ${db} (its key store and master key stay there)\n`
          : `pdl: the copy is at ${options.to}, with its key store beside it\n`);
      } finally {
        await source.close();
        await target.close();
      }
    });
}

/**
 * The copy is the same log: signed by the ledger's key, at its size, as soon as it is written. A file
 * copy is opened (its Merkle tree built) and signed here; EventStoreDB keeps no tree of its own.
 */
async function signTheCopy(globals: GlobalOptions, to: string, external: boolean, copied: number): Promise<void> {
  if (copied === 0) return;
  if (external) {
    process.stderr.write(`pdl: the copied events are unsigned on the new store until a signer runs (pdl --store "${to}" --db … checkpoint with the signing key)\n`);
    return;
  }
  const [{ openLedger }, { signWhatWasWritten }] = await Promise.all([import('../../composition/open-ledger.js'), import('../sign-written.js')]);
  const copy = await openLedger({ db: to, signingKeyFile: globals.signingKey || undefined });
  try {
    // The source's own key, when it lies beside the source (already in a data folder: using it adds no power to anyone).
    const beside = ledgerPaths(globals.db).signingKeyFile;
    await signWhatWasWritten(copy, globals, copied, !globals.signingKey && existsSync(beside) ? { file: beside, embedded: true } : {});
  } finally {
    await copy.close();
  }
}

/** The key store as a fresh, consistent SQLite copy (VACUUM INTO); the master key file when there is one. */
function copyKeysBeside(fromDb: string, toDb: string): void {
  const from = ledgerPaths(fromDb);
  const to = ledgerPaths(toDb);
  if (existsSync(from.keys)) {
    const staged = `${to.keys}.tmp`;
    rmSync(staged, { force: true });
    const keys = new Database(from.keys, { readonly: true });
    try {
      // A fresh file: no free page of the source (where a destroyed key may linger) comes along.
      keys.exec(`VACUUM INTO '${staged.replaceAll("'", "''")}'`);
    } finally {
      keys.close();
    }
    renameSync(staged, to.keys);
  }
  // Created new, never through a link: a dangling one at the target's name would send the master key wherever it points.
  if (existsSync(from.masterKeyFile) && !lstatOrNull(to.masterKeyFile)) writeOutputFile(to.masterKeyFile, readFileSync(from.masterKeyFile));
}
