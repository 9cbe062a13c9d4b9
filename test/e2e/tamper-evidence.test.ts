/**
 * Tamper evidence through the real `pdl` binary on a real database file: each kind of
 * tampering is caught by `pdl verify`, which names the first broken position.
 */
import Database from 'better-sqlite3';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkHash } from '../../services/ledger/chain.js';
import type { RecordedEvent } from '../../services/store/port.js';
import { anEvent, registration } from '../fixtures/events.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';
import { rowAt, tamperedCopy } from '../fixtures/tamper.js';

const FILES = ['ledger.db', 'ledger.keys.db', 'ledger.master.key'];
let pristine: string;

beforeAll(async () => {
  pristine = tempDir('pristine');
  const events = Array.from({ length: 10 }, (_, i) =>
    i % 2 === 0 ? registration(`u-${i}`, `user${i}@example.cn`, `+86138000000${10 + i}`) : anEvent('DataUsed', { subject: { id: `u-${i - 1}` } }));
  const file = join(pristine, 'events.ndjson');
  writeFileSync(file, ndjson(events));
  const recorded = await runPdl(['--db', join(pristine, 'ledger.db'), 'record', file]);
  expect(recorded.stdout).toContain('appended 10, duplicates 0, rejected 0');
  // Fold the WAL into the main file, so that copying the files copies the ledger.
  const db = new Database(join(pristine, 'ledger.db'));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
});

/** A copy of the pristine ledger, tampered with by `tamper` through SQLite directly; the copy's database. */
const tamperedLedger = (tamper: (db: Database.Database) => void): string => join(tamperedCopy(pristine, FILES, tamper), 'ledger.db');

describe('pdl verify', () => {
  it('passes an untouched ledger', async () => {
    const dir = tempDir('untouched');
    for (const file of FILES) copyFileSync(join(pristine, file), join(dir, file));
    const run = await runPdl(['--db', join(dir, 'ledger.db'), 'verify']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok: 10 events verified; head position 10, hash [0-9a-f]{64}/);
  });

  it('catches one changed byte of an event and names its position', async () => {
    const db = tamperedLedger((d) => {
      const row = rowAt(d, 4);
      expect(row.body).toContain('risk-engine');
      d.prepare('UPDATE events SET body = ? WHERE position = 4').run(row.body.replace('risk-engine', 'risk-enginf'));
    });
    const run = await runPdl(['--db', db, 'verify']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('BROKEN at position 4 (hash-mismatch)');
    expect(run.stdout).toContain('3 events before it verified');
  });

  it('catches a deleted event', async () => {
    const db = tamperedLedger((d) => d.prepare('DELETE FROM events WHERE position = 6').run());
    const run = await runPdl(['--db', db, 'verify']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('BROKEN at position 6 (missing)');
  });

  it('catches two swapped events', async () => {
    const db = tamperedLedger((d) => {
      const [a, b] = [rowAt(d, 3), rowAt(d, 7)];
      d.prepare('UPDATE events SET position = -1 WHERE position = 3').run();
      d.prepare('UPDATE events SET position = 3 WHERE position = 7').run();
      d.prepare('UPDATE events SET position = 7 WHERE position = -1').run();
      expect([rowAt(d, 3).id, rowAt(d, 7).id]).toEqual([b.id, a.id]);
    });
    const run = await runPdl(['--db', db, 'verify']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('BROKEN at position 3 (hash-mismatch)');
  });

  it('catches an event rewritten together with its own hash, at the next position', async () => {
    const db = tamperedLedger((d) => {
      const previous = rowAt(d, 4);
      const row = rowAt(d, 5);
      const body = JSON.parse(row.body.replace('"database"', '"server-log"')) as RecordedEvent['body'];
      const forged = linkHash(previous.hash, {
        position: 5, stream: row.stream, revision: row.revision, id: row.id, type: row.type, recordedAt: row.recorded_at, body, digest: '',
      });
      d.prepare('UPDATE events SET body = ?, hash = ? WHERE position = 5').run(JSON.stringify(body), forged);
    });
    const run = await runPdl(['--db', db, 'verify']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('BROKEN at position 6 (hash-mismatch)');
    expect(run.stdout).toContain('event 5 was rewritten together with its hash');
  });

  it('catches a rewritten tail against an anchor kept from `pdl head`', async () => {
    const head = await runPdl(['--db', join(pristine, 'ledger.db'), 'head']);
    const anchor = head.stdout.trim();
    expect(anchor).toMatch(/^10:[0-9a-f]{64}$/);
    const db = tamperedLedger((d) => {
      const previous = rowAt(d, 9);
      const row = rowAt(d, 10);
      const body = JSON.parse(row.body.replace('risk-engine', 'ad-engine')) as RecordedEvent['body'];
      const forged = linkHash(previous.hash, { ...row, recordedAt: row.recorded_at, position: 10, body, digest: '' });
      d.prepare('UPDATE events SET body = ?, hash = ? WHERE position = 10').run(JSON.stringify(body), forged);
    });
    expect((await runPdl(['--db', db, 'verify'])).code).toBe(0); // the chain alone cannot see it…
    const run = await runPdl(['--db', db, 'verify', '--anchor', anchor]);
    expect(run.code).toBe(1); // …the anchor does
    expect(run.stdout).toContain('BROKEN at position 10 (anchor-mismatch)');
  });

  it('catches a truncated ledger against an anchor', async () => {
    const anchor = (await runPdl(['--db', join(pristine, 'ledger.db'), 'head'])).stdout.trim();
    const db = tamperedLedger((d) => d.prepare('DELETE FROM events WHERE position > 8').run());
    const run = await runPdl(['--db', db, 'verify', '--anchor', anchor]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('(truncated)');
  });
});
