/**
 * `pdl migrate` from the embedded file to PostgreSQL and back, through the real binary: the log
 * keeps its head hash and verifies on the server (`pdl verify --store`), the key store goes with
 * it (keys still wrapped: the same master key opens the values), an erasure made while on the
 * server is an erasure in the copy that comes back, and a second run copies only what is new.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { ndjson, runPdl, tempDir } from '../e2e/run-pdl.js';
import { freshLedgerUrl, postgresUrl, skipReason } from '../contract/postgres-fixture.js';

const pdl = (args: string[], input?: string) => runPdl(args, input === undefined ? {} : { input });
const headOf = async (args: string[]) => (await pdl([...args, 'head'])).stdout.trim();
const revealed = async (args: string[], subject: string) => (await pdl([...args, 'events', '--subject', subject, '--reveal', '--json'])).stdout;

describe.skipIf(!postgresUrl)(`pdl migrate to PostgreSQL and back${skipReason}`, () => {
  it('keeps the head hash and the values, carries the key store both ways, and an erasure made on the server comes back', async () => {
    const dir = tempDir('migrate-pg');
    const source = join(dir, 'ledger.db');
    const { url } = await freshLedgerUrl();
    expect((await pdl(['--db', source, 'demo'])).code).toBe(0);
    const kept = await revealed(['--db', source], 'u-1003');
    expect(kept).toContain('zhang.min@example.cn');
    const sourceHead = await headOf(['--db', source]); // after the reveal: it recorded a DataViewed

    const there = await pdl(['--db', source, 'migrate', '--to', url]);
    expect(there.code, there.stderr).toBe(0);
    expect(there.stderr).toContain('the key store went with the log');
    const onServer = ['--db', source, '--store', url];
    expect(await headOf(onServer)).toBe(sourceHead);
    const verified = await pdl([...onServer, 'verify']);
    expect(verified.code, verified.stderr + verified.stdout).toBe(0);
    const onServerNow = await revealed(onServer, 'u-1003');
    expect(onServerNow).toContain('zhang.min@example.cn');
    expect(onServerNow.split('\n')[0]).toBe(kept.split('\n')[0]);

    // While on the server: an erasure, and one more event.
    expect((await pdl([...onServer, 'erase', 'u-1003', '--reason', 'subject-request'])).code).toBe(0);
    expect((await pdl([...onServer, 'record', '-'], ndjson([anEvent('DataCollected', { subject: { id: 'u-on-server' }, data: { values: { 'contact.email': 'server@example.cn' } } })]))).code).toBe(0);
    expect(await revealed(onServer, 'u-1003')).not.toContain('zhang.min@example.cn');

    const back = join(tempDir('migrate-pg-back'), 'ledger.db');
    const returned = await pdl([...onServer, 'migrate', '--to', back]);
    expect(returned.code, returned.stderr).toBe(0);
    expect(await headOf(['--db', back])).toBe(await headOf(onServer));
    expect((await pdl(['--db', back, 'verify'])).code).toBe(0);
    expect(existsSync(join(back, '..', 'ledger.keys.db'))).toBe(true);
    expect(statSync(join(back, '..', 'ledger.keys.db')).mode & 0o777).toBe(0o600);
    // Again after more arrived (before the copy records anything of its own): only the new event, and the key store refreshed whole.
    expect((await pdl([...onServer, 'record', '-'], ndjson([anEvent('DataCollected', { subject: { id: 'u-late' }, data: { values: { 'contact.email': 'late@example.cn' } } })]))).code).toBe(0);
    const again = await pdl([...onServer, 'migrate', '--to', back]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^copied 1 events;/);

    // The values, opened in the copy with the keys that came back (each reveal is recorded there).
    expect(await revealed(['--db', back], 'u-on-server')).toContain('server@example.cn');
    const erased = await revealed(['--db', back], 'u-1003');
    expect(erased).not.toContain('zhang.min@example.cn');
    expect(erased).toContain('"contact.email":null');

    expect(await revealed(['--db', back], 'u-late')).toContain('late@example.cn');
  }, 180_000);
});
