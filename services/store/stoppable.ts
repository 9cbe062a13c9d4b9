/**
 * The one way a subscription stops: `stop()` raises the flag its loop checks, lets it
 * interrupt what it waits on (`interrupt`: wake a pause, end a server stream), and resolves
 * when the loop has ended — whatever it ended with, since stopping is not failing.
 */
import type { Subscription } from './port.js';

export interface StopFlag {
  readonly stopped: boolean;
}

export function stoppable(loop: (flag: StopFlag) => Promise<void>, interrupt: () => Promise<void> | void = () => undefined): Subscription {
  const flag = { stopped: false };
  const done = loop(flag);
  return {
    done,
    async stop() {
      flag.stopped = true;
      await interrupt();
      await done.catch(() => undefined);
    },
  };
}
