import type { Command } from 'commander';
import { signingKeyOptions, withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';

export function checkpointCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('checkpoint')
    .description('sign the Merkle tree head (a C2SP checkpoint) if the ledger grew, keep it, and print it; give auditors the verifier key')
    .option('--origin <name>', 'the origin (key name) when the signing key is created now (default: PDL_ORIGIN, else <host>/pdl/<ledger name>/<8 random hex>, unique to this ledger); later it must match')
    .option('--list', 'list every checkpoint signed so far (size, signed at, root) instead')
    .option('--verifier-key', 'print only the verifier key (publish it: verifiers pin it)')
    .option('--json', 'print { size, root, signedAt, signedNow, note, verifierKey } as JSON')
    .addHelpText('after', '\nThe signing key is PDL_SIGNING_KEY, or the file named by --signing-key PATH outside the data folder (created there on\n' +
      'first use, mode 0600, in the format of Go\'s golang.org/x/mod/sumdb/note); <db>.signing.key only with --embedded-keys, and then\n' +
      'whoever can write the data folder can re-sign the history. Or on a PKCS#11 token: PDL_PKCS11_SIGNING_KEY=<label> with\n' +
      'PDL_PKCS11_MODULE/_TOKEN/_PIN (an Ed25519 key made there, README "Keys and backups"). A ledger whose checkpoints another key signed is refused.\n' +
      'Keep a checkpoint elsewhere (this output, or --json): `pdl verify-proof --since` holds later proofs to it.\n\n' +
      'Examples:\n  pdl --signing-key ~/keys/ledger.signing.key checkpoint --origin ledger.example.com/pdl > kept-checkpoint.txt\n' +
      '  PDL_SIGNING_KEY="$(cat ~/keys/ledger.signing.key)" pdl checkpoint --verifier-key')
    .action(async (options: { origin?: string; list?: boolean; verifierKey?: boolean; json?: boolean }) => {
      await withLedger(globals(), async (opened) => {
        const { openProver } = await import('../../composition/open-prover.js');
        const prover = await openProver(opened, {
          ...signingKeyOptions(globals(), options.origin), onEmbedded: (warning) => process.stderr.write(`pdl: ${warning}\n`),
        });
        if (options.verifierKey) return void console.log(prover.verifierKey);
        if (options.list) {
          for (const c of await prover.checkpoints.all()) console.log(options.json ? JSON.stringify(c) : `${c.size}\t${c.signedAt}\t${c.root}`);
          return;
        }
        const { checkpoint, signedNow } = await prover.checkpoint();
        if (options.json) console.log(JSON.stringify({ ...checkpoint, signedNow, verifierKey: prover.verifierKey }, null, 2));
        else {
          process.stdout.write(checkpoint.note);
          process.stderr.write(`pdl: ${signedNow ? 'signed' : 'unchanged since'} the checkpoint of size ${checkpoint.size}; verifier key: ${prover.verifierKey}\n`);
        }
      }, { readModels: true });
    });
}
