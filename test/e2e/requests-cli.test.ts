/**
 * The requests inbox on the command line, through the built binary on the demo ledger: a request
 * received by e-mail (looked up, never printed), listed by deadline with the overdue first,
 * completed — and the compliance report then no longer lists it open — or refused.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPdl, tempDir } from './run-pdl.js';

interface Listed { subjectId: string; requestId: string; kind: string | null; status: string; deadline: string; daysLeft: number | null; outcome: string | null }

let db = '';
const list = async (...args: string[]): Promise<Listed[]> => {
  const run = await runPdl(['--db', db, 'requests', 'list', '--json', ...args]);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Listed);
};
const openInReport = async (): Promise<string[]> => {
  const run = await runPdl(['--db', db, 'report', '--format', 'json']);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { openRequests: { requestId: string }[] }).openRequests.map((r) => r.requestId);
};

beforeAll(async () => {
  db = join(tempDir('requests-cli'), 'ledger.db');
  expect((await runPdl(['--db', db, '--embedded-keys', 'demo'])).code).toBe(0);
}, 120_000);

describe('pdl requests', () => {
  it('records a request received by e-mail without printing the e-mail, and lists it after the overdue ones', async () => {
    const received = await runPdl(['--db', db, 'requests', 'receive', '--email', 'Wang.Fang@Example.CN', '--kind', 'access', '--json']);
    expect(received.code, received.stderr).toBe(0);
    expect(received.stdout + received.stderr).not.toMatch(/wang\.fang/i);
    const { subjectId, requestId } = JSON.parse(received.stdout) as { subjectId: string; requestId: string };
    expect(subjectId).toBe('u-1002');
    const open = await list();
    const mine = open.find((r) => r.requestId === requestId)!;
    expect(mine).toMatchObject({ subjectId: 'u-1002', kind: 'access', status: 'open' });
    expect(mine.daysLeft).toBeGreaterThan(0);
    const statuses = open.map((r) => r.status);
    expect(statuses.indexOf('open')).toBeGreaterThan(statuses.lastIndexOf('overdue'));

    const unknown = await runPdl(['--db', db, 'requests', 'receive', '--email', 'nobody@example.cn', '--kind', 'access']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no subject has that email');
    expect(unknown.stderr).not.toContain('nobody@example.cn');
    expect((await runPdl(['--db', db, 'requests', 'receive', '--subject', 'u-1002', '--kind', 'faxing'])).code).toBe(2);
  });

  it('completes an overdue request: the report no longer lists it open; a second completion is refused', async () => {
    const overdue = (await list('--status', 'overdue'))[0];
    expect(overdue).toBeDefined();
    expect(await openInReport()).toContain(overdue!.requestId);
    const done = await runPdl(['--db', db, 'requests', 'complete', overdue!.requestId, '--json']);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ requestId: overdue!.requestId, outcome: 'fulfilled' });
    expect(await openInReport()).not.toContain(overdue!.requestId);
    expect((await list('--status', 'all')).find((r) => r.requestId === overdue!.requestId)).toMatchObject({ status: 'completed', outcome: 'fulfilled' });
    const again = await runPdl(['--db', db, 'requests', 'complete', overdue!.requestId]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('was completed on');
  });

  it('refuses a request with a reason of the taxonomy, recorded: completed with the outcome rejected and the reason; free text is a usage error', async () => {
    const received = JSON.parse((await runPdl(['--db', db, 'requests', 'receive', '--subject', 'u-1003', '--kind', 'portability', '--json'])).stdout) as { requestId: string };
    const freeText = await runPdl(['--db', db, 'requests', 'refuse', received.requestId, '--reason', 'identity not verified']);
    expect(freeText.code).toBe(2);
    expect(freeText.stderr).toContain('identity-not-verified');
    const refused = await runPdl(['--db', db, 'requests', 'refuse', received.requestId, '--reason', 'identity-not-verified']);
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.stdout).toContain('Identity could not be verified');
    expect((await list('--status', 'all')).find((r) => r.requestId === received.requestId)).toMatchObject({
      status: 'completed', outcome: 'rejected', refusalReason: 'identity-not-verified', kind: 'portability' });
  });
});
