/**
 * `pdl rebuild --blind-index`, through the built binary: a blind index lost from the key store
 * (its rows gone, its position at the head, so no catch-up brings it back) is made again from the
 * log — the living subjects found again, the erased one not.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../services/composition/open-ledger.js';
import { anEvent, registration } from '../fixtures/events.js';
import { runPdl, tempDir } from './run-pdl.js';

describe('pdl rebuild --blind-index', () => {
  it('makes the look-ups by e-mail and phone again from the log, and none for an erased subject', async () => {
    const db = join(tempDir('rebuild-index'), 'ledger.db');
    const writer = await openLedger({ db, env: {} });
    await writer.ledger.record([registration('u-kept', 'kept@example.cn', '+8613800000011'), registration('u-gone', 'gone@example.cn', '+8613800000012')]);
    await writer.ledger.record([anEvent('SubjectErased', { subject: { id: 'u-gone' } })]);
    await writer.close();
    const keys = new Database(join(db, '..', 'ledger.keys.db'));
    keys.prepare('DELETE FROM blind_index').run();
    keys.close();

    const lost = await openLedger({ db, env: {} });
    expect(await lost.keys.findByIdentifier('email', 'kept@example.cn')).toEqual([]);
    await lost.close();
    const run = await runPdl(['--db', db, 'rebuild', '--blind-index']);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^rebuilt \d+ read models from 3 events .*\nrebuilt the blind index from 3 events in/);

    const rebuilt = await openLedger({ db, env: {} });
    try {
      expect(await rebuilt.keys.findByIdentifier('email', 'kept@example.cn')).toEqual(['u-kept']);
      expect(await rebuilt.keys.findByIdentifier('phone', '+8613800000011')).toEqual(['u-kept']);
      expect(await rebuilt.keys.findByIdentifier('email', 'gone@example.cn')).toEqual([]);
    } finally {
      await rebuilt.close();
    }
  });
});
