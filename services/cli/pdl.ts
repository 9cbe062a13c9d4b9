#!/usr/bin/env node
/** `pdl`: the personal-data-ledger command (see program.ts). */
import { CommanderError } from 'commander';
import { LedgerError } from '../errors.js';
import { buildProgram, usageExitCode } from './program.js';

// Everything pdl creates — databases and their -wal/-shm files, key files, reports — is its owner's only.
process.umask(0o077);

try {
  await buildProgram().parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = usageExitCode(error);
  } else if (error instanceof LedgerError) {
    console.error(`pdl: ${error.message}`);
    process.exitCode = 2;
  } else {
    console.error(`pdl: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.PDL_DEBUG) console.error(error);
    process.exitCode = 2;
  }
}
