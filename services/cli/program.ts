/**
 * The `pdl` program: global options and one command per file under commands/. Built by a
 * function, so tests can run a command in process (its --help, its errors) without a binary.
 */
import { Command, type CommanderError } from 'commander';
import { DEFAULT_DB } from '../composition/ledger-paths.js';
import { demoCommand } from './commands/demo.js';
import { eraseCommand } from './commands/erase.js';
import { projectCommand } from './commands/project.js';
import { rebuildCommand } from './commands/rebuild.js';
import { reportCommand } from './commands/report.js';
import { eventsCommand } from './commands/events.js';
import { headCommand } from './commands/head.js';
import { migrateCommand } from './commands/migrate.js';
import { ingestCommand } from './commands/ingest.js';
import { keysCommand } from './commands/keys.js';
import { recordCommand } from './commands/record.js';
import { serveCommand } from './commands/serve.js';
import { verifyCommand } from './commands/verify.js';
import { checkpointCommand } from './commands/checkpoint.js';
import { proveCommand } from './commands/prove.js';
import { verifyProofCommand } from './commands/verify-proof.js';
import { exportCommand } from './commands/export.js';
import { validateCommand } from './commands/validate.js';
import { witnessCommand } from './commands/witness.js';
import { initCommand } from './commands/init.js';
import { backupCommand } from './commands/backup.js';
import { ordersCommand } from './commands/orders.js';
import { requestsCommand } from './commands/requests.js';
import { parseStopTimeout } from './stop-on-signals.js';
import type { GlobalOptions } from './global-options.js';
import { pdlVersion } from './version.js';

/** Said in every command's --help: what a script may rely on. */
export const EXIT_STATUS_HELP = 'Exit status: 0 done; 1 the command\'s documented "no" (verify: the chain or a checkpoint does not verify; ' +
  'record: some events rejected; verify-proof: the proof is refused; events: nothing matched); 2 a usage error, or the command could not run.';

/** The exit status of a command-line error: --help and --version end with 0, every usage error (an unknown option, a bad number) with 2 — never the 1 of a command's "no". */
export const usageExitCode = (error: CommanderError): number => (error.exitCode === 0 ? 0 : 2);

export function buildProgram(): Command {
  const program = new Command('pdl')
    .description('personal-data-ledger: every collection, use, share, transfer and deletion of personal data as a verifiable event')
    .option('--db <path>', 'the ledger database (its key store and master key file sit beside it)', process.env.PDL_DB ?? DEFAULT_DB)
    .option('--store <connection>', 'keep the log in PostgreSQL (postgres://user@host:5432/db) or EventStoreDB/KurrentDB (esdb://host:2113?tls=false) instead; ' +
      'the master key and read models stay local, named after --db (on PostgreSQL the key store, API keys and checkpoints go with the log)', process.env.PDL_STORE)
    .option('--read-models <path>', 'keep read models in this file, by a projection worker following the log ' +
      '(default: inline in the embedded log; <db>.read.db with --store)', process.env.PDL_READ_MODELS)
    .option('--stop-timeout <ms>', 'serve, ingest, project: how long a stop on SIGTERM/SIGINT may take before the work in hand is abandoned',
      parseStopTimeout, parseStopTimeout(process.env.PDL_STOP_TIMEOUT))
    .option('--signing-key <path>', 'the checkpoint signing key\'s file, kept apart from the data (refused inside the database\'s folder ' +
      'without --embedded-keys; created there, mode 0600, when first needed)', process.env.PDL_SIGNING_KEY_FILE || undefined)
    .option('--master-key <path>', 'the master key\'s file, kept apart from the data (serve and ingest refuse one inside the database\'s folder ' +
      'without --embedded-keys; created there, mode 0600, on first start)', process.env.PDL_MASTER_KEY_FILE || undefined)
    .option('--embedded-keys', 'allow the ledger\'s secrets in its data folder (the master key as <db>.master.key, the signing key as <db>.signing.key, ' +
      'created on first use): the quick start; whoever can read that folder can then decrypt it, whoever can write it re-sign its history')
    .version(pdlVersion(), '--version', 'print pdl\'s version')
    .showHelpAfterError()
    .addHelpText('after', '\nEnvironment: PDL_DB, PDL_STORE, PDL_READ_MODELS, PDL_LOG_BODIES (compressed|json), PDL_STOP_TIMEOUT, PDL_MASTER_KEY_FILE, PDL_SIGNING_KEY_FILE (defaults of the options above),\n' +
      'PDL_MASTER_KEY (32 bytes, base64 or hex; else the --master-key file, or one beside the database), PDL_SIGNING_KEY (the checkpoint signing key itself),\n' +
      'PDL_ORIGIN (the checkpoint origin a signing key is created with, as serve/init/checkpoint --origin; an existing key must match it).\n\n' +
      EXIT_STATUS_HELP)
    .exitOverride();

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  for (const register of [serveCommand, ingestCommand, recordCommand, verifyCommand, eventsCommand, headCommand, eraseCommand, reportCommand, rebuildCommand, projectCommand, migrateCommand, demoCommand, keysCommand, checkpointCommand, proveCommand, verifyProofCommand, exportCommand, validateCommand, witnessCommand, initCommand, backupCommand, ordersCommand, requestsCommand]) {
    register(program, globals);
  }
  return program;
}
