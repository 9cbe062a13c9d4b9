import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Pause } from '../pause.js';
import { stoppable } from '../stoppable.js';
import type { RecordedEvent, Subscription, SubscriptionHandler } from '../port.js';

export interface FollowOptions {
  readonly after: number;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly readPage: (after: number, limit: number) => RecordedEvent[];
  /** Registers a wake-up for appends made through this process; returns the unregister. */
  readonly onAppend: (listener: () => void) => () => void;
  readonly handler: SubscriptionHandler;
}

/**
 * Catch-up then live: read pages after the checkpoint until none is left, then sleep until
 * this process appends or the poll interval passes (appends by other processes on the same
 * file). One handler call at a time, in position order; a handler error ends it.
 *
 * Each page is read on a turn of its own of the event loop: whoever appended gets its answer
 * first (a follower's work is never part of the append's own call — read models kept by a worker
 * are off the write path), appends made meanwhile join the next page, and other callers are
 * served between pages, however far behind the follower is.
 */
export function followAll(options: FollowOptions): Subscription {
  const pause = new Pause();
  const unregister = options.onAppend(() => pause.wake());

  return stoppable(async (flag) => {
    let checkpoint = options.after;
    try {
      while (!flag.stopped) {
        await yieldToLoop();
        if (flag.stopped) return;
        const page = options.readPage(checkpoint, options.batchSize);
        if (page.length > 0) {
          await options.handler(page);
          checkpoint = page[page.length - 1]!.position;
          continue;
        }
        await pause.for(options.pollIntervalMs);
      }
    } finally {
      unregister();
    }
  }, () => pause.wake());
}
