/**
 * Master-key rotation where it can go wrong, through the real binary on real files: a writer
 * appending new subjects while another process rotates (no data key wrapped under the retired
 * generation, every value readable after), and a rotation SIGKILLed around its commit (the next
 * start completes it or rolls it back; every value readable, no key file left over), and a
 * destruction of a retired generation SIGKILLed mid-way (the next start finishes it).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registration } from '../fixtures/events.js';
import { PDL, ndjson, runPdl, tempDir } from './run-pdl.js';

const people = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => registration(`${prefix}-${i}`, `${prefix}.${i}@example.cn`, `+86138${String(i).padStart(8, '0')}`));

/** Every identifier value of every event, opened: none may be null (no key lost, none wrapped under a destroyed generation). */
async function unreadableValues(db: string): Promise<{ values: number; nulls: number }> {
  const run = await runPdl(['--db', db, 'events', '--reveal', '--json', '--limit', '1000000']);
  expect(run.code, run.stderr).toBe(0);
  let values = 0;
  let nulls = 0;
  for (const line of run.stdout.trim().split('\n')) {
    const body = (JSON.parse(line) as { body: { type: string; subject?: { identifiers?: { value: string | null }[] } } }).body;
    if (body.type !== 'DataCollected') continue;
    for (const identifier of body.subject?.identifiers ?? []) {
      values += 1;
      if (identifier.value === null) nulls += 1;
    }
  }
  return { values, nulls };
}

describe('master-key rotation under faults', () => {
  it('while another process appends new subjects: every value stays readable, and the destroyed generation opens none', async () => {
    const dir = tempDir('rotate-under-writes');
    const db = join(dir, 'ledger.db');
    expect((await runPdl(['--db', db, 'record', '-'], { input: ndjson(people('before', 500)) })).code).toBe(0);
    const writing = runPdl(['--db', db, 'record', '-'], { input: ndjson(people('during', 3000)) });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const rotated = await runPdl(['--db', db, 'keys', 'rotate-master', '--backup-retention', 'PT1S']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect((await writing).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await runPdl(['--db', db, 'head'])).code).toBe(0); // destroys generation 1
    expect(existsSync(join(dir, 'ledger.master.key.g1'))).toBe(false);
    expect(await unreadableValues(db)).toEqual({ values: 7000, nulls: 0 });
    expect((await runPdl(['--db', db, 'verify'])).code).toBe(0);
  }, 120_000);

  it('SIGKILLed between staging its key and renaming it: the next start completes or rolls back, and every value opens', async () => {
    const dir = tempDir('rotate-killed');
    const db = join(dir, 'ledger.db');
    expect((await runPdl(['--db', db, 'record', '-'], { input: ndjson(people('kept', 3000)) })).code).toBe(0);
    const before = readFileSync(join(dir, 'ledger.master.key'), 'utf8');
    const child = spawn(process.execPath, [PDL, '--db', db, 'keys', 'rotate-master'], { env: { ...process.env, PDL_MASTER_KEY: '' }, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The staged key is written just before the commit, and renamed just after it: kill in that window.
    const staged = join(dir, 'ledger.master.key.next');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !existsSync(staged) && child.exitCode === null) await new Promise((resolve) => setImmediate(resolve));
    child.kill('SIGKILL');
    await exited;
    const afterKill = existsSync(staged);

    expect((await runPdl(['--db', db, 'head'])).code).toBe(0);
    expect(existsSync(staged)).toBe(false);
    const now = readFileSync(join(dir, 'ledger.master.key'), 'utf8');
    const status = JSON.parse((await runPdl(['--db', db, 'keys', 'status', '--json'])).stdout) as { generations: { generation: number }[] };
    // Committed: generation 2 with the new key, generation 1 kept; rolled back: one generation, the old key, nothing retired.
    if (status.generations.length === 2) {
      expect(now).not.toBe(before);
      expect(existsSync(join(dir, 'ledger.master.key.g1'))).toBe(true);
    } else {
      expect(status.generations).toHaveLength(1);
      expect(now).toBe(before);
      expect(readdirSync(dir).filter((name) => /\.g\d+$/.test(name))).toEqual([]);
    }
    expect(await unreadableValues(db)).toEqual({ values: 6000, nulls: 0 });
    process.stderr.write(`rotation killed with the staged key ${afterKill ? 'present' : 'absent'}; the next start ${status.generations.length === 2 ? 'completed it' : 'rolled it back'}\n`);
  }, 120_000);

  it('SIGKILLed mid-destruction of a retired generation: the next start finishes it, and the backup from before opens nothing', async () => {
    const dir = tempDir('destroy-killed');
    const db = join(dir, 'ledger.db');
    expect((await runPdl(['--db', db, 'record', '-'], { input: ndjson(people('gone', 200)) })).code).toBe(0);
    const backupDir = tempDir('destroy-killed-backup');
    for (const name of ['ledger.db', 'ledger.keys.db']) copyFileSync(join(dir, name), join(backupDir, name));
    expect((await runPdl(['--db', db, 'keys', 'rotate-master', '--backup-retention', 'PT1S'])).code).toBe(0);
    const retired = join(dir, 'ledger.master.key.g1');
    const retiredKey = readFileSync(retired, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 1100));

    // A real SIGKILL: the start that destroys generation 1, killed as soon as the destruction shows (or at its end).
    const child = spawn(process.execPath, [PDL, '--db', db, 'head'], { env: { ...process.env, PDL_MASTER_KEY: '' }, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && existsSync(retired) && child.exitCode === null) await new Promise((resolve) => setImmediate(resolve));
    child.kill('SIGKILL');
    await exited;
    const leftBehind = readdirSync(dir).filter((name) => name.includes('.g1'));
    // Nothing is ever left under the generation's own name half-zeroed: either the whole key, or nothing, or a .destroying file.
    if (existsSync(retired)) expect(readFileSync(retired, 'utf8')).toBe(retiredKey);

    // The states a kill can leave, made exactly, since a race hits one of them at best: a zeroed file mid-destruction
    // (new name), and a zeroed file under the generation's name (as an older pdl left it).
    const zeroed = Buffer.alloc(retiredKey.length);
    writeFileSync(`${retired}.destroying`, zeroed, { mode: 0o600 });
    const states = [leftBehind.join(',') || 'nothing'];
    expect((await runPdl(['--db', db, 'head'])).code).toBe(0);
    expect(readdirSync(dir).filter((name) => name.includes('.g1'))).toEqual([]);
    writeFileSync(retired, zeroed, { mode: 0o600 });
    const started = await runPdl(['--db', db, 'head']);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stderr).toContain('is not a key: it opens nothing');
    expect(readdirSync(dir).filter((name) => name.includes('.g1'))).toEqual([]);

    const status = JSON.parse((await runPdl(['--db', db, 'keys', 'status', '--json'])).stdout) as { generations: Array<{ generation: number; destroyedAt: string | null }> };
    expect(status.generations.map((g) => [g.generation, g.destroyedAt !== null])).toEqual([[1, true], [2, false]]);
    expect(await unreadableValues(db)).toEqual({ values: 400, nulls: 0 });
    // The backup from before the rotation, restored beside the keys of today: nothing of it opens.
    for (const name of readdirSync(dir).filter((n) => n.startsWith('ledger.master.key'))) copyFileSync(join(dir, name), join(backupDir, name));
    const fromBackup = await runPdl(['--db', join(backupDir, 'ledger.db'), 'events', '--reveal', '--json']);
    expect(fromBackup.code).not.toBe(0);
    expect(fromBackup.stdout).not.toContain('@example.cn');
    process.stderr.write(`destruction killed, leaving: ${states[0]}\n`);
  }, 120_000);
});
