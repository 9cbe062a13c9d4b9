/**
 * The blind index is written in a key-store transaction after the append. An event appended but
 * not indexed — the state a crash between the two leaves, rebuilt here on real files by removing
 * the index rows and its checkpoint — is indexed when the ledger next opens.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, type OpenedLedger } from '../../services/composition/open-ledger.js';
import { anEvent } from '../fixtures/events.js';
import { tempLedger } from '../fixtures/temp-ledger.js';
import { rewindUpkeep } from '../fixtures/rewind-upkeep.js';

describe('blind index after a crash between append and index', () => {
  let opened: OpenedLedger | undefined;
  afterEach(async () => opened?.close());

  it('is completed at the next open, so the subject is found by e-mail and phone again', async () => {
    const ledger = await tempLedger();
    opened = ledger;
    const collected = anEvent('DataCollected', {
      subject: { id: 'u-crash', identifiers: [{ kind: 'phone', value: '+86 139 0000 2222' }] },
      data: { values: { 'contact.email': 'Crash.Case@Example.cn' } },
    });
    const earlier = anEvent('DataCollected', { subject: { id: 'u-before' }, data: { values: { 'contact.email': 'before@example.cn' } } });
    await ledger.ledger.record([earlier]);
    const indexedUpTo = (await ledger.store.head()).position;
    await ledger.ledger.record([collected]);
    expect(await ledger.keys.findByIdentifier('email', 'crash.case@example.cn')).toEqual(['u-crash']);

    // The crash: the event is in the log, its index rows and the checkpoint past it are not.
    expect(await ledger.keys.findByIdentifier('phone', '+8613900002222')).toEqual(['u-crash']);
    await ledger.close();
    rewindUpkeep(join(ledger.dir, 'ledger.keys.db'), { index: indexedUpTo });
    const raw = new Database(join(ledger.dir, 'ledger.keys.db'));
    expect(raw.prepare("DELETE FROM blind_index WHERE subject_id = 'u-crash'").run().changes).toBe(2);
    raw.close();
    opened = await openLedger({ db: join(ledger.dir, 'ledger.db'), env: {} });
    expect(await opened.keys.findByIdentifier('email', 'crash.case@example.cn')).toEqual(['u-crash']);
    expect(await opened.keys.findByIdentifier('phone', '+8613900002222')).toEqual(['u-crash']);
    expect(await opened.keys.findByIdentifier('email', 'before@example.cn')).toEqual(['u-before']);
  });
});
