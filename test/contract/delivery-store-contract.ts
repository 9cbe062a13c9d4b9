/**
 * One contract for every adapter of the delivery records port (services/records/delivery-store.ts).
 * A place opened twice gives two connections, as two servers of one ledger would have.
 */
import { describe, expect, it } from 'vitest';
import { storesPerTest } from './records-place.js';
import type { DeliveryStore, NewDelivery } from '../../services/records/delivery-store.js';

export interface DeliveryPlace {
  open(): Promise<DeliveryStore>;
  dispose(): Promise<void> | void;
}

const T0 = new Date('2026-12-05T08:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const order = (id: string, channel: NewDelivery['channel'] = 'webhook'): NewDelivery =>
  ({ orderId: id, channel, target: 'system:user-db', payload: `{"type":"pdl.deletion-order","data":{"orderId":"${id}"}}` });

export function deliveryStoreContract(name: string, makePlace: () => DeliveryPlace | Promise<DeliveryPlace>): void {
  describe(`delivery records contract: ${name}`, () => {
    const { open } = storesPerTest<DeliveryStore, DeliveryPlace>(makePlace);

    it('keeps a delivery once per order and channel: enqueued again, nothing new, the payload as first kept', async () => {
      const store = await open();
      expect(await store.enqueue([order('o-1'), order('o-1', 'kafka'), order('o-2')], T0)).toBe(3);
      expect(await store.enqueue([{ ...order('o-1'), payload: 'other' }, order('o-3')], at(5))).toBe(1);
      const listed = await store.list({ limit: 10 });
      expect(listed.map((d) => `${d.orderId}/${d.channel}`).sort()).toEqual(['o-1/kafka', 'o-1/webhook', 'o-2/webhook', 'o-3/webhook']);
      const first = listed.find((d) => d.orderId === 'o-1' && d.channel === 'webhook')!;
      expect(first).toMatchObject({ state: 'pending', attempts: 0, payload: order('o-1').payload, target: 'system:user-db', createdAt: T0.toISOString(),
        nextAttemptAt: T0.toISOString(), lastAttemptAt: null, lastError: null, deliveredAt: null });
      expect(await store.counts()).toEqual([{ channel: 'kafka', state: 'pending', count: 1 }, { channel: 'webhook', state: 'pending', count: 3 }]);
    });

    it('claims what is due, counts the attempt, and holds it for the lease: no second claim gets it until then', async () => {
      const [a, b] = [await open(), await open()];
      await a.enqueue([order('o-1'), order('o-2')], T0);
      await a.enqueue([order('o-3')], at(10_000));
      const claimed = await a.claim(at(1000), 30_000, 10);
      expect(claimed.map((d) => [d.orderId, d.attempts, d.lastAttemptAt])).toEqual([['o-1', 1, at(1000).toISOString()], ['o-2', 1, at(1000).toISOString()]]);
      expect(await b.claim(at(20_000), 30_000, 10)).toMatchObject([{ orderId: 'o-3', attempts: 1 }]);
      expect(await b.claim(at(30_999), 30_000, 10)).toEqual([]);
      // Never reported (the server died in the attempt): due again once the lease passed, the lost attempt counted.
      expect((await b.claim(at(31_000), 30_000, 10)).map((d) => [d.orderId, d.attempts])).toEqual([['o-1', 2], ['o-2', 2]]);
    });

    it('claims at most the limit, soonest due first', async () => {
      const store = await open();
      await store.enqueue([order('o-late')], at(500));
      await store.enqueue([order('o-early')], T0);
      expect((await store.claim(at(1000), 1000, 1)).map((d) => d.orderId)).toEqual(['o-early']);
    });

    it('gives each delivery to one of two stores claiming at once', async () => {
      const [a, b] = [await open(), await open()];
      await a.enqueue(Array.from({ length: 40 }, (_, i) => order(`o-${String(i).padStart(2, '0')}`)), T0);
      const [x, y] = await Promise.all([a.claim(at(1), 60_000, 25), b.claim(at(1), 60_000, 25)]);
      const ids = [...x, ...y].map((d) => d.orderId);
      expect(ids).toHaveLength(40);
      expect(new Set(ids).size).toBe(40);
    });

    it('retries a failure at the time given, and keeps why; gives up when told (failed, never claimed again)', async () => {
      const [writer, reader] = [await open(), await open()];
      await writer.enqueue([order('o-1'), order('o-2')], T0);
      await writer.claim(at(0), 30_000, 10);
      await writer.failed('o-1', 'webhook', { at: at(100), error: 'HTTP 500', retryAt: at(5000) });
      await writer.failed('o-2', 'webhook', { at: at(100), error: 'ECONNREFUSED', retryAt: null });
      expect(await reader.claim(at(4999), 30_000, 10)).toEqual([]);
      const again = await reader.claim(at(5000), 30_000, 10);
      expect(again).toMatchObject([{ orderId: 'o-1', attempts: 2, lastError: 'HTTP 500', state: 'pending' }]);
      const [given] = await reader.list({ orderIds: ['o-2'], limit: 10 });
      expect(given).toMatchObject({ state: 'failed', attempts: 1, lastError: 'ECONNREFUSED', nextAttemptAt: null });
      // Long after: o-1's lease has passed (claimable again), o-2 is given up for good.
      expect((await reader.claim(at(10_000_000), 30_000, 10)).map((d) => d.orderId)).toEqual(['o-1']);
    });

    it('keeps a delivery that can never be made failed at once, with why: never claimed, no attempt counted', async () => {
      const [writer, reader] = [await open(), await open()];
      await writer.enqueue([order('o-1'), { ...order('o-2'), payload: '', undeliverable: 'its message does not fit the schema (data.categories.0)' }], T0);
      expect((await reader.claim(at(10_000_000), 30_000, 10)).map((d) => d.orderId)).toEqual(['o-1']);
      const [kept] = await reader.list({ orderIds: ['o-2'], limit: 10 });
      expect(kept).toMatchObject({ state: 'failed', attempts: 0, lastError: 'its message does not fit the schema (data.categories.0)', nextAttemptAt: null });
    });

    it('marks a delivery delivered or closed: never claimed again, counted by state', async () => {
      const store = await open();
      await store.enqueue([order('o-1'), order('o-1', 'kafka'), order('o-2')], T0);
      await store.claim(at(0), 30_000, 10);
      await store.succeeded('o-1', 'webhook', at(200));
      await store.succeeded('o-1', 'kafka', at(300));
      await store.closed('o-2', 'webhook', at(400));
      expect(await store.claim(at(10_000_000), 30_000, 10)).toEqual([]);
      expect(await store.list({ orderIds: ['o-1'], limit: 10 })).toMatchObject([
        { channel: 'kafka', state: 'delivered', deliveredAt: at(300).toISOString(), nextAttemptAt: null, attempts: 1 },
        { channel: 'webhook', state: 'delivered', deliveredAt: at(200).toISOString(), nextAttemptAt: null, attempts: 1 },
      ]);
      expect(await store.counts()).toEqual([{ channel: 'kafka', state: 'delivered', count: 1 }, { channel: 'webhook', state: 'closed', count: 1 }, { channel: 'webhook', state: 'delivered', count: 1 }]);
    });

    it('lists by order and by state, bounded', async () => {
      const store = await open();
      await store.enqueue([order('o-1'), order('o-2'), order('o-3')], T0);
      await store.claim(at(0), 30_000, 1);
      await store.failed('o-1', 'webhook', { at: at(1), error: 'HTTP 503', retryAt: null });
      expect((await store.list({ states: ['failed'], limit: 10 })).map((d) => d.orderId)).toEqual(['o-1']);
      expect((await store.list({ states: ['pending'], orderIds: ['o-1', 'o-3'], limit: 10 })).map((d) => d.orderId)).toEqual(['o-3']);
      expect(await store.list({ limit: 2 })).toHaveLength(2);
      expect(await store.list({ orderIds: [], limit: 10 })).toEqual([]);
    });
  });
}
