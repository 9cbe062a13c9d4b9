/** `pdl erase` and `pdl keys rotate-master` through the real binary on real files. */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registration } from '../fixtures/events.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';

async function ledgerWithTwoSubjects() {
  const dir = tempDir('cli');
  const db = join(dir, 'ledger.db');
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, ndjson([registration('u-1', 'one@example.cn', '+8613800000001'), registration('u-2', 'two@example.cn', '+8613800000002')]));
  const first = await runPdl(['--db', db, 'record', file]);
  expect(first.code).toBe(0);
  expect(first.stderr).toContain('created a master key');
  return { dir, db };
}

describe('pdl erase', () => {
  it('erases a subject: values gone, others intact, chain verifies, and again is harmless', async () => {
    const { db } = await ledgerWithTwoSubjects();
    const erase = await runPdl(['--db', db, 'erase', 'u-1', '--reason', 'subject-request', '--request', 'r-9']);
    expect(erase.code).toBe(0);
    expect(erase.stdout).toMatch(/^u-1 erased: SubjectErased at position 3/);
    const shown = await runPdl(['--db', db, 'events', '--subject', 'u-1', '--reveal']);
    expect(shown.stdout).toContain('contact.email=(erased)');
    expect(shown.stdout).not.toContain('one@example.cn');
    expect(shown.stdout).toMatch(/SubjectErased +[0-9a-f-]{36} +u-1 +reason=subject-request requestId=r-9/);
    expect((await runPdl(['--db', db, 'events', '--subject', 'u-2', '--reveal'])).stdout).toContain('two@example.cn');
    expect((await runPdl(['--db', db, 'verify'])).code).toBe(0);
    const again = await runPdl(['--db', db, 'erase', 'u-1', '--reason', 'subject-request']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('again');
    // …and records nothing: one SubjectErased, not two.
    const erasures = (await runPdl(['--db', db, 'events', '--subject', 'u-1', '--json'])).stdout.trim().split('\n')
      .map((line) => JSON.parse(line) as { type: string }).filter((event) => event.type === 'SubjectErased');
    expect(erasures).toHaveLength(1);
  });

  it('an operator shown values by `events --reveal` leaves a DataViewed event; without --reveal, nothing is recorded', async () => {
    const { db } = await ledgerWithTwoSubjects();
    const viewed = async () => (await runPdl(['--db', db, 'events', '--subject', 'u-2', '--json'])).stdout.trim().split('\n')
      .map((line) => JSON.parse(line) as { type: string; body: { actor: { id: string }; data: { operation?: string; categories?: string[] } } })
      .filter((event) => event.type === 'DataViewed');
    expect(await viewed()).toHaveLength(0);
    expect((await runPdl(['--db', db, 'events', '--subject', 'u-2', '--reveal'])).stdout).toContain('two@example.cn');
    const views = await viewed();
    expect(views).toHaveLength(1);
    expect(views[0]!.body.actor.id).toMatch(/^operator:/);
    expect(views[0]!.body.data).toMatchObject({ operation: 'cli.events', categories: ['contact.email', 'contact.phone'] });
  });

  it('refuses a subject the ledger has never seen, unless --force', async () => {
    const { db } = await ledgerWithTwoSubjects();
    const typo = await runPdl(['--db', db, 'erase', 'u-1x', '--reason', 'subject-request']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('holds nothing about subject u-1x');
    expect((await runPdl(['--db', db, 'events', '--subject', 'u-1x'])).stderr).toContain('no events');
    const forced = await runPdl(['--db', db, 'erase', 'u-1x', '--reason', 'subject-request', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^u-1x erased/);
  });

  it('refuses an unknown reason with the valid ones', async () => {
    const { db } = await ledgerWithTwoSubjects();
    const erase = await runPdl(['--db', db, 'erase', 'u-1', '--reason', 'because']);
    expect(erase.code).toBe(2);
    expect(erase.stderr).toContain('data.reason: unknown deletion reason "because"');
  });
});

describe('pdl keys rotate-master', () => {
  it('re-wraps the keys under a new master key without rewriting events; the old key no longer opens the store', async () => {
    const { dir, db } = await ledgerWithTwoSubjects();
    const keyFile = join(dir, 'ledger.master.key');
    const oldKey = readFileSync(keyFile, 'utf8').trim();
    const headBefore = (await runPdl(['--db', db, 'head'])).stdout;

    const rotate = await runPdl(['--db', db, 'keys', 'rotate-master']);
    expect(rotate.code).toBe(0);
    // Two subjects, each with a key of its own and one per category with values (e-mail, phone).
    expect(rotate.stdout).toContain('rotated: 6 data keys');
    const newKey = readFileSync(keyFile, 'utf8').trim();
    expect(newKey).not.toBe(oldKey);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect((await runPdl(['--db', db, 'head'])).stdout).toBe(headBefore);
    expect((await runPdl(['--db', db, 'events', '--subject', 'u-1', '--reveal'])).stdout).toContain('one@example.cn');

    const withOldKey = await runPdl(['--db', db, 'events', '--subject', 'u-1'], { env: { PDL_MASTER_KEY: oldKey } });
    expect(withOldKey.code).toBe(2);
    expect(withOldKey.stderr).toContain('does not open the key store');
  });

  it('with PDL_MASTER_KEY, writes the new key to --out and requires it next time', async () => {
    const dir = tempDir('env-key');
    const db = join(dir, 'ledger.db');
    const env = { PDL_MASTER_KEY: Buffer.alloc(32, 3).toString('hex') };
    writeFileSync(join(dir, 'e.ndjson'), ndjson([registration('u-1', 'one@example.cn', '+8613800000001')]));
    expect((await runPdl(['--db', db, 'record', join(dir, 'e.ndjson')], { env })).code).toBe(0);
    const refused = await runPdl(['--db', db, 'keys', 'rotate-master'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--out');
    const out = join(dir, 'new.key');
    expect((await runPdl(['--db', db, 'keys', 'rotate-master', '--out', out], { env })).code).toBe(0);
    const next = { PDL_MASTER_KEY: readFileSync(out, 'utf8').trim() };
    expect((await runPdl(['--db', db, 'events', '--subject', 'u-1', '--reveal'], { env: next })).stdout).toContain('one@example.cn');
    expect((await runPdl(['--db', db, 'events', '--subject', 'u-1'], { env })).code).toBe(2);
  });
});

describe('pdl record', () => {
  it('reads standard input, answers bad lines by line and path, and exits 1', async () => {
    const dir = tempDir('stdin');
    const good = registration('u-1', 'one@example.cn', '+8613800000001');
    const input = `${JSON.stringify(good)}\n\nnot json\n${JSON.stringify({ ...good, id: 'x', type: 'DataCollected' })}\n`;
    const run = await runPdl(['--db', join(dir, 'ledger.db'), 'record', '-'], { input });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('appended 1, duplicates 0, rejected 2');
    expect(run.stdout).toContain('line 3: (root): not valid JSON');
    expect(run.stdout).toContain('line 4 (x): id: expected a UUID');
  });

  it('the binary answers --help (every command\'s help is checked in process: test/unit/cli.test.ts)', async () => {
    for (const command of ['--help', 'keys rotate-master --help']) {
      const run = await runPdl(command.split(' '));
      expect(run.code, command).toBe(0);
      expect(run.stdout, command).toMatch(/^Usage: pdl /);
    }
  });
});
