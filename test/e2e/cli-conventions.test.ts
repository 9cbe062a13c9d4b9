/**
 * The command line's conventions, through the built binary: --version; exit 0 done, 1 the
 * command's documented "no", 2 a usage error or could not run; --json on every command that prints
 * a result, parsed here; numbers checked; the events filters (type in any case, system, time
 * window, newest first) held to the same filter applied here to the whole listing; short ids.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { editBody, tamperedCopy } from '../fixtures/tamper.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';

interface Listed { position: number; id: string; type: string; body: { occurredAt: string; data: Record<string, unknown> } }

let db = '';
let all: Listed[] = [];

const listed = (stdout: string): Listed[] => stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Listed);
const systemsOf = (event: Listed): string[] => {
  const data = event.body.data;
  const storage = data.storage as { system?: string } | undefined;
  return [storage?.system, data.system, ...(Array.isArray(data.systems) ? data.systems : [])].filter((s): s is string => typeof s === 'string');
};

beforeAll(async () => {
  db = join(tempDir('cli-conventions'), 'ledger.db');
  expect((await runPdl(['--db', db, '--embedded-keys', 'demo'])).code).toBe(0);
  const run = await runPdl(['--db', db, 'events', '--json']);
  expect(run.code, run.stderr).toBe(0);
  all = listed(run.stdout);
}, 120_000);

describe('pdl on the command line', () => {
  it('--version prints the package version', async () => {
    const run = await runPdl(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
  });

  it('exits 2 on a usage error, 1 on a rejection or a broken chain, 0 when done', async () => {
    const misspelt = await runPdl(['--db', db, 'verify', '--anchr', '1:abc']);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain("unknown option '--anchr'");
    for (const limit of ['0', 'abc', '1.5', '-3']) {
      const bad = await runPdl(['--db', db, 'events', '--limit', limit]);
      expect(bad.code, limit).toBe(2);
      expect(bad.stderr).toContain('expected a whole number of at least 1');
    }
    const badType = await runPdl(['--db', db, 'events', '--type', 'DataFaxed']);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('not an event type; one of DataCollected');
    expect((await runPdl(['--db', db, 'events', '--since', 'yesterday'])).code).toBe(2);

    const rejected = await runPdl(['--db', db, 'record', '-'], { input: ndjson([anEvent('DataUsed', { data: { categories: ['contact.fax'] } })]) });
    expect(rejected.code, rejected.stdout).toBe(1);
    const broken = tamperedCopy(dirname(db), ['ledger.db', 'ledger.db-wal', 'ledger.keys.db', 'ledger.master.key', 'ledger.signing.key'],
      (connection) => expect(editBody(connection, 3, (json) => json.replace('"occurredAt":"2', '"occurredAt":"1'))).toBe(true));
    const brokenRun = await runPdl(['--db', join(broken, 'ledger.db'), 'verify']);
    expect(brokenRun.code, brokenRun.stdout + brokenRun.stderr).toBe(1);
    expect(brokenRun.stdout).toContain('BROKEN at position 3 (hash-mismatch)');
    expect((await runPdl(['--db', db, 'verify'])).code).toBe(0);
    const unknown = await runPdl(['--db', db, 'events', '--subject', 'no-such-subject']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no events in stream subject-no-such-subject');
  });

  it('filters events by type in any case, system and time window, newest first — the same events as the whole listing filtered here', async () => {
    const shared = all.filter((event) => event.type === 'DataShared');
    expect(shared.length).toBeGreaterThan(0);
    const byType = listed((await runPdl(['--db', db, 'events', '--type', 'datashared', '--json'])).stdout);
    expect(byType.map((event) => event.id)).toEqual(shared.map((event) => event.id));

    const system = systemsOf(all.find((event) => systemsOf(event).length > 0)!)[0]!;
    const inSystem = all.filter((event) => systemsOf(event).includes(system));
    const bySystem = listed((await runPdl(['--db', db, 'events', '--system', system, '--json'])).stdout);
    expect(bySystem.map((event) => event.id)).toEqual(inSystem.map((event) => event.id));

    const times = all.map((event) => event.body.occurredAt).sort();
    const [since, until] = [times[Math.floor(times.length / 4)]!, times[Math.floor((times.length * 3) / 4)]!];
    const within = all.filter((event) => event.body.occurredAt >= since && event.body.occurredAt <= until);
    const windowed = listed((await runPdl(['--db', db, 'events', '--since', since, '--until', until, '--newest', '--json'])).stdout);
    expect(windowed.map((event) => event.id)).toEqual(within.map((event) => event.id).reverse());
    const newestThree = listed((await runPdl(['--db', db, 'events', '--newest', '--limit', '3', '--json'])).stdout);
    expect(newestThree.map((event) => event.position)).toEqual(all.slice(-3).map((event) => event.position).reverse());
    const none = await runPdl(['--db', db, 'events', '--type', 'DataShared', '--since', '2999-01-01']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no events match');
  });

  it('proves an event named by the short id a page shows', async () => {
    const event = all.at(-1)!;
    const run = await runPdl(['--db', db, '--embedded-keys', 'prove', '--event', event.id.slice(0, 8)]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(run.stdout))).toContain(event.id);
  });

  it('prints JSON with --json on every command that prints a result', async () => {
    const dir = tempDir('cli-json');
    const own = join(dir, 'ledger.db');
    const json = async (args: string[], input?: string): Promise<unknown[]> => {
      const run = await runPdl(['--db', own, '--embedded-keys', ...args, '--json'], input === undefined ? {} : { input });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      // One document (perhaps indented over lines), or one per line.
      try {
        return [JSON.parse(run.stdout) as unknown];
      } catch {
        return run.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown);
      }
    };
    expect(await json(['init', '--origin', 'cli.example.com/pdl'])).toEqual([expect.objectContaining({ origin: 'cli.example.com/pdl', size: 0 })]);
    expect(await json(['demo'])).toEqual([expect.objectContaining({ appended: expect.any(Number) as number, rejected: [] })]);
    expect(await json(['record', '-'], ndjson([anEvent('DataUsed', { subject: { id: 'u-json' } })]))).toEqual([expect.objectContaining({ line: 1, status: 'appended' })]);
    const [head] = await json(['head']) as [{ position: number; hash: string }];
    expect(head.position).toBeGreaterThan(0);
    expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await json(['verify'])).toEqual([expect.objectContaining({ ok: true })]);
    expect(await json(['checkpoint'])).toEqual([expect.objectContaining({ size: head.position })]);
    expect((await json(['events', '--subject', 'u-json'])).length).toBe(1);
    expect(await json(['erase', 'u-json', '--reason', 'subject-request', '--yes'])).toEqual([{ subject: 'u-json', erased: true, position: head.position + 1 }]);
    expect(await json(['export', '--subject', 'u-json', '--out', join(dir, 'export')])).toEqual([expect.objectContaining({ events: expect.any(Number) as number })]);
    const [key] = await json(['keys', 'create', '--role', 'auditor']) as [{ id: string; key: string }];
    expect(key.key).toContain(key.id);
    expect(await json(['keys', 'revoke', key.id])).toEqual([{ id: key.id, revoked: true }]);
    expect(await json(['keys', 'rotate-master', '--backup-retention', 'P1D'])).toEqual([expect.objectContaining({ generation: 2, retired: 1 })]);
    expect(await json(['rebuild'])).toEqual([expect.objectContaining({ readModels: expect.any(Number) as number })]);
    expect(await json(['backup', '--to', join(dir, 'backup')])).toEqual([expect.objectContaining({ databases: expect.arrayContaining(['ledger.db']) as string[] })]);
    expect(await json(['migrate', '--to', join(dir, 'copy.db')])).toEqual([expect.objectContaining({ copied: expect.any(Number) as number })]);
  }, 180_000);
});
