import type { Command } from 'commander';
import type { Anchor } from '../../ledger/verify.js';
import { progress } from '../progress.js';
import { withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';

function parseAnchor(text: string): Anchor {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!match) throw new Error('expected POSITION:HASH, as printed by `pdl head`');
  return { position: Number(match[1]), hash: match[2]! };
}

export function verifyCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('verify')
    .description('recompute the whole hash chain, and the Merkle root at every checkpoint signed, and report the first break')
    .option('--anchor <position:hash>', 'also check the hash at a position recorded earlier (from `pdl head`), catching a rewritten or truncated tail', parseAnchor)
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExit status: 0 when the chain verifies, 1 at the first break (its position, what was expected and what was found).')
    .action(async (options: { anchor?: Anchor; json?: boolean }) => {
      const report = await withLedger(globals(), async ({ store, readModelsDb, paths }) => {
        const [{ CheckpointLog }, { loadSigner }, { verifyLedger }] = await Promise.all([
          import('../../proofs/prover.js'), import('../../proofs/note-signer.js'), import('../../proofs/stored-checkpoints.js'),
        ]);
        const bar = progress('verifying', (await store.head()).position);
        const result = await verifyLedger(store, new CheckpointLog(readModelsDb).all(),
          () => loadSigner({ keyFile: paths.signingKeyFile, env: process.env, create: false }).verifierKey,
          { anchor: options.anchor, onProgress: (done) => bar.update(done) });
        bar.finish();
        return result;
      });
      if (!options.json) for (const { size, why } of report.forged) console.log(`FORGED checkpoint of size ${size}: ${why}`);
      if (options.json) console.log(JSON.stringify(report, null, 2));
      else if (report.ok) {
        console.log(`ok: ${report.checked} events verified; head position ${report.head.position}, hash ${report.head.hash ?? '(empty ledger)'}` +
          (report.checkpoints > 0 ? `; the Merkle root matches all ${report.checkpoints} signed checkpoints` : ''));
      }
      else if (!report.firstBreak) console.log(`NOT VERIFIED: ${report.forged.length} stored checkpoint(s) are forged; the chain itself verifies (${report.checked} events).`);
      else {
        const b = report.firstBreak;
        console.log(`BROKEN at position ${b.position} (${b.kind}): ${b.message}`);
        console.log(`  expected: ${b.expected}`);
        console.log(`  found:    ${b.found}`);
        console.log(`  ${report.checked} events before it verified.`);
      }
      if (!report.ok) process.exitCode = 1;
    });
}
