import Database from 'better-sqlite3';
import { integerParser } from '../integer-option.js';
import type { Command } from 'commander';
import { ValidationError } from '../../errors.js';
import { startProjectionWorker } from '../../projector/projection-worker.js';
import { ledgerPaths } from '../../composition/ledger-paths.js';
import type { GlobalOptions } from '../global-options.js';
import { openGlobalLog } from '../with-ledger.js';
import { createProcessLog } from '../../logging/logger.js';
import { stopOnSignals } from '../stop-on-signals.js';

export function projectCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('project')
    .description('keep read models in their own database, following the ledger from their checkpoint (a projection worker)')
    .option('--log-interval <ms>', 'how often to log progress', integerParser(1, undefined, '5000'), 5_000)
    .addHelpText('after', '\nThe read-model file is --read-models (default with --store: <db>.read.db). Each page of events and the\n' +
      'checkpoint commit together: kill it at any moment and a restart resumes where it stopped, with the same\n' +
      'tables a full rebuild gives. SIGTERM stops it after the page in hand (within --stop-timeout). It holds no key: read models never\n' +
      'hold a personal value.\n\nExamples:\n  pdl --db data/ledger.db --read-models replica-1.db project\n' +
      '  pdl --store "esdb://localhost:2113?tls=false" --read-models replica-1.db project')
    .action(async (options: { logInterval: number }) => {
      const processLog = createProcessLog('pdl-project');
      const { log } = processLog;
      const { db, store: connection, readModels: path } = globals();
      if (!path && !connection) throw new ValidationError('give the read-model file to keep: --read-models PATH (it must not be the log itself)');
      const readModelsPath = path ?? ledgerPaths(db, 'worker').readModelsFile;
      const store = await openGlobalLog(globals());
      const readModels = new Database(readModelsPath);
      let position = 0;
      const { openWorkerProgress } = await import('../../composition/open-records.js');
      const { reportWorkerProgress } = await import('../../composition/worker-progress-reporter.js');
      const reports = await openWorkerProgress(store, connection ? null : db);
      let progress: ReturnType<typeof reportWorkerProgress> | null = null;
      const worker = startProjectionWorker(store, readModels, {
        onPage: (at) => {
          position = at;
          progress?.moved(at);
        },
        onRetry: (error, delayMs) => log.warn({ error: error.message, retryInMs: delayMs }, 'lost the store; following again'),
      });
      if (reports) {
        progress = reportWorkerProgress(reports, readModelsPath, worker.runner.position, {
          onError: (error) => log.warn({ error: error.message }, 'progress not recorded in the shared store; the worker goes on'),
        });
      }
      log.info({ readModels: readModelsPath, store: connection ?? db, from: worker.runner.position }, 'projecting');
      // The store may be away (a restart): the worker follows again by itself, and the progress line waits for it.
      const timer = setInterval(() => {
        store.head().then((head) => {
          log.info({ position, head: head.position, behind: head.position - Math.max(position, worker.runner.position) }, 'projection progress');
        }, (error: unknown) => log.warn({ error: error instanceof Error ? error.message : String(error) }, 'progress unknown: the store does not answer'));
      }, options.logInterval);
      stopOnSignals(async () => {
        clearInterval(timer);
        await worker.subscription.stop();
        await progress?.stop();
        readModels.close();
        await store.close();
      }, { processLog, timeoutMs: globals().stopTimeout });
      worker.subscription.done.catch((error: unknown) => {
        log.error({ error: error instanceof Error ? error.message : String(error) }, 'projection failed');
        void processLog.flush(1_000).then(() => process.exit(1));
      });
    });
}
