/**
 * Deleted means gone (README "Erasure in an immutable ledger"): each category's values are sealed
 * under a key of their own, destroyed when the category is deleted from every system that held
 * it; the blind index follows the subject's current identifiers; sealed values are padded so a
 * ciphertext does not tell a value's length. On a real ledger on real files.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chainedLeaf } from '../../services/ledger/chain.js';
import { anEvent, registration } from '../fixtures/events.js';
import { tempLedger } from '../fixtures/temp-ledger.js';

let ledger: Awaited<ReturnType<typeof tempLedger>> | null = null;
afterEach(async () => {
  await ledger?.close();
  ledger = null;
});

async function opened() {
  ledger = await tempLedger();
  const l = ledger;
  return {
    l,
    async record(events: readonly unknown[]) {
      const result = await l.ledger.record(events);
      expect(result.rejected).toEqual([]);
      return result;
    },
    /** Every value of the subject's events as a reader allowed to see values gets them. */
    async valuesOf(subjectId: string) {
      const events = await l.store.readStream(`subject-${subjectId}`);
      return (await l.ledger.openAll(events)).flatMap(({ event }) => {
        const values = 'values' in event.data && event.data.values ? Object.entries(event.data.values) : [];
        return [...values, ...(event.subject?.identifiers ?? []).map(({ kind, value }) => [`identifier:${kind}`, value] as const)];
      });
    },
  };
}

const deleted = (subjectId: string, categories: string[] | 'all', systems?: string[]) =>
  anEvent('DataDeleted', { subject: { id: subjectId }, data: { categories, method: 'delete', reason: 'subject-request', ...(systems ? { systems } : {}) } });
const collectedIn = (subjectId: string, system: string, phone: string) => anEvent('DataCollected', {
  subject: { id: subjectId },
  data: { categories: ['contact.phone'], values: { 'contact.phone': phone }, storage: { system, kind: 'database', region: 'CN' } },
});

describe('deleted means gone', () => {
  it('after DataDeleted "all", no value of the subject opens again, for anyone; the e-mail and phone find nobody', async () => {
    const g = await opened();
    await g.record([registration('u-del', 'gone@example.cn', '+8613800002222')]);
    expect(await g.l.keys.findByIdentifier('email', 'gone@example.cn')).toEqual(['u-del']);
    await g.record([deleted('u-del', 'all')]);
    expect((await g.valuesOf('u-del')).filter(([, value]) => value !== null)).toEqual([]);
    expect(await g.l.keys.findByIdentifier('email', 'gone@example.cn')).toEqual([]);
    expect(await g.l.keys.findByIdentifier('phone', '+8613800002222')).toEqual([]);
    expect(await g.l.keys.isErased('u-del')).toBe(false); // a deletion, not an erasure: the subject goes on
    // A value collected afterwards is sealed under a fresh key and reads.
    await g.record([collectedIn('u-del', 'user-db', '+8613800003333')]);
    expect((await g.valuesOf('u-del')).filter(([, value]) => value !== null)).toEqual([['contact.phone', '+8613800003333']]);
  });

  it('a deletion from one of two systems keeps the values (the other still holds them); from both, they are gone', async () => {
    const g = await opened();
    await g.record([collectedIn('u-two', 'user-db', '+8613800004444'), collectedIn('u-two', 'crm', '+8613800004444')]);
    await g.record([deleted('u-two', ['contact.phone'], ['user-db'])]);
    expect((await g.valuesOf('u-two')).map(([, v]) => v)).toEqual(['+8613800004444', '+8613800004444']);
    await g.record([deleted('u-two', ['contact.phone'], ['crm'])]);
    expect((await g.valuesOf('u-two')).map(([, v]) => v)).toEqual([null, null]);
  });

  it('deleting one category leaves the others readable, and survives a restart (applied again from the log, never to a newer key)', async () => {
    const g = await opened();
    await g.record([registration('u-one', 'kept@example.cn', '+8613800005555')]);
    await g.record([deleted('u-one', ['contact.phone'])]);
    const values = await g.valuesOf('u-one');
    expect(values.filter(([, v]) => v !== null).map(([k]) => k).sort()).toEqual(['contact.email', 'identifier:email']);
    expect(values.filter(([, v]) => v === null).map(([k]) => k).sort()).toEqual(['contact.phone', 'identifier:phone']);
    await g.record([collectedIn('u-one', 'user-db', '+8613800006666')]);
    // The catch-up at open replays the deletion by its recordedAt: the phone collected after it stays readable.
    const { openLedger } = await import('../../services/composition/open-ledger.js');
    await g.l.close();
    ledger = Object.assign(await openLedger({ db: g.l.paths.db, env: {} }), { dir: g.l.dir });
    const reopened = await ledger.store.readStream('subject-u-one');
    expect((await ledger.ledger.openAll(reopened)).map((o) => o.event).map((e) => ('values' in e.data ? e.data.values : null))).toEqual([
      { 'contact.email': 'kept@example.cn', 'contact.phone': null }, null, { 'contact.phone': '+8613800006666' },
    ]);
  });

  it('a rectified e-mail: the old one finds nobody, the new one the subject; the same old value given as an identifier still counts', async () => {
    const g = await opened();
    await g.record([anEvent('DataCollected', { subject: { id: 'u-rect' }, data: { categories: ['contact.email'], values: { 'contact.email': 'old@example.cn' } } })]);
    expect(await g.l.keys.findByIdentifier('email', 'old@example.cn')).toEqual(['u-rect']);
    await g.record([anEvent('DataRectified', { subject: { id: 'u-rect' }, data: { categories: ['contact.email'], values: { 'contact.email': 'new@example.cn' } } })]);
    expect(await g.l.keys.findByIdentifier('email', 'old@example.cn')).toEqual([]);
    expect(await g.l.keys.findByIdentifier('email', 'new@example.cn')).toEqual(['u-rect']);

    await g.record([anEvent('DataUsed', { subject: { id: 'u-id', identifiers: [{ kind: 'email', value: 'both@example.cn' }] } })]);
    await g.record([anEvent('DataCollected', { subject: { id: 'u-id' }, data: { categories: ['contact.email'], values: { 'contact.email': 'both@example.cn' } } })]);
    await g.record([anEvent('DataRectified', { subject: { id: 'u-id' }, data: { categories: ['contact.email'], values: { 'contact.email': 'other@example.cn' } } })]);
    expect(await g.l.keys.findByIdentifier('email', 'both@example.cn')).toEqual(['u-id']);
    expect(await g.l.keys.findByIdentifier('email', 'other@example.cn')).toEqual(['u-id']);
  });

  it('sealed values are padded: a 1- and a 20-character value give proof leaves of equal length', async () => {
    const g = await opened();
    const of = (value: string) => anEvent('DataCollected', { subject: { id: 'u-pad' }, data: { categories: ['behavior.click'], values: { 'behavior.click': value } } });
    await g.record([of('a'), of('x'.repeat(20))]);
    const [short, long] = await g.l.store.readStream('subject-u-pad');
    const ct = (body: object) => /"ct":"([^"]+)"/.exec(JSON.stringify(body))![1]!;
    expect(ct(short!.body).length).toBe(ct(long!.body).length);
    expect(chainedLeaf(short!).length).toBe(chainedLeaf(long!).length);
    expect((await g.valuesOf('u-pad')).map(([, v]) => v)).toEqual(['a', 'x'.repeat(20)]);
  });
});
