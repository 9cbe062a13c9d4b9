import type { Command } from 'commander';
import { signingKeyOptions, withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';

/**
 * A ledger made ready before anything is written to it: its files, and its checkpoint signing key
 * with the origin chosen now — the one thing that cannot change later (every checkpoint names it,
 * and verifiers pin the key it is part of).
 */
export function initCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('init')
    .description('create the ledger and its checkpoint signing key with the origin you choose, before the first serve; print the verifier key to publish')
    .option('--json', 'print { db, size, origin, verifierKey } as JSON')
    .option('--origin <name>', 'the checkpoint origin, e.g. ledger.example.com/pdl (default: PDL_ORIGIN, else <host>/pdl/<ledger name>/<8 random hex>)')
    .addHelpText('after', '\nRun it once, before `pdl serve` (which otherwise creates the key with the default origin). Run again, it changes nothing\n' +
      'and prints the same key; with another origin than the key\'s it is refused (exit 2): a ledger keeps one origin.\n' +
      'The signing key goes where --signing-key (PDL_SIGNING_KEY_FILE) names, apart from the data, or beside it with --embedded-keys,\n' +
      'or on a PKCS#11 token with PDL_PKCS11_SIGNING_KEY=<label> (and PDL_PKCS11_MODULE, _TOKEN, _PIN): generated there, never leaving it.\n\n' +
      'Examples:\n  pdl --signing-key ~/.config/pdl/ledger.signing.key init --origin ledger.example.com/pdl\n' +
      '  PDL_ORIGIN=ledger.example.com/pdl npm start     # the same, at the first start of the quick start')
    .action(async (options: { origin?: string; json?: boolean }) => {
      await withLedger(globals(), async (opened) => {
        const { openProver } = await import('../../composition/open-prover.js');
        const prover = await openProver(opened, {
          ...signingKeyOptions(globals(), options.origin),
          onEmbedded: (warning) => process.stderr.write(`pdl: ${warning}\n`),
        });
        const { checkpoint } = await prover.checkpoint();
        if (options.json) return void console.log(JSON.stringify({ db: opened.paths.db, size: checkpoint.size, origin: prover.signer.name, verifierKey: prover.verifierKey }));
        console.log(`ledger ${opened.paths.db} ready at size ${checkpoint.size}; checkpoint origin ${prover.signer.name}`);
        console.log('verifier key (publish it; verifiers pin it):');
        console.log(prover.verifierKey);
      }, { readModels: true });
    });
}
