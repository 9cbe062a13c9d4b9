import type { Command } from 'commander';
import { withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';
import { printable } from '../printable.js';

export function headCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('head')
    .description('print the ledger head as POSITION:HASH: keep it elsewhere, and `pdl verify --anchor` proves nothing before it changed')
    .option('--json', 'print { position, hash } as JSON (hash null when the ledger is empty)')
    .option('--workers', 'then one line per projection worker that reported to the shared store: host, read models, position, how far behind, when')
    .addHelpText('after', '\nWorkers report to PostgreSQL with the log (--store postgres://…), or to the embedded log\'s file, about once a second;\n' +
      'their own checkpoint, kept with their read models, is what they resume from.\n\n' +
      'Examples:\n  pdl head > kept-head.txt\n  pdl --store "postgres://pdl@db.internal:5432/ledger" head --workers')
    .action(async (options: { workers?: boolean; json?: boolean }) => {
      const { openWorkerProgress } = await import('../../composition/open-records.js');
      // Through the ledger, as every command: opening it completes a rotation a crash left half done.
      await withLedger(globals(), async ({ store }) => {
        const head = await store.head();
        if (options.json && !options.workers) return void console.log(JSON.stringify({ position: head.position, hash: head.position === 0 ? null : head.hash }));
        if (!options.json) console.log(head.position === 0 ? '0:(empty)' : `${head.position}:${head.hash}`);
        if (!options.workers) return;
        const progress = await openWorkerProgress(store, globals().store ? null : globals().db);
        if (!progress) return void process.stderr.write('pdl: this store keeps no record of its workers (EventStoreDB)\n');
        try {
          const workers = await progress.list();
          if (workers.length === 0) process.stderr.write('pdl: no projection worker has reported yet\n');
          if (options.json) return void console.log(JSON.stringify({ position: head.position, hash: head.position === 0 ? null : head.hash, workers }));
          for (const w of workers) {
            console.log(printable(`worker ${w.host} ${w.worker} at ${w.position} (${Math.max(0, head.position - w.position)} behind), reported ${w.updatedAt}`));
          }
        } finally {
          await progress.close();
        }
      });
    });
}
