/**
 * The PostgreSQL primary lost under writers: a primary and a synchronous standby on loopback
 * (pg_basebackup, test/setup/postgres-cluster.ts), two writer processes appending through the
 * built write path with a two-host connection string; the primary's processes SIGKILLed mid-way,
 * the standby promoted; the writers find it by themselves (primary-target.ts) and go on. After:
 * every acknowledged event present exactly once, positions gap-free, the chain verifies on the new
 * primary, and a projection worker that followed through it holds what a rebuild from there holds. With asynchronous replication the same run counts what a promotion can lose.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresBinaries, startReplicatedPair, type ReplicatedPair } from '../setup/postgres-cluster.js';
import { PDL, runPdl, tempDir } from '../e2e/run-pdl.js';
import { dumpReadModelsFile as dump, followedTo, until } from '../fixtures/read-models-file.js';

const binaries = postgresBinaries();
const missing = 'missing' in binaries ? binaries.missing : null;
const WRITER = resolve('test/fixtures/postgres-failover-writer.mjs');
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface Writer { child: ChildProcess; acked: Map<string, number>; ackedAt: number[]; retries: number; exited: Promise<number | null>; output: () => string }

function startWriter(db: string, url: string, writer: string, batches: number, size: number, env: NodeJS.ProcessEnv): Writer {
  const child = spawn(process.execPath, [WRITER, db, url, writer, String(batches), String(size)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const acked = new Map<string, number>();
  const ackedAt: number[] = [];
  let retries = 0;
  let output = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      output += `${line}\n`;
      const message = JSON.parse(line) as { batch?: number; at?: number; retry?: number; outcomes?: [string, string, number | null][] };
      if (message.retry !== undefined) retries += 1;
      if (message.batch !== undefined && message.at !== undefined) ackedAt.push(message.at);
      for (const [id, status, position] of message.outcomes ?? []) if (status !== 'rejected' && position !== null) acked.set(id, position);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  return { child, acked, ackedAt, get retries() { return retries; }, exited, output: () => output };
}

async function storedIds(url: string): Promise<{ ids: string[]; positions: number[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; position: string }>('SELECT id, position FROM pdl_events ORDER BY position');
    return { ids: rows.map((row) => row.id), positions: rows.map((row) => Number(row.position)) };
  } finally {
    await client.end();
  }
}

describe.skipIf(missing !== null)(`the PostgreSQL primary lost${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let pair: ReplicatedPair | null = null;
  afterEach(() => {
    pair?.stop();
    pair = null;
  });

  /** Two writers, the primary killed once both have acknowledged some batches, the standby promoted. */
  async function failover(synchronous: boolean) {
    pair = await startReplicatedPair((binaries as { bin: string }).bin, { synchronous });
    const db = join(tempDir('primary-lost'), 'ledger.db');
    const env = { PDL_MASTER_KEY: randomBytes(32).toString('base64') };
    // The schema first, so that the writers do not race to make it.
    const init = await runPdl(['--db', db, '--store', pair.primaryUrl, 'head'], { env });
    expect(init.code, init.stderr).toBe(0);
    // A projection worker keeping read models, following the log through the failover as an API replica's does.
    const readModels = join(tempDir('primary-lost-replica'), 'followed.db');
    const worker = spawn(process.execPath, [PDL, '--db', db, '--store', pair.url, '--read-models', readModels, 'project', '--log-interval', '500'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
    });
    let workerLog = '';
    worker.stdout!.on('data', (chunk: Buffer) => (workerLog += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (workerLog += chunk.toString()));
    const workerExited = new Promise<number | null>((done) => worker.once('exit', done));
    const writers = ['a', 'b'].map((name) => startWriter(db, pair!.url, name, 100, 10, env));
    await until(() => writers.every((w) => w.acked.size >= 60), 60_000, 'both writers acknowledged');
    // The standby falls behind for a second first (its WAL receiver stopped): what the primary acknowledges then is the question.
    pair.pauseStandbyReceiver();
    await sleep(1_000);
    const killedAt = Date.now();
    pair.killPrimary();
    // What the standby had not read is lost in transit with the primary (as in a partition), whatever the sockets buffered.
    pair.dropStandbyReceiver();
    await sleep(1_000);
    pair.promoteStandby();
    const promotedAt = Date.now();
    const codes = await Promise.all(writers.map((w) => w.exited));
    const outputs = writers.map((w) => w.output().slice(-2000)).join('\n---\n');
    expect(codes, outputs).toEqual([0, 0]);
    const acked = new Map(writers.flatMap((w) => [...w.acked]));
    const stored = await storedIds(pair.standbyUrl);
    const storedSet = new Set(stored.ids);
    const lost = [...acked.keys()].filter((id) => !storedSet.has(id));
    // The failover really happened under the writers: batches acknowledged after the promotion, by the promoted standby.
    const afterPromotion = writers.reduce((sum, w) => sum + w.ackedAt.filter((at) => at > promotedAt).length, 0);
    expect(afterPromotion, outputs).toBeGreaterThan(0);
    // The worker reaches the promoted standby's head by itself, then stops cleanly.
    const head = stored.positions.at(-1) ?? 0;
    try {
      await until(() => followedTo(readModels) === head, 60_000, `the worker follows the promoted standby to ${head} (at ${followedTo(readModels)}): ${workerLog.slice(-1500)}`);
    } finally {
      worker.kill('SIGTERM');
    }
    expect(await workerExited).toBe(0);
    return { writers, acked, stored, lost, db, env, readModels, downMs: promotedAt - killedAt, afterPromotion, retries: writers.reduce((sum, w) => sum + w.retries, 0) };
  }

  it('synchronous standby, behind for a second when the primary dies: every acknowledged event present once, positions gap-free, the chain verifies on the promoted standby', async () => {
    const { acked, stored, lost, db, env, retries, afterPromotion, readModels } = await failover(true);
    expect(retries).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    expect(stored.ids.length).toBe(new Set(stored.ids).size);
    expect(stored.positions).toEqual(stored.positions.map((_, i) => i + 1));
    expect(acked.size).toBe(2000);
    expect(stored.ids.length).toBe(2000);
    const verified = await runPdl(['--db', db, '--store', pair!.standbyUrl, 'verify', '--allow-unsigned'], { env });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    // The replica's read models, kept through the failover, equal the same models built afresh from the promoted standby.
    const fresh = join(tempDir('primary-lost-fresh'), 'fresh.db');
    const rebuilt = await runPdl(['--db', db, '--store', pair!.standbyUrl, '--read-models', fresh, 'rebuild'], { env });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(dump(readModels)).toEqual(dump(fresh));
    process.stderr.write(`faults: PostgreSQL primary SIGKILLed under 2 writers (synchronous standby, 1 s behind, promoted) — acknowledged ${acked.size}, stored ${stored.ids.length}, lost ${lost.length}; attempts retried ${retries}, batches acknowledged after the promotion ${afterPromotion}\n`);
  }, 240_000);

  it('asynchronous standby, behind for a second when the primary dies: what a promotion loses, measured (the reason the ledger\'s default is synchronous)', async () => {
    const { acked, stored, lost } = await failover(false);
    // Counted and reported: the events the primary acknowledged while the standby was behind are gone after the promotion.
    process.stderr.write(`faults: PostgreSQL primary SIGKILLed under 2 writers (asynchronous standby, 1 s behind, promoted) — acknowledged ${acked.size}, stored ${stored.ids.length}, acknowledged but lost ${lost.length}\n`);
    expect(lost.length).toBeGreaterThan(0);
    expect(stored.positions).toEqual(stored.positions.map((_, i) => i + 1));
  }, 240_000);
});
