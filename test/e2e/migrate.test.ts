/**
 * `pdl migrate`, through the real binary, embedded file to embedded file (the EventStoreDB
 * target runs in the container suite): the copy verifies with the same head hash and opens the
 * same values; a second run copies only what is new; a foreign target and a broken source are refused.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { randomWorkload } from '../fixtures/random-workload.js';
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
    expect((await runPdl(['--db', copy, '--signing-key', keyFile, 'verify'])).stdout).toContain('the Merkle root matches all 1 signed checkpoints');
  }, 120_000);

  it('refuses to copy past a position whose hash does not follow, writing nothing from there', async () => {
    const db = new Database(source);
    expect(db.prepare("UPDATE events SET body = json_set(body, '$.occurredAt', '2020-01-01T00:00:00.000Z') WHERE position = 20").run().changes).toBe(1);
    db.close();
    const copy = join(dir, 'from-tampered.db');
    const run = await runPdl(['--db', source, 'migrate', '--to', copy]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/position 20: its hash does not follow/);
    expect((await head(copy)).split(':')[0]).toBe('0'); // the page holding position 20 was refused whole
  }, 120_000);
});
