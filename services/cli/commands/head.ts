import type { Command } from 'commander';
import { withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';

export function headCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('head')
    .description('print the ledger head as POSITION:HASH: keep it elsewhere, and `pdl verify --anchor` proves nothing before it changed')
    .action(async () => {
      const head = await withLedger(globals(), async ({ store }) => store.head());
      console.log(head.position === 0 ? '0:(empty)' : `${head.position}:${head.hash}`);
    });
}
