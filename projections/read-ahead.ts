/**
 * The embedded log read for a rebuild on a second thread (read-ahead-thread.ts): while the main
 * thread folds one page into the read models, the thread reads the next, decodes its bodies and
 * hashes its Merkle leaves. Where the thread's module is not found it is not used (null), and the
 * rebuild reads the log itself.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BodyDecodeError } from '../services/store/body-codec.js';
import type { JsonObject, RecordedEvent } from '../services/store/port.js';
import type { ReadAheadJob, ReadAheadMessage } from './read-ahead-protocol.js';

const COMPILED = new URL('./read-ahead-thread.js', import.meta.url);
// From TypeScript sources (the tests): the same module through tsx's loader, registered in the thread first.
const SOURCE = new URL('./read-ahead-thread.ts', import.meta.url);

/** A page of the log, each event with its leaf hash at the same index. */
export interface ReadPage {
  readonly events: readonly RecordedEvent[];
  readonly leafHashes: readonly Buffer[];
}

function threadModule(): { code: URL | string; eval: boolean } | null {
  if (existsSync(fileURLToPath(COMPILED))) return { code: COMPILED, eval: false };
  if (!existsSync(fileURLToPath(SOURCE))) return null;
  try {
    const tsx = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs');
    return { code: `import(${JSON.stringify(pathToFileURL(tsx).href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(SOURCE.href)}); })`, eval: true };
  } catch {
    return null;
  }
}

/** Pages of the embedded log at `file` from its first event, read ahead on a thread; null where no thread can be started. */
export function readAhead(file: string, pageSize: number): AsyncIterable<ReadPage> | null {
  const module = threadModule();
  if (!module) return null;
  return {
    async *[Symbol.asyncIterator]() {
      const job: ReadAheadJob = { file, pageSize, ahead: 2 };
      // A small young generation: the thread's garbage is a page at a time.
      const worker = new Worker(module.code, { eval: module.eval, workerData: job, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
      const queue: ReadAheadMessage[] = [];
      let wake: (() => void) | null = null;
      let failure: Error | null = null;
      worker.on('message', (message: ReadAheadMessage) => {
        queue.push(message);
        wake?.();
      });
      worker.on('error', (error) => {
        failure = error;
        wake?.();
      });
      worker.on('exit', (code) => {
        failure ??= new Error(`the rebuild's read-ahead thread exited with ${code}`);
        wake?.();
      });
      try {
        for (;;) {
          while (queue.length === 0) {
            if (failure) throw failure;
            await new Promise<void>((resolve) => { wake = resolve; });
            wake = null;
          }
          const message = queue.shift()!;
          if (message.kind === 'end') return;
          if (message.kind === 'failed') throw message.tampered ? new BodyDecodeError(message.message) : new Error(`the rebuild's read-ahead thread failed: ${message.message}`);
          worker.postMessage({ kind: 'more' });
          const bodies = JSON.parse(message.bodies) as JsonObject[];
          const events: RecordedEvent[] = bodies.map((body, i) => ({
            position: message.positions[i]!, stream: message.streams[i]!, revision: message.revisions[i]!, id: message.ids[i]!, type: message.types[i]!,
            recordedAt: message.recordedAts[i]!, body, digest: message.digests[i]!, hash: message.hashes[i]!,
          }));
          const all = Buffer.from(message.leafHashes.buffer, message.leafHashes.byteOffset, message.leafHashes.byteLength);
          yield { events, leafHashes: events.map((_, i) => all.subarray(32 * i, 32 * i + 32)) };
        }
      } finally {
        worker.removeAllListeners('exit');
        await worker.terminate();
      }
    },
  };
}
