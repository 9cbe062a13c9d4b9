import type { Command } from 'commander';
import { progress } from '../progress.js';
import { withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';

export function rebuildCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('rebuild')
    .description('drop every read model and rebuild it from position 0 of the log')
    .addHelpText('after', '\nThe rebuilt tables are identical to the ones kept incrementally. Run it with the server stopped.')
    .action(async () => {
      await withLedger(globals(), async ({ store, readModels, worker }) => {
        await worker?.subscription.stop(); // the rebuild replays from 0 itself
        const { position } = await store.head();
        const bar = progress('rebuilding', position);
        const started = Date.now();
        const applied = await readModels!.rebuild(store, (at) => bar.update(at));
        bar.finish();
        const seconds = (Date.now() - started) / 1000;
        console.log(`rebuilt ${readModels!.projections.length} read models from ${applied} events in ${seconds.toFixed(1)} s (${Math.round(applied / Math.max(seconds, 0.001))} events/s)`);
      }, { readModels: true });
    });
}
