import type { Command } from 'commander';
import { progress } from '../progress.js';
import { withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';

export function rebuildCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('rebuild')
    .description('drop every read model and rebuild it from position 0 of the log')
    .option('--blind-index', 'rebuild the blind index (look-ups by e-mail and phone) from the log too, opening every value once more')
    .option('--json', 'print { readModels, events, seconds, blindIndexEvents } as JSON')
    .addHelpText('after', '\nThe rebuilt tables are identical to the ones kept incrementally. Run it with the server stopped.\n' +
      'With --blind-index the key store\'s look-up entries are dropped and made again from the values the log still opens:\n' +
      'erased and deleted values index nothing, no key is destroyed or made. For when the index was lost or identifiers\n' +
      'are normalised anew; a crash never needs it (the next start carries what the last run left).\n' +
      '\nExamples:\n  pdl --db data/ledger.db rebuild\n  pdl --db data/ledger.db rebuild --blind-index\n')
    .action(async (options: { blindIndex?: boolean; json?: boolean }) => {
      await withLedger(globals(), async ({ store, projectionRunner, worker, ledger }) => {
        await worker?.subscription.stop(); // the rebuild replays from 0 itself
        const { position } = await store.head();
        const bar = progress('rebuilding', position);
        const started = Date.now();
        const applied = await projectionRunner!.rebuild(store, (at) => bar.update(at));
        bar.finish();
        const seconds = (Date.now() - started) / 1000;
        const rebuilt = { readModels: projectionRunner!.projections.length, events: applied, seconds: Number(seconds.toFixed(3)) };
        if (!options.json) console.log(`rebuilt ${rebuilt.readModels} read models from ${applied} events in ${seconds.toFixed(1)} s (${Math.round(applied / Math.max(seconds, 0.001))} events/s)`);
        if (!options.blindIndex) return void (options.json && console.log(JSON.stringify({ ...rebuilt, blindIndexEvents: null })));
        const indexBar = progress('rebuilding the blind index', position);
        const indexStarted = Date.now();
        const carried = await ledger.upkeep.rebuild(store, (at) => indexBar.update(at));
        indexBar.finish();
        if (options.json) console.log(JSON.stringify({ ...rebuilt, blindIndexEvents: carried }));
        else console.log(`rebuilt the blind index from ${carried} events in ${((Date.now() - indexStarted) / 1000).toFixed(1)} s`);
      }, { readModels: true });
    });
}
