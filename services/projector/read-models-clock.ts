/**
 * Read-your-writes (README "Read your writes"): a write answers with the log position it reached,
 * and a read may ask to see at least that position. The clock says where the read models stand —
 * as stored, whoever applied the events: this process's worker, another process writing the same
 * file — and waits, a bounded time, until they reach a position asked for. Waiting costs no work:
 * a wake-up when this process's worker applies a page, a cheap look at the stored checkpoints now
 * and then for the others.
 */
import { ReadModelsBehindError, UnavailableError } from '../errors.js';

/**
 * How long a read waits by default before it is answered READ_MODELS_BEHIND. A worker applies a
 * page of 1,000 events in well under a second here; five seconds means something is wrong (the
 * worker far behind, or a position never written), and the caller learns it rather than hangs.
 */
export const READ_WAIT_MS = 5000;

/** Between looks at the stored checkpoints, for progress no wake-up announces (another process). */
const LOOK_EVERY_MS = 20;

export interface ReadModelsClock {
  /** Every read model has applied the log up to here (as stored). */
  position(): number;
  /**
   * Resolves with the position once the read models have reached `atLeast`; after `timeoutMs`
   * (default READ_WAIT_MS) rejects with ReadModelsBehindError, saying how far behind they are.
   */
  reach(atLeast: number, timeoutMs?: number): Promise<number>;
}

export interface ClockSource {
  /** The read models' position as stored (the lowest checkpoint of their models). */
  stored(): number;
  /** The log's head: the error tells a position not yet applied from one never written. */
  head(): Promise<number>;
  /** Called when this process's worker applied a page; returns how to stop listening. */
  onMoved?(listener: () => void): () => void;
  /** Why the read models stopped following, if they did: then no wait can end well. */
  failure?(): Error | null;
}

export function readModelsClock(source: ClockSource, defaultTimeoutMs = READ_WAIT_MS): ReadModelsClock {
  return {
    position: () => source.stored(),
    async reach(atLeast, timeoutMs = defaultTimeoutMs) {
      const started = Date.now();
      let position = source.stored();
      if (position >= atLeast) return position;
      let wake: (() => void) | null = null;
      const stop = source.onMoved?.(() => wake?.());
      try {
        for (;;) {
          const failure = source.failure?.();
          if (failure) throw new UnavailableError(`the read models stopped following the log (${failure.message}): position ${atLeast} cannot be reached; /health says more`);
          const left = started + timeoutMs - Date.now();
          if (left <= 0) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(LOOK_EVERY_MS, left));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = null;
          position = source.stored();
          if (position >= atLeast) return position;
        }
      } finally {
        stop?.();
      }
      throw new ReadModelsBehindError(atLeast, position, await source.head(), Date.now() - started);
    },
  };
}
