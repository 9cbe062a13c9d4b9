/**
 * JSON-line logs that never hold up the process they describe. pino's default destination writes
 * synchronously and, when standard output is a pipe whose reader stalled or died, retries forever
 * on the main thread — the request loop and the shutdown with it. (A write handed to libuv's
 * thread pool is no better: a blocked pipe write there keeps `process.exit` waiting for ever.)
 * Here lines go through Node's own standard-output stream, which writes to pipes and sockets
 * without blocking, and is bounded: past `bufferBytes` waiting for a slow reader, lines are
 * dropped and counted; a reader that went away (EPIPE) turns logging off; at stop, `flush` waits
 * for the buffer only until a deadline.
 */
import { pino, type Logger } from 'pino';

/** What one process may hold back for a slow reader before it drops lines. */
const DEFAULT_BUFFER_BYTES = 4 * 1024 * 1024;

export interface ProcessLog {
  readonly log: Logger;
  /** Lines dropped because the reader did not keep up (or went away). */
  dropped(): number;
  /** Resolves when every buffered line is written, or when `deadlineMs` has passed, whichever comes first. */
  flush(deadlineMs: number): Promise<void>;
}

export function createProcessLog(
  name: string,
  options: { stream?: NodeJS.WritableStream & { writableLength: number }; bufferBytes?: number; level?: string } = {},
): ProcessLog {
  const sink = options.stream ?? process.stdout;
  const bufferBytes = options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
  let dropped = 0;
  let gone = false;
  // EPIPE and friends: nobody reads any more. Losing the log must not stop the ledger.
  sink.on('error', () => (gone = true));
  const destination = {
    write(line: string): void {
      if (gone || sink.writableLength > bufferBytes) {
        dropped += 1;
        return;
      }
      sink.write(line);
    },
  };
  const log = pino({ name, level: options.level ?? process.env.PDL_LOG_LEVEL ?? 'info' }, destination);
  return {
    log,
    dropped: () => dropped,
    flush(deadlineMs) {
      if (gone || sink.writableLength === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          sink.off('drain', done);
          sink.off('error', done);
          resolve();
        };
        const timer = setTimeout(done, deadlineMs);
        sink.once('drain', done);
        sink.once('error', done);
      });
    },
  };
}
