import type { Command } from 'commander';
import { withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';

export function checkpointCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('checkpoint')
    .description('sign the Merkle tree head (a C2SP checkpoint) if the ledger grew, keep it, and print it; give auditors the verifier key')
    .option('--origin <name>', 'the origin (key name) when the signing key is created now (default: <host>/pdl/<ledger name>); later it must match')
    .option('--list', 'list every checkpoint signed so far (size, signed at, root) instead')
    .option('--verifier-key', 'print only the verifier key (publish it: verifiers pin it)')
    .option('--json', 'print { size, root, signedAt, signedNow, note, verifierKey } as JSON')
    .addHelpText('after', '\nThe signing key is PDL_SIGNING_KEY or <db>.signing.key (mode 0600, created on first use, in the format of Go\'s\n' +
      'golang.org/x/mod/sumdb/note). Keep a checkpoint elsewhere: `pdl prove --from-size N` then proves the ledger only grew since.')
    .action(async (options: { origin?: string; list?: boolean; verifierKey?: boolean; json?: boolean }) => {
      await withLedger(globals(), async (opened) => {
        const { openProver } = await import('../../composition/open-prover.js');
        const prover = openProver(opened, { origin: options.origin });
        if (options.verifierKey) return void console.log(prover.verifierKey);
        if (options.list) {
          for (const c of prover.checkpoints.all()) console.log(options.json ? JSON.stringify(c) : `${c.size}\t${c.signedAt}\t${c.root}`);
          return;
        }
        const { checkpoint, signedNow } = prover.checkpoint();
        if (options.json) console.log(JSON.stringify({ ...checkpoint, signedNow, verifierKey: prover.verifierKey }, null, 2));
        else {
          process.stdout.write(checkpoint.note);
          process.stderr.write(`pdl: ${signedNow ? 'signed' : 'unchanged since'} the checkpoint of size ${checkpoint.size}; verifier key: ${prover.verifierKey}\n`);
        }
      }, { readModels: true });
    });
}
