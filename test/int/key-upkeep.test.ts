/**
 * The key upkeep (services/ledger/key-upkeep.ts) as a projection of the log into the key store:
 * what a crash between the append and the key-store step leaves is carried at the next open;
 * carrying the log again — from an earlier position, or a retried event — changes nothing; the
 * blind index rebuilt from the log is the one kept as events came. Real ledgers on real files.
 */
import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, type OpenedLedger } from '../../services/composition/open-ledger.js';
import { anEvent, registration } from '../fixtures/events.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { rewindUpkeep } from '../fixtures/rewind-upkeep.js';

const opened: OpenedLedger[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((ledger) => ledger.close()));
});

async function open(db: string): Promise<OpenedLedger> {
  const ledger = await openLedger({ db, env: {} });
  opened.push(ledger);
  return ledger;
}

async function close(ledger: OpenedLedger): Promise<void> {
  opened.splice(opened.indexOf(ledger), 1);
  await ledger.close();
}

async function record(ledger: OpenedLedger, events: readonly unknown[]): Promise<void> {
  const result = await ledger.ledger.record(events);
  expect(result.rejected).toEqual([]);
}

const collected = (subjectId: string, email: string) => anEvent('DataCollected', { subject: { id: subjectId }, data: { values: { 'contact.email': email } } });
const rectified = (subjectId: string, email: string) => anEvent('DataRectified', { subject: { id: subjectId }, data: { values: { 'contact.email': email } } });
const erased = (subjectId: string) => anEvent('SubjectErased', { subject: { id: subjectId } });

/** Every value of the subject's events, opened. */
async function valuesOf(ledger: OpenedLedger, subjectId: string): Promise<(string | null)[]> {
  const events = await ledger.store.readStream(`subject-${subjectId}`);
  return (await ledger.ledger.openAll(events)).flatMap(({ event }) => {
    return 'values' in event.data && event.data.values ? Object.values(event.data.values) : [];
  });
}

/** The key store's rows, as a comparable picture (the file itself holds no plaintext to compare). */
function keyStoreRows(db: string) {
  const keys = new Database(db.replace(/\.db$/, '.keys.db'), { readonly: true });
  try {
    return {
      keys: keys.prepare('SELECT kid, subject_id, category, systems FROM subject_keys ORDER BY kid').all(),
      index: keys.prepare("SELECT hex(digest) AS digest, subject_id, kind, source FROM blind_index ORDER BY digest, subject_id").all(),
      erasures: keys.prepare('SELECT subject_id, kid, event_id FROM erasures ORDER BY subject_id, kid').all(),
      deletions: keys.prepare('SELECT subject_id, kid, category, event_id FROM category_deletions ORDER BY subject_id, kid').all(),
    };
  } finally {
    keys.close();
  }
}

/**
 * A history with every step the upkeep takes: identifiers collected and given, an e-mail
 * rectified, a category deleted everywhere, a subject erased and collected anew afterwards.
 */
async function history(ledger: OpenedLedger): Promise<void> {
  await record(ledger, [registration('u-1', 'one@example.cn', '+8613800000001'), registration('u-2', 'two@example.cn', '+8613800000002')]);
  await record(ledger, [anEvent('DataUsed', { subject: { id: 'u-3', identifiers: [{ kind: 'email', value: 'three@example.cn' }] } })]);
  await record(ledger, [rectified('u-1', 'one.new@example.cn')]);
  await record(ledger, [anEvent('DataDeleted', { subject: { id: 'u-1' }, data: { categories: ['contact.phone'], systems: undefined } })]);
  await record(ledger, [erased('u-2')]);
  await record(ledger, [collected('u-2', 'two.again@example.cn')]);
}

describe('the key upkeep', () => {
  it('carries a rectification appended before a crash at the next open: the replaced e-mail finds nobody', async () => {
    const dir = makeTempDir('upkeep');
    const db = join(dir, 'ledger.db');
    const first = await open(db);
    await record(first, [collected('u-rect', 'old@example.cn')]);
    await close(first);
    // The key store as it was before the rectification: what a crash between its append and the key-store step leaves.
    copyFileSync(join(dir, 'ledger.keys.db'), join(dir, 'before.keys.db'));
    const second = await open(db);
    await record(second, [rectified('u-rect', 'new@example.cn')]);
    await close(second);
    copyFileSync(join(dir, 'before.keys.db'), join(dir, 'ledger.keys.db'));

    const reopened = await open(db);
    expect(await reopened.keys.findByIdentifier('email', 'new@example.cn')).toEqual(['u-rect']);
    expect(await reopened.keys.findByIdentifier('email', 'old@example.cn')).toEqual([]);
  });

  it('takes back an e-mail rectified in the same batch it was collected in', async () => {
    const ledger = await open(join(makeTempDir('upkeep'), 'ledger.db'));
    await record(ledger, [collected('u-batch', 'first@example.cn'), rectified('u-batch', 'second@example.cn')]);
    expect(await ledger.keys.findByIdentifier('email', 'first@example.cn')).toEqual([]);
    expect(await ledger.keys.findByIdentifier('email', 'second@example.cn')).toEqual(['u-batch']);
  });

  it('applies an erasure again from the log without destroying the keys made after it', async () => {
    // The positions stop short of the erasure: another writer appended before it and died before its key-store step.
    const db = join(makeTempDir('upkeep'), 'ledger.db');
    const writer = await open(db);
    await record(writer, [registration('u-back', 'before@example.cn', '+8613800000003')]);
    const dead = await open(db);
    const unfinished = anEvent('DataUsed', { subject: { id: 'u-elsewhere' } });
    await dead.store.append('subject-u-elsewhere', [{ id: unfinished.id, type: unfinished.type, body: unfinished as never }]);
    await close(dead);
    await record(writer, [erased('u-back')]);
    await record(writer, [collected('u-back', 'after@example.cn')]);
    expect((await writer.keys.upkeepPosition()).erasures).toBeLessThan((await writer.store.head()).position);
    await close(writer);

    const reopened = await open(db);
    expect(await reopened.keys.isErased('u-back')).toBe(true);
    expect((await valuesOf(reopened, 'u-back')).filter((value) => value !== null)).toEqual(['after@example.cn']);
    expect(await reopened.keys.findByIdentifier('email', 'after@example.cn')).toEqual(['u-back']);
    expect(await reopened.keys.findByIdentifier('email', 'before@example.cn')).toEqual([]);
  });

  it('changes nothing when events are sent again: a retried registration brings no deleted phone back, a retried erasure destroys nothing new', async () => {
    const db = join(makeTempDir('upkeep'), 'ledger.db');
    const ledger = await open(db);
    const registered = registration('u-retry', 'retry@example.cn', '+8613800000004');
    const erasure = erased('u-retry');
    await record(ledger, [registered]);
    await record(ledger, [anEvent('DataDeleted', { subject: { id: 'u-retry' }, data: { categories: ['contact.phone'], systems: undefined } })]);
    expect((await ledger.ledger.record([registered])).duplicates).toBe(1);
    expect(await ledger.keys.findByIdentifier('phone', '+8613800000004')).toEqual([]);
    expect(await ledger.keys.findByIdentifier('email', 'retry@example.cn')).toEqual(['u-retry']);

    await record(ledger, [erasure]);
    await record(ledger, [collected('u-retry', 'retry.again@example.cn')]);
    const before = keyStoreRows(db);
    expect((await ledger.ledger.record([erasure])).duplicates).toBe(1);
    expect((await valuesOf(ledger, 'u-retry')).filter((value) => value !== null)).toEqual(['retry.again@example.cn']);
    expect(await ledger.keys.findByIdentifier('email', 'retry.again@example.cn')).toEqual(['u-retry']);
    expect(keyStoreRows(db)).toEqual(before);
  });

  it('changes nothing when the log is carried again from position 0', async () => {
    const db = join(makeTempDir('upkeep'), 'ledger.db');
    const ledger = await open(db);
    await history(ledger);
    await close(ledger);
    rewindUpkeep(ledger.paths.keys, { erasures: 0, index: 0 });
    const before = keyStoreRows(db);

    const reopened = await open(db);
    expect(keyStoreRows(db)).toEqual(before);
    expect(await reopened.keys.upkeepPosition()).toEqual({ erasures: (await reopened.store.head()).position, index: (await reopened.store.head()).position });
    expect((await valuesOf(reopened, 'u-2')).filter((value) => value !== null)).toEqual(['two.again@example.cn']);
  });

  it('rebuilds the blind index from the log: the same entries as kept while events came, and no key destroyed', async () => {
    const db = join(makeTempDir('upkeep'), 'ledger.db');
    const ledger = await open(db);
    await history(ledger);
    const kept = keyStoreRows(db);
    expect(kept.index).toHaveLength(4);

    const raw = new Database(db.replace(/\.db$/, '.keys.db'));
    raw.prepare("DELETE FROM blind_index WHERE subject_id = 'u-1'").run();
    raw.close();
    expect(await ledger.keys.findByIdentifier('email', 'one.new@example.cn')).toEqual([]);
    const carried = await ledger.ledger.upkeep.rebuild(ledger.store);

    expect(carried).toBe((await ledger.store.head()).position);
    expect(keyStoreRows(db)).toEqual(kept);
    expect(await ledger.keys.findByIdentifier('email', 'one.new@example.cn')).toEqual(['u-1']);
    expect(await ledger.keys.findByIdentifier('email', 'one@example.cn')).toEqual(['u-1']); // given as an identifier, it stays
    expect(await ledger.keys.findByIdentifier('phone', '+8613800000001')).toEqual([]); // deleted everywhere
    expect(await ledger.keys.findByIdentifier('email', 'two@example.cn')).toEqual([]); // erased
    expect(await ledger.keys.findByIdentifier('email', 'two.again@example.cn')).toEqual(['u-2']);
    expect(await ledger.keys.findByIdentifier('email', 'three@example.cn')).toEqual(['u-3']);
  });
});
