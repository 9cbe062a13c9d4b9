/**
 * Issue 25, findings 5 and 6: the files pdl writes are its own (created new, 0600, never through a
 * link; --force replaces only the user's own file), a Markdown report carries no producer HTML, and
 * ids stored in clear are never an e-mail or a phone number. Through the built binary (README "Security model").
 */
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';

let db: string;
let eventId: string;
const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';
const mode = (path: string) => statSync(path).mode & 0o777;

beforeAll(async () => {
  db = join(tempDir('out-files'), 'ledger.db');
  const collected = anEvent('DataCollected', { subject: { id: 'u-1001' }, data: { ...anEvent('DataCollected').data, values: { 'contact.email': 'li.secret@example.cn' } } });
  eventId = collected.id;
  const events = [
    collected,
    anEvent('LegalRequestReceived', { data: { ...anEvent('LegalRequestReceived').data, authority: SCRIPT } }),
    anEvent('DataTransferredAbroad', { subject: { id: 'u-1001' }, data: { ...anEvent('DataTransferredAbroad').data, recipient: { id: 'crm-us', name: IMG, kind: 'processor', region: 'US' } } }),
  ];
  const recorded = await runPdl(['--db', db, '--embedded-keys', 'record', '-'], { input: ndjson(events) });
  expect(recorded.stdout).toContain('appended 3');
});

/** A file another user could have planted in a shared (1777) folder: there already, 0666, empty. */
function planted(dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, '');
  chmodSync(file, 0o666);
  return file;
}

/** A link over a file the user must never overwrite (root's, in the finding). */
function linkOver(dir: string, name: string): { link: string; target: string } {
  const target = join(dir, 'precious');
  writeFileSync(target, 'precious\n');
  const link = join(dir, name);
  symlinkSync(target, link);
  return { link, target };
}

const dataViewed = async () => (await runPdl(['--db', db, 'events', '--json'])).stdout.split('\n').filter((line) => line.includes('"DataViewed"')).length;

describe('pdl export writes only new files of its own', () => {
  it('refuses a file already there (0666, planted) and a symbolic link: exit 2 naming --force, nothing written, nothing read', async () => {
    const views = await dataViewed();
    const shared = tempDir('out-shared');
    chmodSync(shared, 0o1777);
    const json = planted(shared, 'u-1001.json');
    const run = await runPdl(['--db', db, '--embedded-keys', 'export', '--subject', 'u-1001', '--out', shared]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/u-1001\.json exists.*--force/);
    expect(readFileSync(json, 'utf8')).toBe('');
    expect(mode(json)).toBe(0o666);
    expect(existsSync(join(shared, 'u-1001.html'))).toBe(false);

    const linked = tempDir('out-linked');
    const { target } = linkOver(linked, 'u-1001.html');
    for (const force of [[], ['--force']]) {
      const through = await runPdl(['--db', db, '--embedded-keys', 'export', '--subject', 'u-1001', '--out', linked, ...force]);
      expect(through.code).toBe(2);
      expect(through.stderr).toMatch(/u-1001\.html is a symbolic link/);
    }
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    expect(readdirSync(linked).sort()).toEqual(['precious', 'u-1001.html']);
    // No value was opened for a file that could not be written: no DataViewed recorded.
    expect(await dataViewed()).toBe(views);
  });

  it('--force replaces files of the user\'s own, new and 0600', async () => {
    const out = tempDir('out-force');
    const json = planted(out, 'u-1001.json');
    const run = await runPdl(['--db', db, '--embedded-keys', 'export', '--subject', 'u-1001', '--out', out, '--force']);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(json, 'utf8')).toContain('li.secret@example.cn');
    for (const file of ['u-1001.json', 'u-1001.html']) expect(mode(join(out, file))).toBe(0o600);
  });
});

describe('pdl report --out and prove --out write only new files of their own', () => {
  for (const command of ['report', 'prove'] as const) {
    it(`${command}: a planted file and a link refused (exit 2, naming --force), --force replaces the user's own`, async () => {
      const args = command === 'report' ? ['report', '--format', 'json'] : ['prove', '--event', eventId];
      const dir = tempDir(`out-${command}`);
      const file = planted(dir, 'out.json');
      const refused = await runPdl(['--db', db, '--embedded-keys', ...args, '--out', file]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/out\.json exists.*--force/);
      expect(readFileSync(file, 'utf8')).toBe('');
      expect(mode(file)).toBe(0o666);
      const { link, target } = linkOver(dir, 'linked.json');
      const through = await runPdl(['--db', db, '--embedded-keys', ...args, '--out', link, '--force']);
      expect(through.code).toBe(2);
      expect(through.stderr).toContain('symbolic link');
      expect(readFileSync(target, 'utf8')).toBe('precious\n');
      const forced = await runPdl(['--db', db, '--embedded-keys', ...args, '--out', file, '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toBeTypeOf('object');
      expect(mode(file)).toBe(0o600);
    });
  }
});

describe('the Markdown report carries no producer HTML', () => {
  it('an authority named <script> and a recipient named <img onerror> are text, escaped', async () => {
    const run = await runPdl(['--db', db, 'report', '--format', 'md']);
    expect(run.code).toBe(0);
    // No CommonMark renderer is among the dependencies: no raw tag may reach one.
    expect(run.stdout).not.toMatch(/<script|<img|<\/script/i);
    expect(run.stdout).not.toContain('<');
    expect(run.stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(run.stdout).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(run.stdout).toMatch(/\| &lt;script&gt;alert\(1\)&lt;\/script&gt; \| subpoena \| 1 \| 0 \|/);
  });
});

describe('ids stored in clear are never an address', () => {
  it('pdl record refuses a phone-shaped or e-mail subject id and a recipient named by an e-mail, by path, storing the rest', async () => {
    const events = [
      anEvent('DataUsed', { subject: { id: '8613800001001' } }),
      anEvent('DataUsed', { subject: { id: '+8613800001001' } }),
      anEvent('DataUsed', { subject: { id: 'li@example.cn' } }),
      anEvent('DataShared', { subject: { id: 'u-1001' }, data: { ...anEvent('DataShared').data, recipient: { id: 'crm', name: 'li@example.cn', kind: 'processor', region: 'CN' } } }),
      anEvent('DataUsed', { subject: { id: 'u-1001' } }),
    ];
    const run = await runPdl(['--db', db, '--embedded-keys', 'record', '-'], { input: ndjson(events) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/appended 1, duplicates 0, rejected 4/);
    for (const line of [1, 2, 3]) expect(run.stdout).toMatch(new RegExp(`line ${line} .*subject\\.id: a subject id is a pseudonymous key, stored in clear`));
    expect(run.stdout).toMatch(/line 4 .*data\.recipient\.name: a recipient name is stored in clear/);
    expect(run.stdout).not.toMatch(/8613800001001|li@example\.cn/);
  });
});
