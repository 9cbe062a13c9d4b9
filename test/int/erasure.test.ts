/**
 * Erasure in an immutable ledger: given a subject's values on disk, when the subject is
 * erased, then no file of the data directory holds them in any encoding, the ledger still
 * verifies, and everybody else's data still reads.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyMismatchError } from '../../services/ledger/keys/key-store.js';
import { openLedger } from '../../services/composition/open-ledger.js';
import { verifyChain } from '../../services/ledger/verify.js';
import { bodyDigest } from '../../services/store/digest.js';
import type { RecordedEvent } from '../../services/store/port.js';
import { anEvent, registration } from '../fixtures/events.js';
import { findInFiles, valueNeedles } from '../fixtures/scan-files.js';
import { tempLedger } from '../fixtures/temp-ledger.js';

type Ledger = Awaited<ReturnType<typeof tempLedger>>;

const ERASED = { id: 'u-erased', email: 'wang.fang.erased@example.cn', phone: '+8613900001111', device: 'IDFA-5F1E-ERASED-7C2A' };
const KEPT = { id: 'u-kept', email: 'zhao.lei.kept@example.cn', phone: '+8613900002222' };

const deviceCollected = (subjectId: string, device: string) => anEvent('DataCollected', {
  subject: { id: subjectId },
  data: {
    categories: ['device.identifier'], values: { 'device.identifier': device }, source: 'automatic', method: 'sdk',
    purposes: ['service-security'], legalBasis: 'legitimate-interest', storage: { system: 'web-log', kind: 'server-log', region: 'CN' },
  },
});

async function readSubject(ledger: Ledger, subjectId: string) {
  const events = await ledger.store.readStream(`subject-${subjectId}`);
  return ledger.ledger.openAll(events);
}

const wrappedKeysOf = (keysPath: string, subjectId: string): Buffer[] => {
  const db = new Database(keysPath, { readonly: true });
  const rows = db.prepare<[string], { wrapped: Buffer }>('SELECT wrapped FROM subject_keys WHERE subject_id = ?').all(subjectId);
  db.close();
  return rows.map((row) => row.wrapped);
};

const fingerprint = (dir: string) => Object.fromEntries(readdirSync(dir).map((name) =>
  [name, createHash('sha256').update(readFileSync(join(dir, name))).digest('hex')]));

describe('erasure by crypto-shredding', () => {
  let ledger: Ledger;
  let registered: ReturnType<typeof registration>;
  beforeEach(async () => {
    ledger = await tempLedger();
    registered = registration(ERASED.id, ERASED.email, ERASED.phone);
    const result = await ledger.ledger.record([
      registered, registration(KEPT.id, KEPT.email, KEPT.phone), deviceCollected(ERASED.id, ERASED.device),
    ]);
    expect(result.appended).toBe(3);
  });
  afterEach(async () => ledger.close());

  it('given values on disk, when erased, then no file holds them in UTF-8, UTF-16LE or base64, and the ledger verifies', async () => {
    // Given: the values read back, and the subject is found by e-mail.
    const before = await readSubject(ledger, ERASED.id);
    expect(JSON.stringify(before.map((e) => e.event))).toContain(ERASED.email);
    expect(await ledger.keys.findByIdentifier('email', ERASED.email)).toEqual([ERASED.id]);
    const wrappedKeys = wrappedKeysOf(ledger.paths.keys, ERASED.id);
    // The subject's own key (content digests) and one per category with values: e-mail, phone, device id.
    expect(wrappedKeys).toHaveLength(4);

    // When
    const erased = await ledger.ledger.record([anEvent('SubjectErased', { subject: { id: ERASED.id } })]);
    expect(erased.appended).toBe(1);
    ledger.readModelsDb.pragma('wal_checkpoint(TRUNCATE)');

    // Then: nothing of the values, nor of the wrapped key, in any file (database, WAL, shm, key store, journal).
    const needles = { ...valueNeedles([ERASED.email, ERASED.phone, ERASED.device]), ...Object.fromEntries(wrappedKeys.map((key, i) => [`wrapped data key ${i}`, key])) };
    expect(findInFiles(ledger.dir, needles)).toEqual([]);
    expect(readdirSync(ledger.dir).sort()).toEqual(expect.arrayContaining(['ledger.db', 'ledger.keys.db', 'ledger.master.key']));

    const after = await readSubject(ledger, ERASED.id);
    expect(after.reduce((n, e) => n + e.sealed, 0)).toBe(5);
    expect(after.reduce((n, e) => n + e.unreadable, 0)).toBe(5);
    const collected = after[0]!.event as { data: { values: Record<string, unknown> }; subject: { identifiers: { value: unknown }[] } };
    expect(collected.data.values).toEqual({ 'contact.email': null, 'contact.phone': null });
    expect(collected.subject.identifiers.map((i) => i.value)).toEqual([null, null]);
    expect(await ledger.keys.findByIdentifier('email', ERASED.email)).toEqual([]);
    expect(await ledger.keys.findByIdentifier('phone', ERASED.phone)).toEqual([]);
    expect((await verifyChain(ledger.store)).ok).toBe(true);

    // Everybody else is untouched.
    const kept = await readSubject(ledger, KEPT.id);
    expect(JSON.stringify(kept[0]!.event)).toContain(KEPT.email);
    expect(await ledger.keys.findByIdentifier('email', KEPT.email)).toEqual([KEPT.id]);

    // And after a restart too.
    await ledger.close();
    expect(findInFiles(ledger.dir, needles)).toEqual([]);
    const reopened = await openLedger({ db: ledger.paths.db, env: {} });
    expect(JSON.stringify((await reopened.ledger.openAll(await reopened.store.readStream(`subject-${KEPT.id}`))).map((o) => o.event))).toContain(KEPT.email);
    expect(await reopened.keys.isErased(ERASED.id)).toBe(true);
    await reopened.close();
    ledger = await openLedger({ db: ledger.paths.db, env: {} }) as Ledger;
  });

  it('is idempotent, seals later events under a fresh key, and never brings erased values back', async () => {
    const erase = anEvent('SubjectErased', { subject: { id: ERASED.id } });
    await ledger.ledger.record([erase]);
    const again = await ledger.ledger.record([erase, anEvent('SubjectErased', { subject: { id: ERASED.id } })]);
    expect(again.rejected).toEqual([]);
    expect(again.outcomes.map((o) => o.status)).toEqual(['duplicate', 'appended']);

    // A re-delivered registration from before the erasure: a duplicate, not a comeback.
    const redelivered = await ledger.ledger.record([registered]);
    expect(redelivered.outcomes[0]).toMatchObject({ status: 'duplicate', note: expect.stringContaining('erased') });
    expect(await ledger.keys.findByIdentifier('email', ERASED.email)).toEqual([]);

    // A new registration after the erasure: sealed under a new key, readable, findable.
    const newEmail = 'wang.fang.new@example.cn';
    await ledger.ledger.record([registration(ERASED.id, newEmail, '+8613900003333')]);
    const events = await readSubject(ledger, ERASED.id);
    const kids = new Set(events.flatMap((e) => JSON.stringify(e.event).match(/"kid":"[^"]+"/g) ?? []));
    expect(kids.size).toBe(0); // opened events carry values, not envelopes
    const stored = await ledger.store.readStream(`subject-${ERASED.id}`);
    const sealedKids = stored.map((e) => [...JSON.stringify(e.body).matchAll(/"kid":"([^"]+)"/g)].map((m) => m[1]));
    // One key per category (e-mail, phone), none of them a key the erased events were sealed with.
    expect(new Set(sealedKids.at(-1)).size).toBe(2);
    const erasedKids = new Set(sealedKids.slice(0, -1).flat());
    expect(sealedKids.at(-1)!.filter((kid) => erasedKids.has(kid))).toEqual([]);
    expect(sealedKids[0]).not.toContain(sealedKids.at(-1)![0]);
    expect(JSON.stringify(events.at(-1)!.event)).toContain(newEmail);
    expect(JSON.stringify(events.slice(0, 2).map((e) => e.event))).not.toContain(ERASED.email);
    expect(await ledger.keys.findByIdentifier('email', newEmail)).toEqual([ERASED.id]);
  });

  it('finishes an erasure recorded in the log whose key destruction a crash interrupted', async () => {
    // The event is in the log, but the process died before the key store was told.
    const erase = anEvent('SubjectErased', { subject: { id: ERASED.id } });
    await ledger.store.append(`subject-${ERASED.id}`, [{ id: erase.id, type: erase.type, body: erase as unknown as RecordedEvent['body'], digest: bodyDigest(erase) }]);
    expect(await ledger.keys.findByIdentifier('email', ERASED.email)).toEqual([ERASED.id]);
    await ledger.close();
    ledger = await openLedger({ db: ledger.paths.db, env: {} }) as Ledger & { dir: string };
    Object.assign(ledger, { dir: join(ledger.paths.db, '..') });
    expect(await ledger.keys.isErased(ERASED.id)).toBe(true);
    expect(await ledger.keys.findByIdentifier('email', ERASED.email)).toEqual([]);
  });

  it('a copy of the event database without the key store yields no personal value, and does not open as a ledger', async () => {
    ledger.readModelsDb.pragma('wal_checkpoint(TRUNCATE)');
    const copy = makeTempDir('stolen');
    copyFileSync(ledger.paths.db, join(copy, 'ledger.db'));
    expect(findInFiles(copy, valueNeedles([ERASED.email, ERASED.phone, ERASED.device, KEPT.email, KEPT.phone]))).toEqual([]);
    await expect(openLedger({ db: join(copy, 'ledger.db'), env: {} })).rejects.toThrow(/key store .* is missing/);
  });

  it('refuses a wrong master key at start with a clear error, and changes nothing', async () => {
    await ledger.close();
    const before = fingerprint(ledger.dir);
    const wrong = { PDL_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') };
    const attempt = openLedger({ db: ledger.paths.db, env: wrong });
    await expect(attempt).rejects.toBeInstanceOf(KeyMismatchError);
    await expect(attempt).rejects.toThrow(/does not open the key store .*Nothing was changed/);
    expect(fingerprint(ledger.dir)).toEqual(before);
    ledger = await openLedger({ db: ledger.paths.db, env: {} }) as Ledger;
    expect(JSON.stringify((await readSubject(ledger, KEPT.id))[0]!.event)).toContain(KEPT.email);
  });
});
