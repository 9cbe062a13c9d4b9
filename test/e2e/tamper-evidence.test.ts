/**
 * Tamper evidence through the real `pdl` binary on a real database file: each kind of
 * tampering is caught by `pdl verify`, which names the first broken position.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkHash } from '../fixtures/chain-reference.js';
import type { RecordedEvent } from '../../services/store/port.js';
import { anEvent, registration } from '../fixtures/events.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';
import { rowAt, setBody, tamperedCopy } from '../fixtures/tamper.js';
import { signerFromSeed } from '../../services/proofs/note-signer.js';

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
      setBody(d, 4, row.body.replace('risk-engine', 'risk-enginf'));
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
      setBody(d, 5, JSON.stringify(body));
      d.prepare('UPDATE events SET hash = ? WHERE position = 5').run(forged);
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
      setBody(d, 10, JSON.stringify(body));
      d.prepare('UPDATE events SET hash = ? WHERE position = 10').run(forged);
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

describe('pdl verify on a row altered into any shape', () => {
  const ALTERED: [string, string, (d: Database.Database) => void][] = [
    ['a body that is no longer JSON', 'its body is not valid JSON',
      (d) => setBody(d, 4, rowAt(d, 4).body.replace('":', '"'))],
    ['a body that is not an object', 'its body is not a JSON object', (d) => setBody(d, 4, '[1, 2]')],
    ['a body stored as text that is not an object', 'its body is not a JSON object', (d) => d.prepare("UPDATE events SET body = '[1, 2]' WHERE position = 4").run()],
    ['a missing hash', 'it has no stored hash', (d) => d.prepare('UPDATE events SET hash = NULL WHERE position = 4').run()],
    ['a body in no known codec', 'its body is binary in no codec this ledger knows', (d) => d.prepare("UPDATE events SET body = x'7b7d' WHERE position = 4").run()],
    ['a compressed body cut short', 'its compressed body does not decode',
      (d) => d.prepare('UPDATE events SET body = substr(body, 1, length(body) - 3) WHERE position = 4').run()],
    ['a compressed body that says it is 4 GiB', 'its body says it decodes to more than any body the ledger takes',
      // Frame header: magic, descriptor (4-byte content size, single segment), then the size; the decoder would allocate it first.
      (d) => d.prepare("UPDATE events SET body = x'0128b52ffda0ffffffff00' WHERE position = 4").run()],
    ['a revision of the wrong type', 'its revision is a string', (d) => d.prepare("UPDATE events SET revision = 'first' WHERE position = 4").run()],
    ['a number out of range', 'no canonical JSON form', (d) => setBody(d, 4, '{"id": 1e999}')],
  ];

  it.each(ALTERED)('%s: named by its position and kind, exit 1, no parser message', async (_, problem, tamper) => {
    const run = await runPdl(['--db', tamperedLedger(tamper), 'verify']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('BROKEN at position 4 (malformed)');
    expect(run.stdout).toContain(problem);
    expect(run.stdout).toContain('3 events before it verified');
    expect(run.stderr).not.toMatch(/JSON at position|SyntaxError|at .*\.js:\d+/);
  });
});

describe('pdl verify on the log alone, and against checkpoints it saw before', () => {
  let signed: string;
  let verifierKey: string;
  const tail = [anEvent('SubjectErased', { subject: { id: 'u-0' } }), anEvent('SubjectErased', { subject: { id: 'u-2' } })];

  beforeAll(async () => {
    signed = tempDir('signed');
    const db = join(signed, 'ledger.db');
    const record = async (events: readonly unknown[], name: string) => {
      writeFileSync(join(signed, name), ndjson(events));
      expect((await runPdl(['--db', db, 'record', join(signed, name)])).stdout).toContain(`appended ${events.length},`);
    };
    await record(Array.from({ length: 8 }, (_, i) => registration(`u-${i}`, `user${i}@example.cn`, `+86138000000${10 + i}`)), 'first.ndjson');
    expect((await runPdl(['--db', db, '--embedded-keys', 'checkpoint', '--origin', 'ledger.example.com/pdl'])).code).toBe(0);
    // From here each write signs what it wrote (the key lies in the data folder): checkpoints 10, 12 and 13.
    await record([anEvent('DataUsed', { subject: { id: 'u-1' } }), anEvent('DataUsed', { subject: { id: 'u-3' } })], 'second.ndjson');
    await record(tail, 'tail.ndjson');
    // The third of the tail: a view, which only the ledger records (a value shown by the CLI).
    expect((await runPdl(['--db', db, 'events', '--subject', 'u-4', '--reveal'])).code).toBe(0);
    expect((await runPdl(['--db', db, 'checkpoint'])).code).toBe(0);
    verifierKey = (await runPdl(['--db', db, 'checkpoint', '--verifier-key'])).stdout.trim();
    const connection = new Database(db);
    connection.pragma('wal_checkpoint(TRUNCATE)');
    connection.close();
  });

  const SIGNED_FILES = ['ledger.db', 'ledger.keys.db', 'ledger.master.key', 'ledger.signing.key'];
  /** The three last events deleted (two erasures and a view), and every checkpoint row that covered them. */
  const truncated = (d: Database.Database) => {
    d.prepare('DELETE FROM events WHERE position > 10').run();
    d.prepare('DELETE FROM tlog_checkpoints WHERE size > 8').run();
  };

  it('verifies ledger.db alone, copied into an empty folder: chain and Merkle roots, with the key the ledger records; creates no file there', async () => {
    const dir = tempDir('lone');
    copyFileSync(join(signed, 'ledger.db'), join(dir, 'ledger.db'));
    const run = await runPdl(['--db', join(dir, 'ledger.db'), 'verify']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok: 13 events verified; head position 13, hash [0-9a-f]{64}; the Merkle root matches all 4 signed checkpoints/);
    expect(run.stdout).toContain('the key the ledger itself records');
    expect(run.stdout).toContain('proves nothing against its operator');
    expect(run.stdout).toMatch(/not checked from the log alone: .*sealed value.*blind index/);
    expect(readdirSync(dir)).toEqual(['ledger.db']);
  });

  it('holds checkpoints to the key pinned with --key; one signed by another key is reported', async () => {
    const dir = tempDir('pinned');
    copyFileSync(join(signed, 'ledger.db'), join(dir, 'ledger.db'));
    const pinned = await runPdl(['--db', join(dir, 'ledger.db'), 'verify', '--no-state', '--key', verifierKey]);
    expect(pinned.code).toBe(0);
    expect(pinned.stdout).toContain(`checked with the key you pinned (--key ${verifierKey})`);
    const other = signerFromSeed('ledger.example.com/pdl', Buffer.alloc(32, 7)).verifierKey;
    const refused = await runPdl(['--db', join(dir, 'ledger.db'), 'verify', '--no-state', '--key', other]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('FORGED checkpoint of size 8');
    expect(refused.stdout).toContain(`the ledger records another key: ${verifierKey}`);
    expect(readdirSync(dir)).toEqual(['ledger.db']);
  });

  it('catches a truncated tail whose checkpoint rows were removed: by the rule that old events must be signed', async () => {
    const db = join(tamperedCopy(signed, SIGNED_FILES, truncated), 'ledger.db');
    const run = await runPdl(['--db', db, 'verify', '--no-state', '--grace', '0']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('BROKEN at position 9 (unsigned-tail): positions 9–10 were recorded more than 0 min ago and no signed checkpoint covers them');
    const allowed = await runPdl(['--db', db, 'verify', '--no-state', '--grace', '0', '--allow-unsigned']);
    expect(allowed.code).toBe(0);
  });

  it('catches a truncated tail whose checkpoint rows were removed: by the checkpoint this verifier remembers, or one kept with --since', async () => {
    const state = join(tempDir('verifier'), 'state.json');
    const seen = await runPdl(['--db', join(signed, 'ledger.db'), 'verify', '--state', state]);
    expect(seen.code).toBe(0);
    expect(seen.stdout).toContain('remembered: the checkpoint of size 13');
    const db = join(tamperedCopy(signed, SIGNED_FILES, truncated), 'ledger.db');
    expect((await runPdl(['--db', db, 'verify', '--no-state'])).code).toBe(0); // within the grace period, and nothing remembered: unseen
    const run = await runPdl(['--db', db, 'verify', '--state', state]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('BROKEN at position 13 (truncated)');
    expect(run.stdout).toContain('this verifier saw on');

    const note = join(tempDir('kept'), 'checkpoint.txt');
    writeFileSync(note, (await runPdl(['--db', join(signed, 'ledger.db'), 'checkpoint'])).stdout);
    const since = await runPdl(['--db', db, 'verify', '--no-state', '--since', note, '--key', verifierKey]);
    expect(since.code).toBe(1);
    expect(since.stdout).toContain('BROKEN at position 13 (truncated): the checkpoint you kept');
  });

  it('refuses to run, exit 2, when there is no ledger at --db (and creates none)', async () => {
    const dir = tempDir('empty');
    mkdirSync(join(dir, 'data'));
    const run = await runPdl(['--db', join(dir, 'data', 'ledger.db'), 'verify', '--no-state']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no ledger at');
    expect(readdirSync(join(dir, 'data'))).toEqual([]);
  });
});
