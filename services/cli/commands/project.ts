import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { pino } from 'pino';
import { startProjectionWorker } from '../../projector/projection-worker.js';
import { SqliteEventStore } from '../../store/sqlite/sqlite-event-store.js';
import type { GlobalOptions } from '../pdl.js';

export function projectCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('project')
    .description('keep read models in their own database, following the ledger from their checkpoint (a projection worker)')
    .requiredOption('--read-models <path>', 'the read-model database to keep (created when missing)')
    .option('--log-interval <ms>', 'how often to log progress', (v) => Number.parseInt(v, 10), 5_000)
    .addHelpText('after', '\nEach page of events and the checkpoint commit together: kill it at any moment and a restart resumes\n' +
      'where it stopped, with the same tables a full rebuild gives. SIGTERM stops it after the page in hand.')
    .action(async (options: { readModels: string; logInterval: number }) => {
      const log = pino({ name: 'pdl-project' });
      const store = new SqliteEventStore({ path: globals().db, pollIntervalMs: 200 });
      const readModels = new Database(options.readModels);
      let position = 0;
      const worker = startProjectionWorker(store, readModels, (at) => (position = at));
      log.info({ readModels: options.readModels, from: worker.runner.position }, 'projecting');
      const timer = setInterval(async () => {
        const head = await store.head();
        log.info({ position, head: head.position, behind: head.position - Math.max(position, worker.runner.position) }, 'projection progress');
      }, options.logInterval);
      const stop = async (signal: string) => {
        clearInterval(timer);
        log.info({ signal }, 'stopping');
        await worker.subscription.stop();
        readModels.close();
        await store.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
      worker.subscription.done.catch((error: unknown) => {
        log.error({ error: error instanceof Error ? error.message : String(error) }, 'projection failed');
        process.exit(1);
      });
    });
}
