/**
 * A replica outlives its store going away: the projection worker subscribes again from its
 * checkpoint when the store reports itself unavailable, and gives up on anything else. The outage
 * is simulated around a real SQLite store — no EventStoreDB leader change can be staged on these
 * machines — and the read models must still equal the inline ones, table for table.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoEvents } from '../../services/demo/scenario.js';
import { UnavailableError } from '../../services/errors.js';
import { startProjectionWorker } from '../../services/projector/projection-worker.js';
import type { EventStore, SubscribeOptions, Subscription, SubscriptionHandler } from '../../services/store/port.js';
import { dumpReadModels } from '../fixtures/dump-read-models.js';
import { randomWorkload } from '../fixtures/random-workload.js';
import { tempLedger } from '../fixtures/temp-ledger.js';

/** The real store, except that its first subscriptions hand over one page and then fail with `failure`. */
function failingFirst(store: EventStore, failures: Error[]): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'subscribeAll') return Reflect.get(target, property, receiver) as unknown;
      return (options: SubscribeOptions, handler: SubscriptionHandler): Subscription => {
        const failure = failures.shift();
        if (!failure) return target.subscribeAll(options, handler);
        let fail!: (error: Error) => void;
        const failed = new Promise<never>((_, reject) => (fail = reject));
        const inner = target.subscribeAll({ ...options, batchSize: 10 }, async (events) => {
          await handler(events);
          fail(failure); // after the first page: the connection is gone
        });
        const done = Promise.race([inner.done, failed]).finally(() => inner.stop());
        return { done, stop: () => inner.stop() };
      };
    },
  });
}

describe('projection worker and an unavailable store', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('follows again from its checkpoint after the store was unavailable, twice, and ends equal to the inline models', async () => {
    const ledger = await tempLedger();
    cleanup.push(() => ledger.close());
    await ledger.ledger.record([...demoEvents(), ...randomWorkload(1500, 8)]);
    const head = (await ledger.store.head()).position;
    const readModels = new Database(join(ledger.dir, 'replica.db'));
    const retries: string[] = [];
    const worker = startProjectionWorker(failingFirst(ledger.store, [new UnavailableError('leader lost'), new UnavailableError('no connection')]), readModels, {
      onRetry: (error, delayMs) => retries.push(`${error.message} ${delayMs}`),
    });
    cleanup.push(async () => {
      await worker.subscription.stop();
      readModels.close();
    });
    await worker.reached(head);
    expect(retries).toEqual(['leader lost 250', 'no connection 250']); // progress in between resets the wait
    expect(worker.failure()).toBeNull();
    expect(dumpReadModels(readModels)).toEqual(dumpReadModels(ledger.readModelsDb));
  });

  it('stops on an error a retry cannot mend, and says so', async () => {
    const ledger = await tempLedger();
    cleanup.push(() => ledger.close());
    await ledger.ledger.record(demoEvents());
    const readModels = new Database(join(ledger.dir, 'replica.db'));
    cleanup.push(async () => {
      readModels.close();
    });
    const worker = startProjectionWorker(failingFirst(ledger.store, [new Error('projection bug')]), readModels);
    await expect(worker.reached((await ledger.store.head()).position)).rejects.toThrow('projection bug');
    expect(worker.failure()?.message).toBe('projection bug');
  });
});
