import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../services/ledger/verify.js';
import type { RecordedEvent } from '../../services/store/port.js';
import { decodeBody } from '../../services/store/body-codec.js';
import { anEvent, registration } from '../fixtures/events.js';
import { tempLedger } from '../fixtures/temp-ledger.js';

type Ledger = Awaited<ReturnType<typeof tempLedger>>;

async function all(ledger: Ledger): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of ledger.store.readAll()) events.push(event);
  return events;
}

/** Fifty ways to get an event wrong, each with the path its error must name. */
function invalidEvent(i: number): { event: unknown; path: string } {
  const kinds: (() => { event: unknown; path: string })[] = [
    () => ({ event: anEvent('DataUsed', { data: { categories: ['contact.email', 'contact.fax'] } }), path: 'data.categories[1]' }),
    () => ({ event: { ...anEvent('DataUsed'), type: 'DataSold' }, path: 'type' }),
    () => ({ event: anEvent('DataUsed', { occurredAt: '28/11/2026' }), path: 'occurredAt' }),
    () => ({ event: anEvent('DataShared', { data: { recipient: 'CRM Inc' } }), path: 'data.recipient' }),
    () => ({ event: anEvent('DataCollected', { subject: null }), path: 'subject' }),
  ];
  return kinds[i % kinds.length]!();
}

describe('the write path', () => {
  let ledger: Ledger;
  beforeEach(async () => {
    ledger = await tempLedger();
  });
  afterEach(async () => ledger.close());

  it('stores exactly the 950 valid events of a batch of 1,000 and reports the 50 invalid ones by index and path', async () => {
    const invalidAt = new Set<number>();
    while (invalidAt.size < 50) invalidAt.add(Math.floor(Math.random() * 1000));
    const expected = new Map<number, string>();
    const batch = Array.from({ length: 1000 }, (_, index) => {
      if (!invalidAt.has(index)) return registration(`u-${index % 97}`, `user${index}@example.cn`, '+8613812345678');
      const { event, path } = invalidEvent(expected.size);
      expected.set(index, path);
      return event;
    });
    const result = await ledger.ledger.record(batch);
    expect(result.appended).toBe(950);
    expect(result.rejected).toHaveLength(50);
    for (const rejection of result.rejected) {
      expect(rejection.errors.map((e) => e.path)).toContain(expected.get(rejection.index));
    }
    const stored = await all(ledger);
    const validIds = batch.filter((_, i) => !invalidAt.has(i)).map((e) => (e as { id: string }).id);
    expect(stored.map((e) => e.id)).toEqual(validIds);
    expect((await verifyChain(ledger.store)).ok).toBe(true);
  });

  it('records the same batch twice as duplicates, answering with the original positions', async () => {
    const batch = [registration('u-1', 'a@example.cn', '+8613812345678'), anEvent('DataUsed', { subject: { id: 'u-1' } })];
    const first = await ledger.ledger.record(batch);
    const again = await ledger.ledger.record(batch);
    expect(again).toMatchObject({ appended: 0, duplicates: 2 });
    expect(again.outcomes.map((o) => (o.status === 'rejected' ? null : o.position)))
      .toEqual(first.outcomes.map((o) => (o.status === 'rejected' ? null : o.position)));
    expect(await all(ledger)).toHaveLength(2);
  });

  it('refuses an old id with new content, and stores the rest of the batch', async () => {
    const event = anEvent('DataUsed', { subject: { id: 'u-1' } });
    await ledger.ledger.record([event]);
    const changed = { ...event, data: { ...event.data, purpose: 'marketing' } };
    const result = await ledger.ledger.record([changed, anEvent('DataUsed', { subject: { id: 'u-2' } })]);
    expect(result.appended).toBe(1);
    expect(result.rejected[0]).toMatchObject({ index: 0, id: event.id, errors: [{ path: 'id' }] });
    expect(result.rejected[0]!.errors[0]!.message).toContain('with different content');
  });

  it('normalises what producers write differently into one stored form', async () => {
    const id = randomUUID();
    const event = registration('u-1', ' Li@Example.CN ', '138 1234 5678', '2026-11-28T18:15:00+08:00');
    await ledger.ledger.record([{ ...event, id }]);
    const [stored] = await all(ledger);
    expect(stored!.body.occurredAt).toBe('2026-11-28T10:15:00.000Z');
    const opened = (await ledger.ledger.open(stored!)).event as { subject: { identifiers: { value: string }[] } };
    expect(opened.subject.identifiers.map((i) => i.value)).toEqual(['li@example.cn', '+8613812345678']);
    expect(await ledger.keys.findByIdentifier('email', 'li@example.cn')).toEqual(['u-1']);
  });

  it('puts each event in its stream with gap-free revisions, and chains them', async () => {
    await ledger.ledger.record([
      anEvent('DataUsed', { subject: { id: 'u-1' } }), anEvent('LegalRequestReceived'), anEvent('DataUsed', { subject: { id: 'u-1' } }),
      anEvent('IncidentOpened'), anEvent('PolicyPublished'), anEvent('ServiceShutdownAnnounced'),
    ]);
    const stored = await all(ledger);
    expect(stored.map((e) => `${e.stream}@${e.revision}`)).toEqual([
      'subject-u-1@0', 'legal-request-lr-1@0', 'subject-u-1@1', 'incident-inc-1@0', 'policy@0', 'service-mini-game@0',
    ]);
    expect(stored.every((e) => /^[0-9a-f]{64}$/.test(e.hash ?? ''))).toBe(true);
  });

  it('never stores a personal value in clear, and the chain covers only ciphertext', async () => {
    const email = 'plaintext-check@example.cn';
    await ledger.ledger.record([registration('u-1', email, '+8613812345678')]);
    const db = new Database(ledger.paths.db, { readonly: true });
    const body = decodeBody(db.prepare<[], { body: Buffer }>('SELECT body FROM events').get()!.body);
    db.close();
    expect(body).not.toContain(email);
    expect(body).toContain('"enc":"A256GCM-PAD"');
    expect(readFileSync(ledger.paths.db).includes(email)).toBe(false);
  });
});
