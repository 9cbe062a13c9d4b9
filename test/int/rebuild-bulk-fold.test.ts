/**
 * A rebuild folds the log in memory and writes each table once (runner.ts `rebuild`): the same
 * rows as the models kept event by event, whether every row fits under the bound or the rows held
 * are written out and held again many times over; and a rebuild stopped half-way is carried on
 * from the checkpoints it left, to the same rows, no event applied twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, type OpenedLedger } from '../../services/composition/open-ledger.js';
import { demoEvents } from '../../services/demo/scenario.js';
import { readAhead } from '../../projections/read-ahead.js';
import { ProjectionRunner } from '../../projections/runner.js';
import { chainedLeaf } from '../../services/ledger/chain.js';
import { leafHash } from '../../services/merkle/rfc6962.js';
import { encodeBody } from '../../services/store/body-codec.js';
import type { SqliteEventStore } from '../../services/store/sqlite/sqlite-event-store.js';
import type { EventStore, ReadAllOptions, RecordedEvent } from '../../services/store/port.js';
import { dumpReadModels } from '../fixtures/dump-read-models.js';
import { randomWorkload } from '../fixtures/random-workload.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { join } from 'node:path';

const closing: OpenedLedger[] = [];
afterEach(async () => {
  for (const opened of closing.splice(0)) await opened.close();
});

/** A ledger whose models were kept inline, event batch by event batch, and their rows. */
async function keptIncrementally() {
  const opened = await openLedger({ db: join(makeTempDir('bulk-fold'), 'ledger.db'), env: {}, readModels: 'inline' });
  closing.push(opened);
  const events = [...demoEvents(), ...randomWorkload(3000, 7)];
  for (let i = 0, turn = 0; i < events.length; turn += 1) {
    const size = 1 + ((turn * 53) % 400);
    const result = await opened.ledger.record(events.slice(i, i + size));
    expect(result.rejected).toEqual([]);
    i += size;
  }
  return { opened, kept: dumpReadModels(opened.readModelsDb) };
}

/** The store, but its readAll fails after `events` events (a rebuild killed half-way). */
function failingAfter(store: EventStore, events: number): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'readAll') return Reflect.get(target, property, receiver) as unknown;
      return async function* readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
        let read = 0;
        for await (const event of target.readAll(options)) {
          if (read === events) throw new Error('stopped half-way');
          read += 1;
          yield event;
        }
      };
    },
  });
}

describe('rebuild by bulk fold', () => {
  it('gives the rows kept incrementally, with every row held to the end and with rows written out every few events', async () => {
    const { opened, kept } = await keptIncrementally();
    expect(Object.keys(kept).filter((table) => table.includes('(0 rows)'))).toEqual([]);
    const runner = opened.projectionRunner!;
    const head = (await opened.store.head()).position;
    expect(await runner.rebuild(opened.store)).toBe(head);
    expect(dumpReadModels(opened.readModelsDb)).toEqual(kept);
    // Over the bound after nearly every page: written out and held again over tables already holding rows.
    expect(await runner.rebuild(opened.store, undefined, { holdUpTo: 40 })).toBe(head);
    expect(dumpReadModels(opened.readModelsDb)).toEqual(kept);
    // The runner goes on applying appends after a rebuild, as before it.
    const more = randomWorkload(200, 8).map((event, i) => ({ ...event, id: `0190a6b1-0000-7000-9000-${String(i).padStart(12, '0')}` }));
    expect((await opened.ledger.record(more)).rejected).toEqual([]);
    const after = dumpReadModels(opened.readModelsDb);
    await runner.rebuild(opened.store);
    expect(dumpReadModels(opened.readModelsDb)).toEqual(after);
  });

  it.each([
    ['every row held', Number.POSITIVE_INFINITY],
    ['rows written out on the way', 300],
  ])('stopped half-way (%s), the next open carries it on to the same rows', async (_, holdUpTo) => {
    const { opened, kept } = await keptIncrementally();
    const head = (await opened.store.head()).position;
    // Past the first page of 2,000 events (one transaction each), short of the last.
    expect(head).toBeGreaterThan(2200);
    // Read here, not ahead on a thread: the failure is the store's (as any store's read may fail).
    await expect(opened.projectionRunner!.rebuild(failingAfter(opened.store, head - 137), undefined, { holdUpTo, readAhead: false }))
      .rejects.toThrow('stopped half-way');
    // What the next start does: a runner on the same file catches each model up from its checkpoint.
    const next = new ProjectionRunner(opened.readModelsDb);
    expect(next.position).toBeLessThan(head);
    await next.catchUp(opened.store);
    expect(next.position).toBe(head);
    expect(dumpReadModels(opened.readModelsDb)).toEqual(kept);
  });

  it('read ahead on a thread: the same events as the store reads, each leaf hashed as the tree hashes it; a body that does not decode stops the rebuild half-way, named, and the next open carries on', async () => {
    const { opened, kept } = await keptIncrementally();
    const file = (opened.store as SqliteEventStore).db.name;
    const pages = readAhead(file, 500);
    expect(pages).not.toBeNull();
    const read: RecordedEvent[] = [];
    for await (const { events, leafHashes } of pages!) {
      expect(events.length).toBeLessThanOrEqual(500);
      events.forEach((event, i) => expect(leafHashes[i]).toEqual(leafHash(chainedLeaf({ ...event, body: event.body }))));
      read.push(...events);
    }
    const stored: RecordedEvent[] = [];
    for await (const event of opened.store.readAll()) stored.push(event);
    expect(read).toEqual(stored);

    const head = stored.length;
    const at = head - 137;
    const db = (opened.store as SqliteEventStore).db;
    const original = db.prepare<[number], { body: Buffer }>('SELECT body FROM events WHERE position = ?').get(at)!.body;
    db.prepare('UPDATE events SET body = substr(body, 1, length(body) - 3) WHERE position = ?').run(at);
    await expect(opened.projectionRunner!.rebuild(opened.store)).rejects.toMatchObject({ code: 'TAMPERED', message: `position ${at}: its compressed body does not decode` });
    // A body that decodes to text that is not JSON: named by position, never quoting what the parser saw.
    db.prepare('UPDATE events SET body = ? WHERE position = ?').run(encodeBody('alice@example.com is not JSON'), at);
    const notJson = await opened.projectionRunner!.rebuild(opened.store).catch((error: unknown) => error);
    expect(notJson).toMatchObject({ code: 'TAMPERED', message: `position ${at}: its body is not valid JSON` });
    expect(String((notJson as Error).message)).not.toContain('alice');
    db.prepare('UPDATE events SET body = ? WHERE position = ?').run(original, at);
    const next = new ProjectionRunner(opened.readModelsDb);
    expect(next.position).toBeLessThan(at);
    await next.catchUp(opened.store);
    expect(dumpReadModels(opened.readModelsDb)).toEqual(kept);
  });
});
