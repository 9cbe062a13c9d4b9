/**
 * `pdl migrate`, through the real binary, embedded file to embedded file (the EventStoreDB
 * target runs in the container suite): the copy verifies with the same head hash and opens the
 * same values; a second run copies only what is new; a foreign target and a broken source are refused.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { randomWorkload } from '../fixtures/random-workload.js';
import { editBody, rewriteAndRechain, tamperedCopy } from '../fixtures/tamper.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';

const head = async (db: string) => (await runPdl(['--db', db, 'head'])).stdout.trim();

describe('pdl migrate', () => {
  let dir: string;
  let source: string;
  beforeAll(async () => {
    dir = tempDir('migrate');
    source = join(dir, 'ledger.db');
    expect((await runPdl(['--db', source, 'demo'])).code).toBe(0);
    expect((await runPdl(['--db', source, 'record', '-'], { input: ndjson(randomWorkload(3000, 5)) })).code).toBe(0);
  }, 120_000);

  it('copies every event as stored: same head hash, verifies, opens the same values', async () => {
    const copy = join(dir, 'copy.db');
    const run = await runPdl(['--db', source, 'migrate', '--to', copy]);
    expect(run.code, run.stderr).toBe(0);
    const sourceHead = await head(source);
    expect(run.stdout).toContain(`both heads are ${sourceHead}`);
    expect(await head(copy)).toBe(sourceHead);
    expect((await runPdl(['--db', copy, 'verify'])).code).toBe(0);
    const events = (db: string) => runPdl(['--db', db, 'events', '--subject', 'u-1003', '--reveal', '--json']).then((r) => r.stdout);
    const revealed = await events(copy);
    expect(revealed).toContain('zhang.min@example.cn');
    expect(revealed).toBe(await events(source));
  }, 120_000);

  it('continues a copy with only what arrived since, and refuses a target holding another ledger', async () => {
    const copy = join(dir, 'resumed.db');
    expect((await runPdl(['--db', source, 'migrate', '--to', copy])).code).toBe(0);
    const late = anEvent('DataCollected', { subject: { id: 'u-migrated-late' } });
    expect((await runPdl(['--db', source, 'record', '-'], { input: ndjson([late]) })).code).toBe(0);
    const again = await runPdl(['--db', source, 'migrate', '--to', copy]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^copied 1 events;/);
    expect(again.stderr).toMatch(/already held positions 1–\d+ of this ledger/);
    expect(await head(copy)).toBe(await head(source));

    const other = join(dir, 'other.db');
    expect((await runPdl(['--db', other, 'record', '-'], { input: ndjson([anEvent('DataCollected')]) })).code).toBe(0);
    const refused = await runPdl(['--db', source, 'migrate', '--to', other]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already holds 1 events that are not this ledger's/);
  }, 120_000);

  it('signs the copy with the ledger\'s key, at the size copied: the same checkpoint a verifier holds the source to', async () => {
    const signed = join(tempDir('migrate-signed'), 'ledger.db');
    const keyFile = join(tempDir('migrate-key'), 'signing.key');
    expect((await runPdl(['--db', signed, '--signing-key', keyFile, 'checkpoint', '--origin', 'migrate.example/pdl'])).code).toBe(0);
    expect((await runPdl(['--db', signed, '--signing-key', keyFile, 'demo'])).code).toBe(0);
    const copy = join(tempDir('migrate-signed-copy'), 'ledger.db');
    const run = await runPdl(['--db', signed, '--signing-key', keyFile, 'migrate', '--to', copy]);
    expect(run.code, run.stderr).toBe(0);
    const size = Number((await head(signed)).split(':')[0]);
    expect(run.stderr).toContain(`signed the checkpoint of size ${size}, covering what was written`);
    const latest = async (db: string) => (await runPdl(['--db', db, '--signing-key', keyFile, 'checkpoint', '--list'])).stdout.trim().split('\n').at(-1)!.split('\t');
    const [copySize, , copyRoot] = await latest(copy);
    const [sourceSize, , sourceRoot] = await latest(signed);
    expect([Number(copySize), copyRoot]).toEqual([size, sourceRoot]);
    expect(Number(sourceSize)).toBe(size);
    // Both: the one `checkpoint --origin` signed at size 0, carried from the source, and the one at the size copied.
    expect((await runPdl(['--db', copy, '--signing-key', keyFile, 'verify'])).stdout).toContain('the Merkle root matches all 2 signed checkpoints');
  }, 120_000);

  it('carries every checkpoint the source signed, under the same named key; a source whose key is not at hand, or another key, is refused before anything is copied', async () => {
    const signed = join(tempDir('migrate-carried'), 'ledger.db');
    const keyFile = join(tempDir('migrate-carried-key'), 'signing.key');
    const withKey = ['--db', signed, '--signing-key', keyFile];
    expect((await runPdl([...withKey, 'init', '--origin', 'carried.example/pdl'])).code).toBe(0);
    expect((await runPdl([...withKey, 'demo'])).code).toBe(0);
    expect((await runPdl([...withKey, 'record', '-'], { input: ndjson([anEvent('DataCollected', { subject: { id: 'u-carried' } })]) })).code).toBe(0);
    const published = (await runPdl([...withKey, 'checkpoint', '--verifier-key'])).stdout.trim();
    const list = async (args: string[]) => (await runPdl([...args, 'checkpoint', '--list'])).stdout.trim().split('\n');
    const sourceList = await list(withKey);
    expect(sourceList.map((line) => line.split('\t')[0])).toEqual(['0', '61', '62']);

    const copy = join(tempDir('migrate-carried-copy'), 'ledger.db');
    const keyless = await runPdl(['--db', signed, 'migrate', '--to', copy]);
    expect(keyless.code, keyless.stderr + keyless.stdout).toBe(2);
    expect(keyless.stderr).toMatch(/the source's checkpoints are signed by carried\.example\/pdl\+[0-9a-f]{8}, and that key is not at hand/);
    expect(keyless.stderr).toMatch(/Nothing was copied: give the ledger's key as for the source: PDL_SIGNING_KEY=.*, or --signing-key PATH/);
    expect(existsSync(copy)).toBe(false);
    const otherKey = join(tempDir('migrate-other-key'), 'other.key');
    expect((await runPdl(['--db', join(tempDir('migrate-other'), 'ledger.db'), '--signing-key', otherKey, 'init', '--origin', 'other.example/pdl'])).code).toBe(0);
    const another = await runPdl(['--db', signed, '--signing-key', otherKey, 'migrate', '--to', copy]);
    expect(another.code).toBe(2);
    expect(another.stderr).toMatch(/signed by carried\.example\/pdl\+[0-9a-f]{8}, not by the key given \(other\.example\/pdl\+[0-9a-f]{8}\)/);
    expect(existsSync(copy)).toBe(false);

    const run = await runPdl([...withKey, 'migrate', '--to', copy]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/carried 3 signed checkpoints, each checked against the copy's Merkle tree; the copy is signed by carried\.example\/pdl\+[0-9a-f]{8}/);
    expect(await list(['--db', copy, '--signing-key', keyFile])).toEqual(sourceList);
    const verified = await runPdl(['--db', copy, 'verify', '--key', published, '--no-state']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toContain('the Merkle root matches all 3 signed checkpoints');
    expect(verified.stdout).toContain('checkpoints checked with the key you pinned');
  }, 120_000);

  it('copies a key kept beside the source beside the copy (0600), so the copy is served and signs as the same ledger', async () => {
    const dir = tempDir('migrate-embedded');
    const db = join(dir, 'ledger.db');
    expect((await runPdl(['--db', db, '--embedded-keys', 'init', '--origin', 'embedded.example/pdl'])).code).toBe(0);
    expect((await runPdl(['--db', db, '--embedded-keys', 'demo'])).code).toBe(0);
    const copy = join(tempDir('migrate-embedded-copy'), 'ledger.db');
    const run = await runPdl(['--db', db, 'migrate', '--to', copy]);
    expect(run.code, run.stderr).toBe(0);
    const copiedKey = copy.replace(/\.db$/, '.signing.key');
    expect(statSync(copiedKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(copiedKey, 'utf8')).toBe(readFileSync(join(dir, 'ledger.signing.key'), 'utf8'));
    const published = (await runPdl(['--db', db, 'checkpoint', '--verifier-key'])).stdout.trim();
    expect((await runPdl(['--db', copy, '--embedded-keys', 'checkpoint', '--verifier-key'])).stdout.trim()).toBe(published);
    expect((await runPdl(['--db', copy, 'verify', '--key', published, '--no-state'])).stdout).toContain('the Merkle root matches all 2 signed checkpoints');
  }, 120_000);

  it('refuses the checkpoints of a source rewritten and re-chained under them: none is carried, and the rewrite is not signed', async () => {
    const dir = tempDir('migrate-rewritten');
    const db = join(dir, 'ledger.db');
    expect((await runPdl(['--db', db, '--embedded-keys', 'init', '--origin', 'rewritten.example/pdl'])).code).toBe(0);
    expect((await runPdl(['--db', db, '--embedded-keys', 'demo'])).code).toBe(0);
    const rewritten = tamperedCopy(dir, ['ledger.db', 'ledger.keys.db', 'ledger.master.key', 'ledger.signing.key'],
      (d) => rewriteAndRechain(d, 31, '"Shanghai Public Security Bureau"', '"Internal Audit Team"'));
    expect((await runPdl(['--db', join(rewritten, 'ledger.db'), 'verify', '--no-state', '--allow-unsigned'])).stdout).toMatch(/checkpoint-mismatch/);
    const copy = join(tempDir('migrate-rewritten-copy'), 'ledger.db');
    const run = await runPdl(['--db', join(rewritten, 'ledger.db'), 'migrate', '--to', copy]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the checkpoint of size 61 signs the root \S+, but the copy's tree at that size is \S+: it is of another history; no checkpoint was copied/);
    const checkpoints = new Database(copy, { readonly: true });
    try {
      expect(checkpoints.prepare('SELECT count(*) AS n FROM tlog_checkpoints').get()).toEqual({ n: 0 });
    } finally {
      checkpoints.close();
    }
  }, 120_000);

  it('refuses to copy past a position whose hash does not follow, writing nothing from there', async () => {
    const db = new Database(source);
    expect(editBody(db, 20, (json) => JSON.stringify({ ...JSON.parse(json), occurredAt: '2020-01-01T00:00:00.000Z' }))).toBe(true);
    db.close();
    const copy = join(dir, 'from-tampered.db');
    const run = await runPdl(['--db', source, 'migrate', '--to', copy]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/position 20: its hash does not follow/);
    expect((await head(copy)).split(':')[0]).toBe('0'); // the page holding position 20 was refused whole
  }, 120_000);
});
