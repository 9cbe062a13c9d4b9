/**
 * The chain monitor on a worker thread of its own, with its own read-only connections to the log
 * and to the checkpoints: verifying costs ~25 µs an event (parse, canonical JSON, two SHA-256),
 * which on the request loop would be that much less for writes and requests (README "Health and
 * the chain"). The verdict goes to the main thread after every tick; log lines go with it.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SqliteCheckpointStore } from '../records/sqlite-checkpoint-store.js';
import { SqliteLogReader, openToRead } from '../store/sqlite/sqlite-log-reader.js';
import { ChainMonitor, type ChainLogger, type ChainVerdict } from './chain-monitor.js';

export interface ChainThreadJob {
  readonly logPath: string;
  /** The database the checkpoints are kept in; the log's own when the read models are inline. */
  readonly checkpointsPath: string;
  readonly verifierKey: string;
  readonly pollMs: number;
  readonly fullEveryMs: number;
}

export type ChainThreadMessage =
  | { readonly type: 'verdict'; readonly verdict: ChainVerdict }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly fields: object; readonly message: string };

if (!isMainThread && parentPort) {
  const port = parentPort;
  const job = workerData as ChainThreadJob;
  const log = new SqliteLogReader(job.logPath);
  const checkpointsDb = job.checkpointsPath === job.logPath ? log.db : openToRead(job.checkpointsPath, 'read-models database');
  const post = (message: ChainThreadMessage) => port.postMessage(message);
  const line = (level: 'info' | 'warn' | 'error') => (fields: object, message: string) => post({ type: 'log', level, fields, message });
  const logger: ChainLogger = { info: line('info'), warn: line('warn'), error: line('error') };
  const monitor = ChainMonitor.start({
    log, checkpoints: new SqliteCheckpointStore(checkpointsDb), verifierKey: job.verifierKey, pollMs: job.pollMs, fullEveryMs: job.fullEveryMs, logger,
    onVerdict: (verdict) => post({ type: 'verdict', verdict }),
  });
  port.on('message', (message: unknown) => {
    if (message !== 'stop') return;
    void monitor.stop().finally(() => {
      if (checkpointsDb !== log.db) checkpointsDb.close();
      log.close();
      port.close();
    });
  });
}
