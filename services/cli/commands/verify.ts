import type { Command } from 'commander';
import { verifyChain, type Anchor } from '../../ledger/verify.js';
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
    .description('recompute the whole hash chain and report the first break')
    .option('--anchor <position:hash>', 'also check the hash at a position recorded earlier (from `pdl head`), catching a rewritten or truncated tail', parseAnchor)
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExit status: 0 when the chain verifies, 1 at the first break (its position, what was expected and what was found).')
    .action(async (options: { anchor?: Anchor; json?: boolean }) => {
      const report = await withLedger(globals(), async ({ store }) => {
        const bar = progress('verifying', (await store.head()).position);
        const result = await verifyChain(store, { anchor: options.anchor, onProgress: (done) => bar.update(done) });
        bar.finish();
        return result;
      });
      if (options.json) console.log(JSON.stringify(report, null, 2));
      else if (report.ok) console.log(`ok: ${report.checked} events verified; head position ${report.head.position}, hash ${report.head.hash ?? '(empty ledger)'}`);
      else {
        const b = report.firstBreak!;
        console.log(`BROKEN at position ${b.position} (${b.kind}): ${b.message}`);
        console.log(`  expected: ${b.expected}`);
        console.log(`  found:    ${b.found}`);
        console.log(`  ${report.checked} events before it verified.`);
      }
      if (!report.ok) process.exitCode = 1;
    });
}
