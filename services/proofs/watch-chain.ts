/**
 * Starts the chain monitor where it costs the request loop least: on a worker thread of its own
 * for the embedded log (chain-monitor-thread.ts), in process for an external store (a thread would
 * need a client of its own; reading it is network-bound) or where the compiled thread module is
 * not there (running from TypeScript sources, as some tests and the bench do).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { VerifiableLog } from '../ledger/verify.js';
import type { CheckpointReader } from '../records/checkpoint-store.js';
import { ChainMonitor, type ChainLogger, type ChainVerdict, type ChainWatch } from './chain-monitor.js';
import type { ChainThreadJob, ChainThreadMessage } from './chain-monitor-thread.js';

const THREAD = new URL('./chain-monitor-thread.js', import.meta.url);
const POLL_MS = 1000;

export interface WatchChainOptions {
  readonly log: VerifiableLog;
  /** The embedded log's file; null for an external store. */
  readonly logPath: string | null;
  readonly checkpoints: CheckpointReader;
  /** The SQLite file the checkpoints are kept in, for the thread's own connection; null: not in a file (PostgreSQL). */
  readonly checkpointsFile: string | null;
  readonly verifierKey: string;
  readonly fullEveryMs: number;
  readonly logger: ChainLogger;
  /** `thread` (default where it can) or `in-process`. */
  readonly where?: 'thread' | 'in-process';
  readonly pollMs?: number;
}

export function watchChain(options: WatchChainOptions): ChainWatch {
  const pollMs = options.pollMs ?? POLL_MS;
  const logPath = options.where !== 'in-process' && existsSync(fileURLToPath(THREAD)) ? options.logPath : null;
  if (logPath === null || options.checkpointsFile === null) {
    return ChainMonitor.start({
      log: options.log, checkpoints: options.checkpoints, verifierKey: options.verifierKey, fullEveryMs: options.fullEveryMs, pollMs, logger: options.logger,
    });
  }
  const job: ChainThreadJob = {
    logPath, checkpointsPath: options.checkpointsFile, verifierKey: options.verifierKey, pollMs, fullEveryMs: options.fullEveryMs,
  };
  // A small young generation: the thread's garbage is a page of rows at a time; the default's semi-spaces cost ~25 MB of RSS and no speed here.
  const worker = new Worker(THREAD, { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  worker.unref();
  let current: ChainVerdict = { state: 'verifying', checked: 0, of: 0, since: new Date().toISOString() };
  let stopping = false;
  const failed = (message: string) => {
    if (stopping) return;
    current = { state: 'failed', message, since: new Date().toISOString() };
    options.logger.error({ reason: message }, 'the chain monitor stopped: /health reports degraded (503)');
  };
  worker.on('message', (message: ChainThreadMessage) => {
    if (message.type === 'verdict') current = message.verdict;
    else options.logger[message.level](message.fields, message.message);
  });
  worker.once('error', (error) => failed(error.message));
  const exited = new Promise<number>((resolve) => worker.once('exit', (code) => {
    if (code !== 0) failed(`its thread exited with ${code}`);
    else if (!stopping) failed('its thread ended');
    resolve(code);
  }));
  return {
    verdict: () => current,
    async stop() {
      stopping = true;
      worker.postMessage('stop');
      // A verification under way ends at its next thousand events; a thread that does not is ended.
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
