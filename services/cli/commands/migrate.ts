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
import { copyKeyStore, isPostgresUrl, type KeyStorePlace } from '../../composition/copy-key-store.js';
import { openToRead } from '../../store/sqlite/sqlite-log-reader.js';
import { settleCopyKey, type CopyKey } from '../../composition/copy-signing-key.js';
import { signatureKeyId } from '../../composition/open-prover.js';
import { keyIdOf } from '../../proofs/note-signer.js';
import { importCheckpoints } from '../../proofs/import-checkpoints.js';
import { readStoredCheckpoints, type StoredCheckpointRow } from '../../proofs/stored-checkpoints.js';
import { openCheckpoints, postgresRecordsOf } from '../../composition/open-records.js';
import { PostgresCheckpointStore } from '../../records/postgres-checkpoint-store.js';
import { SqliteCheckpointStore } from '../../records/sqlite-checkpoint-store.js';
import type { EventStore } from '../../store/port.js';
import { verifyChain } from '../../ledger/verify.js';
import type { GlobalOptions } from '../global-options.js';
import { openGlobalLog } from '../with-ledger.js';
import { progress } from '../progress.js';

export function migrateCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('migrate')
    .description('copy the ledger, event for event as stored, to another store (PostgreSQL, EventStoreDB, or another file); the copy verifies with the same head hash')
    .requiredOption('--to <store>', 'a PostgreSQL connection string (postgres://…), an EventStoreDB/KurrentDB one (esdb://…), or the path of a new embedded ledger file')
    .option('--no-verify', 'skip verifying the whole copy afterwards (it is checked event by event while copying anyway)')
    .option('--json', 'print { copied, head } as JSON (head: POSITION:HASH of both)')
    .addHelpText('after', '\nResumable: run it again after an interruption, or after more events arrived, and it copies what is missing.\n' +
      'The key store and master key are not part of the log: to a file, they are copied beside it (the key store\n' +
      'as a fresh SQLite copy, VACUUM INTO, so no freed page comes along); to or from PostgreSQL, the key store goes with\n' +
      'the log (keys still wrapped: the master key stays a local file or PDL_MASTER_KEY, and is copied beside a file copy);\n' +
      'to EventStoreDB, keep them where they are and run with the same --db plus --store.\n\n' +
      'Proofs: a file copy keeps every checkpoint the source signed (each checked against the copy\'s Merkle tree) and\n' +
      'the same signing key — <db>.signing.key copied beside it (mode 0600) when the source keeps it there (--embedded-keys),\n' +
      'else the key named as for the source (PDL_SIGNING_KEY, or --signing-key PATH), which the copy is then run with.\n' +
      'A signed source whose key is not at hand, or another key, is refused before anything is copied: a new key would\n' +
      'make the copy prove another ledger. To EventStoreDB or PostgreSQL the checkpoints stay in the source\'s file.\n\n' +
      'Examples:\n  pdl --db data/ledger.db migrate --to "postgres://pdl@db.internal:5432/ledger"\n' +
      '  pdl --db data/ledger.db --store "postgres://pdl@db.internal:5432/ledger" migrate --to back/ledger.db\n' +
      '  pdl --db data/ledger.db migrate --to "esdb://localhost:2113?tls=false"\n  pdl --db data/ledger.db migrate --to backup/ledger.db')
    .action(async (options: { to: string; verify: boolean; json?: boolean }) => {
      const { db, store: connection } = globals();
      const toExternal = isConnectionString(options.to);
      if (!toExternal && !connection && resolve(options.to) === resolve(db)) throw new ValidationError('--to names the ledger itself');
      const external = toExternal || Boolean(connection);
      // Before anything is copied: which checkpoints the source signed, and the key the copy keeps them under (or a refusal).
      const source = await openGlobalLog(globals());
      let signed: SourceCheckpoints;
      let key: CopyKey | null;
      try {
        signed = await readSourceCheckpoints(globals(), source);
        key = external ? null : settleCopyKey({
          sourceDb: db, targetDb: options.to, keyFile: globals().signingKey || undefined, env: process.env, signedBy: signed.signedBy,
        });
      } catch (error) {
        await source.close();
        throw error;
      }
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
        if (key) copyKeysBeside(db, options.to, key);
        else if (carriesKeyStore(connection, options.to)) await carryKeyStore(db, connection, options.to);
        if (options.json) console.log(JSON.stringify({ copied: result.copied, head: `${result.targetHead.position}:${result.targetHead.hash ?? '(empty)'}` }));
        else console.log(`copied ${result.copied} events; both heads are ${result.targetHead.position}:${result.targetHead.hash ?? '(empty)'}`);
        if (key) await carryProofs(globals(), options.to, key, signed.rows, result.copied);
        else tellWhatStaysBehind(options.to, signed, result.copied);
        process.stderr.write(toExternal
          ? `pdl: from now on run with --store "${options.to}" and the same --db ${db} (${isPostgresUrl(options.to) ? 'its master key stays there; the key store went with the log' : 'its key store and master key stay there'})\n`
          : `pdl: the copy is at ${options.to}, with its key store beside it\n`);
      } finally {
        await source.close();
        await target.close();
      }
    });
}

interface SourceCheckpoints {
  readonly rows: readonly StoredCheckpointRow[];
  /** Where they are kept: the log itself, the read models' file, or PostgreSQL with the log. */
  readonly file: string;
  /** `<name>+<key hash>` of the key that signed them, null when there are none. */
  readonly signedBy: string | null;
}

/** The source's signed checkpoints, read (never written) where the prover keeps them. */
async function readSourceCheckpoints(globals: GlobalOptions, source: EventStore): Promise<SourceCheckpoints> {
  const signedBy = (rows: readonly StoredCheckpointRow[], recorded: string | null) => {
    const latest = rows.at(-1)?.note;
    return (typeof latest === 'string' ? signatureKeyId(latest) : null) ?? (recorded === null ? null : keyIdOf(recorded));
  };
  const onServer = await postgresRecordsOf(source);
  if (onServer) {
    const { rows, verifierKey } = await readStoredCheckpoints(new PostgresCheckpointStore(onServer));
    return { rows, file: 'PostgreSQL, with the log', signedBy: signedBy(rows, verifierKey) };
  }
  const file = globals.readModels || (globals.store ? ledgerPaths(globals.db, 'worker').readModelsFile : globals.db);
  if (!existsSync(file)) return { rows: [], file, signedBy: null };
  const db = openToRead(file, 'ledger');
  try {
    const { rows, verifierKey } = await readStoredCheckpoints(new SqliteCheckpointStore(db));
    return { rows, file, signedBy: signedBy(rows, verifierKey) };
  } finally {
    db.close();
  }
}

/**
 * The copy is the same log, and proves it under the same key: every checkpoint the source signed,
 * each checked against the copy's own Merkle tree, then one at the size copied when it is new.
 */
async function carryProofs(globals: GlobalOptions, to: string, key: CopyKey, rows: SourceCheckpoints['rows'], copied: number): Promise<void> {
  if (key.place === 'none') {
    if (copied > 0) {
      process.stderr.write('pdl: the source has no signing key and no signed checkpoint, so neither has the copy: its events are unsigned ' +
        'until its first signer runs (pdl init --origin NAME, with the key named as for any ledger)\n');
    }
    return;
  }
  const [{ openLedger }, { signWhatWasWritten }] = await Promise.all([import('../../composition/open-ledger.js'), import('../sign-written.js')]);
  const copy = await openLedger({ db: to, signingKeyFile: key.place === 'beside' ? ledgerPaths(to).signingKeyFile : globals.signingKey || undefined });
  try {
    const carried = await importCheckpoints(copy.readModelsDb, await openCheckpoints(copy), rows, key.signer.verifierKey);
    process.stderr.write(`pdl: carried ${carried.imported} signed checkpoints${carried.already > 0 ? ` (${carried.already} already there)` : ''}, ` +
      `each checked against the copy's Merkle tree; the copy is signed by ${keyIdOf(key.signer.verifierKey)}, the ledger's key ` +
      `${key.place === 'beside' ? `(copied beside it, mode 0600: ${ledgerPaths(to).signingKeyFile})` : `(named as for the source: ${key.how})`}\n`);
    await signWhatWasWritten(copy, globals, copied, key.place === 'beside' ? { file: ledgerPaths(to).signingKeyFile, embedded: true } : {});
  } finally {
    await copy.close();
  }
}

/** An external store keeps no Merkle tree of its own here: what is not carried, said plainly. */
function tellWhatStaysBehind(to: string, signed: SourceCheckpoints, copied: number): void {
  if (copied > 0) process.stderr.write(`pdl: the copied events are unsigned on the new store until a signer runs (pdl --store "${to}" --db … checkpoint with the signing key)\n`);
  if (signed.rows.length > 0) {
    process.stderr.write(`pdl: the ${signed.rows.length} signed checkpoints stay in ${signed.file}: they are not carried to the new store, so nothing there ` +
      `pins its key. Keep that file, and sign there only with the same key (${signed.signedBy ?? 'the ledger\'s'}): PDL_SIGNING_KEY, or --signing-key PATH\n`);
  }
}

/** PostgreSQL holds the key store of a ledger whose log it holds: it goes where the log goes, to or from a server. */
const carriesKeyStore = (from: string | undefined, to: string): boolean =>
  isPostgresUrl(to) || (from !== undefined && from !== '' && isPostgresUrl(from) && !isConnectionString(to));

/** The key store copied as stored (keys still wrapped) after the log; the master key file beside a file copy. */
async function carryKeyStore(db: string, from: string | undefined, to: string): Promise<void> {
  const source: KeyStorePlace = from && isPostgresUrl(from) ? { postgres: from } : { file: ledgerPaths(db).keys };
  const target: KeyStorePlace = isPostgresUrl(to) ? { postgres: to } : { file: ledgerPaths(to).keys };
  if (!(await copyKeyStore(source, target))) return;
  const masterKeyFile = ledgerPaths(db).masterKeyFile;
  const beside = ledgerPaths(to).masterKeyFile;
  // Created new, never through a link (as copyKeysBeside does).
  if ('file' in target && existsSync(masterKeyFile) && !lstatOrNull(beside)) writeOutputFile(beside, readFileSync(masterKeyFile));
  // A key named apart (PDL_MASTER_KEY, --master-key, a token) stays apart: the copy is opened with the same one.
  else if ('file' in target && !existsSync(masterKeyFile)) process.stderr.write('pdl: the master key is named apart from the data, so it was not copied: open the copy with the same one (PDL_MASTER_KEY, --master-key PATH or the token)\n');
  process.stderr.write(`pdl: the key store went with the log (keys still wrapped: the same master key opens it${'file' in target ? `, copied beside it when kept in a file` : ''})\n`);
}

/** The key store as a fresh, consistent SQLite copy (VACUUM INTO); the master key file when there is one; an embedded signing key. */
function copyKeysBeside(fromDb: string, toDb: string, key: CopyKey): void {
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
  // Settled before copying: a key already there is this one.
  if (key.place === 'beside' && !lstatOrNull(to.signingKeyFile)) writeOutputFile(to.signingKeyFile, readFileSync(key.file));
}
