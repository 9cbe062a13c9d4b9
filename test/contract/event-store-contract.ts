/**
 * One contract for every adapter of the store port. An adapter's test file calls
 * `eventStoreContract` with a factory that gives a fresh, empty store.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyConflictError, WrongExpectedVersionError } from '../../services/store/errors.js';
import type { EventStore, EventToAppend, RecordedEvent } from '../../services/store/port.js';

export interface StoreUnderTest {
  readonly store: EventStore;
  dispose(): Promise<void>;
}

const event = (type = 'Thing', body: Record<string, string | number> = {}): EventToAppend => {
  const id = randomUUID();
  return { id, type, body: { id, type, ...body } };
};

async function collect(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

export interface StoreCapabilities {
  /**
   * Whether an id already used in another stream is caught. The embedded store has one index of
   * ids; EventStoreDB checks ids per stream only (the ledger derives a stream from the event,
   * so the same event always goes to the same stream).
   */
  readonly crossStreamIdConflicts?: boolean;
}

export function eventStoreContract(name: string, open: () => Promise<StoreUnderTest>, capabilities: StoreCapabilities = {}): void {
  describe(`event store contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: EventStore;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => subject.dispose());

    describe('append', () => {
      it('gives revisions per stream and positions across streams, in order', async () => {
        await store.append('subject-a', [event(), event()]);
        await store.append('subject-b', [event()]);
        const third = await store.append('subject-a', [event()]);
        expect(third.nextExpectedRevision).toBe(2);
        const all = await collect(store.readAll());
        expect(all.map((e) => [e.stream, e.revision])).toEqual([
          ['subject-a', 0], ['subject-a', 1], ['subject-b', 0], ['subject-a', 2],
        ]);
        const positions = all.map((e) => e.position);
        expect([...positions].sort((x, y) => x - y)).toEqual(positions);
        expect(new Set(positions).size).toBe(4);
      });

      it("accepts 'no-stream' only for a new stream", async () => {
        await store.append('subject-a', [event()], { expectedRevision: 'no-stream' });
        await expect(store.append('subject-a', [event()], { expectedRevision: 'no-stream' }))
          .rejects.toBeInstanceOf(WrongExpectedVersionError);
      });

      it('accepts an exact revision only when the stream is at it', async () => {
        await store.append('subject-a', [event(), event()]);
        const result = await store.append('subject-a', [event()], { expectedRevision: 1 });
        expect(result.nextExpectedRevision).toBe(2);
        const stale = store.append('subject-a', [event()], { expectedRevision: 1 });
        await expect(stale).rejects.toBeInstanceOf(WrongExpectedVersionError);
        await expect(stale).rejects.toMatchObject({ code: 'CONFLICT', stream: 'subject-a', actual: 2 });
        await expect(store.append('subject-new', [event()], { expectedRevision: 0 }))
          .rejects.toMatchObject({ actual: 'no-stream' });
        expect(await store.readStream('subject-a')).toHaveLength(3);
      });

      it('treats the same id again as a no-op that answers with the original position', async () => {
        const first = event();
        const original = await store.append('subject-a', [first]);
        await store.append('subject-a', [event()]);
        const again = await store.append('subject-a', [first], { expectedRevision: 'no-stream' });
        expect(again.outcomes[0]).toMatchObject({ status: 'duplicate', id: first.id, revision: 0 });
        const originalOutcome = original.outcomes[0];
        expect(originalOutcome?.status).toBe('appended');
        if (originalOutcome?.status === 'appended') {
          expect(again.outcomes[0]).toMatchObject({ position: originalOutcome.position });
        }
        expect(await collect(store.readAll())).toHaveLength(2);
      });

      it('refuses the same id with different content as a conflict', async () => {
        const first = event('Thing', { n: 1 });
        await store.append('subject-a', [first]);
        await expect(store.append('subject-a', [{ ...first, body: { ...first.body, n: 2 } }]))
          .rejects.toBeInstanceOf(IdempotencyConflictError);
        expect(await collect(store.readAll())).toHaveLength(1);
      });

      it.skipIf(capabilities.crossStreamIdConflicts === false)('refuses the same id in another stream as a conflict (not checked: this store checks ids per stream)', async () => {
        const first = event('Thing', { n: 1 });
        await store.append('subject-a', [first]);
        await expect(store.append('subject-b', [first])).rejects.toMatchObject({ code: 'CONFLICT' });
        expect(await collect(store.readAll())).toHaveLength(1);
      });

      it('compares content by the digest the writer gives when it gives one', async () => {
        const first = { ...event(), digest: 'content-1' };
        await store.append('subject-a', [first]);
        const retry = await store.append('subject-a', [{ ...first, body: { ...first.body, nonce: 'other' } }]);
        expect(retry.outcomes[0]?.status).toBe('duplicate');
        await expect(store.append('subject-a', [{ ...first, digest: 'content-2' }])).rejects.toBeInstanceOf(IdempotencyConflictError);
      });

      it('appends to many streams at once, reporting conflicts per event without blocking the rest', async () => {
        const taken = event();
        await store.append('subject-a', [taken]);
        const results = await store.appendMany([
          { stream: 'subject-a', events: [event(), { ...taken, body: { ...taken.body, changed: 1 } }] },
          { stream: 'subject-b', events: [event(), event()] },
        ]);
        expect(results.map((r) => r.outcomes.map((o) => o.status))).toEqual([['appended', 'conflict'], ['appended', 'appended']]);
        expect(await collect(store.readAll())).toHaveLength(4);
      });

      it('writes nothing of a multi-stream append when one expected revision fails', async () => {
        await store.append('subject-a', [event()]);
        await expect(store.appendMany([
          { stream: 'subject-b', events: [event()] },
          { stream: 'subject-a', events: [event()], expectedRevision: 'no-stream' },
        ])).rejects.toBeInstanceOf(WrongExpectedVersionError);
        expect(await collect(store.readAll())).toHaveLength(1);
      });
    });

    describe('read', () => {
      it('reads a stream from a revision, and an unknown stream as empty', async () => {
        const events = [event(), event(), event()];
        await store.append('subject-a', events);
        const tail = await store.readStream('subject-a', { fromRevision: 1 });
        expect(tail.map((e) => e.id)).toEqual([events[1]!.id, events[2]!.id]);
        expect(tail[0]?.body).toEqual(events[1]!.body);
        expect(await store.readStream('subject-none')).toEqual([]);
      });

      it('reads all after a position, with a limit and a type filter', async () => {
        for (let i = 0; i < 5; i++) await store.append(`subject-${i}`, [event(i % 2 === 0 ? 'Even' : 'Odd')]);
        const all = await collect(store.readAll());
        const afterSecond = await collect(store.readAll({ after: all[1]!.position }));
        expect(afterSecond.map((e) => e.id)).toEqual(all.slice(2).map((e) => e.id));
        expect(await collect(store.readAll({ after: all[1]!.position, limit: 2 }))).toHaveLength(2);
        expect((await collect(store.readAll({ types: ['Odd'] }))).map((e) => e.type)).toEqual(['Odd', 'Odd']);
        const head = await store.head();
        expect(head.position).toBe(all[4]!.position);
      });

      it('reads events by position, in position order, leaving out positions not in the log', async () => {
        const events = [event(), event(), event(), event()];
        await store.append('subject-a', events);
        const all = await collect(store.readAll());
        const picked = await store.readPositions([all[3]!.position, all[0]!.position, all[2]!.position, all[3]!.position + 100]);
        expect(picked.map((e) => e.id)).toEqual([events[0]!.id, events[2]!.id, events[3]!.id]);
        expect(picked[0]).toEqual(all[0]);
      });

      it('reads more events than one page holds, in order', async () => {
        const batch = Array.from({ length: 2500 }, () => event());
        await store.append('subject-bulk', batch);
        const all = await collect(store.readAll());
        expect(all.map((e) => e.id)).toEqual(batch.map((e) => e.id));
      });
    });

    describe('subscribeAll', () => {
      it('catches up from a checkpoint, then delivers live appends in order', async () => {
        const early = [event(), event(), event()];
        await store.append('subject-a', early);
        const [first] = await collect(store.readAll({ limit: 1 }));
        const seen: string[] = [];
        let resolveLive!: () => void;
        const live = new Promise<void>((resolve) => (resolveLive = resolve));
        const late = [event(), event()];
        const subscription = store.subscribeAll({ after: first!.position, batchSize: 2 }, (events) => {
          seen.push(...events.map((e) => e.id));
          if (seen.length === 4) resolveLive();
        });
        await store.append('subject-b', late);
        await live;
        await subscription.stop();
        expect(seen).toEqual([early[1]!.id, early[2]!.id, late[0]!.id, late[1]!.id]);
      });

      it('ends with the handler error, and stop() waits for a running handler', async () => {
        await store.append('subject-a', [event()]);
        const failing = store.subscribeAll({ after: 0 }, () => {
          throw new Error('projection failed');
        });
        await expect(failing.done).rejects.toThrow('projection failed');
        let finished = false;
        const slow = store.subscribeAll({ after: 0 }, async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          finished = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 10));
        await slow.stop();
        expect(finished).toBe(true);
      });
    });
  });
}
