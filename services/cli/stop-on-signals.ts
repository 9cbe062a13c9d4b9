/**
 * How every long-running command (`serve`, `ingest`, `project`) stops: the first SIGTERM or
 * SIGINT runs its `stop` and exits 0; if that takes longer than the deadline, the work in hand
 * is abandoned (the ledger's guarantees make an abandoned batch safe: it is redone, or it was not
 * acknowledged), the deadline is logged, and the process exits all the same. A second signal
 * exits at once, non-zero. Log lines are flushed with a short deadline of their own, so a log
 * reader that stalled or died can never keep the process alive.
 */
import { InvalidArgumentError } from 'commander';
import type { ProcessLog } from '../logging/logger.js';

export const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const FLUSH_DEADLINE_MS = 1_000;
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export interface StopOptions {
  readonly processLog: ProcessLog;
  readonly timeoutMs: number;
}

/** Parses `--stop-timeout` / PDL_STOP_TIMEOUT (milliseconds). */
export function parseStopTimeout(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_STOP_TIMEOUT_MS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(`stop timeout: expected milliseconds (a whole number ≥ 0), got ${JSON.stringify(text.slice(0, 40))}`);
  return value;
}

export function stopOnSignals(stop: (signal: string) => Promise<void>, { processLog, timeoutMs }: StopOptions): void {
  const { log } = processLog;
  let stopping = false;
  const exit = async (code: number) => {
    const dropped = processLog.dropped();
    if (dropped > 0) log.warn({ dropped }, 'log lines dropped: the log reader did not keep up');
    await processLog.flush(FLUSH_DEADLINE_MS);
    process.exit(code);
  };
  const onSignal = (signal: keyof typeof EXIT_CODES) => {
    if (stopping) {
      // Written straight to stderr: the log may be what is stuck.
      process.stderr.write(`pdl: ${signal} again: exiting now\n`);
      process.exit(EXIT_CODES[signal]);
    }
    stopping = true;
    log.info({ signal, timeoutMs }, 'stopping');
    const deadline = setTimeout(() => {
      log.warn({ signal, timeoutMs }, 'stop deadline reached: work in hand abandoned (it is redone, or it was not acknowledged)');
      void exit(0);
    }, timeoutMs);
    stop(signal).then(
      () => {
        clearTimeout(deadline);
        log.info('stopped');
        void exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        log.error({ error: error instanceof Error ? error.message : String(error) }, 'stop failed');
        void exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
