/**
 * Issue 26, finding 3: `/health` knows the chain, and the lag is what the read models have not
 * applied. The real `pdl serve` on ledgers written by `pdl record` and altered through SQLite as
 * someone with the file would: one event altered before the server starts (degraded at start),
 * one altered below the verified position while it serves (degraded at the next verification of
 * the whole log, `--verify-interval`), and `pdl record` writing to the file it serves (lag 0: the
 * CLI applies the read models inline, in its own transaction).
 */
import Database from 'better-sqlite3';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anEvent, registration } from '../fixtures/events.js';
import { rowAt, tamperedCopy } from '../fixtures/tamper.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';

const FILES = ['ledger.db', 'ledger.keys.db', 'ledger.master.key'];
let pristine: string;
const servers: PdlServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

const tenEvents = () => Array.from({ length: 10 }, (_, i) =>
  i % 2 === 0 ? registration(`u-${i}`, `user${i}@example.cn`, `+86138000000${10 + i}`) : anEvent('DataUsed', { subject: { id: `u-${i - 1}` } }));

beforeAll(async () => {
  pristine = tempDir('health-pristine');
  const file = join(pristine, 'events.ndjson');
  writeFileSync(file, ndjson(tenEvents()));
  expect((await runPdl(['--db', join(pristine, 'ledger.db'), 'record', file])).stdout).toContain('appended 10, duplicates 0, rejected 0');
  const db = new Database(join(pristine, 'ledger.db'));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
});

interface Health {
  status: string;
  reasons?: string[];
  store: { position: number };
  readModels: { position: number; behind: number };
  chain?: { state: string; position?: number; kind?: string; message?: string };
}

async function serve(db: string, args: string[] = []) {
  const server = await startPdlServer({ db, args });
  servers.push(server);
  const keyed = async () => {
    const response = await fetch(`${server.url}/health`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    return { status: response.status, body: await response.json() as Health };
  };
  const metric = async (name: string) => {
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.adminKey}` } })).text();
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  };
  /** /health, asked until `done` says so (the chain is verified off the request loop). */
  const until = async (done: (body: Health) => boolean, ms = 15_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const answer = await keyed();
      if (done(answer.body) || Date.now() > deadline) return answer;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { server, keyed, metric, until };
}

const copyOfPristine = () => {
  const dir = tempDir('health-copy');
  for (const file of FILES) copyFileSync(join(pristine, file), join(dir, file));
  return join(dir, 'ledger.db');
};

describe('/health and the chain', () => {
  it('an event altered in place before the server starts: 503 degraded, with the position and what failed to a key; only the status without one', async () => {
    const dir = tamperedCopy(pristine, FILES, (db) => {
      const row = rowAt(db, 4);
      expect(row.body).toContain('risk-engine');
      db.prepare('UPDATE events SET body = ? WHERE position = 4').run(row.body.replace('risk-engine', 'risk-enginf'));
    });
    const { server, until, metric } = await serve(join(dir, 'ledger.db'));
    const { status, body } = await until((b) => b.chain?.state !== 'verifying');
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'degraded', chain: { state: 'broken', position: 4, kind: 'hash-mismatch' } });
    expect(body.chain!.message).toContain('event 4 was altered');
    expect(body.reasons).toEqual([expect.stringContaining('the chain does not verify at position 4 (hash-mismatch)')]);
    // Without a key: up or not, nothing else.
    const open = await fetch(`${server.url}/health`);
    expect(open.status).toBe(503);
    expect(await open.json()).toEqual({ status: 'degraded' });
    expect(await metric('pdl_chain_broken')).toBe(1);
    // `pdl verify` agrees on the position.
    expect((await runPdl(['--db', join(dir, 'ledger.db'), 'verify', '--no-state'])).stdout).toContain('BROKEN at position 4 (hash-mismatch)');
  });

  it('an untouched ledger: ok, the chain verified to the head', async () => {
    const { until, metric } = await serve(copyOfPristine());
    const { status, body } = await until((b) => b.chain?.state === 'verified');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', chain: { state: 'verified', position: 10 } });
    expect(body.reasons).toBeUndefined();
    expect(await metric('pdl_chain_broken')).toBe(0);
    expect(await metric('pdl_chain_verified_position')).toBe(10);
  });

  it('an event altered below the verified position while serving: degraded at the next verification of the whole log (--verify-interval)', async () => {
    const db = copyOfPristine();
    const { until } = await serve(db, ['--verify-interval', '1']);
    expect((await until((b) => b.chain?.state === 'verified')).body.chain).toMatchObject({ position: 10 });
    const other = new Database(db);
    other.prepare('UPDATE events SET body = ? WHERE position = 3').run(rowAt(other, 3).body.replace('"contract"', '"consent"'));
    other.close();
    const { status, body } = await until((b) => b.chain?.state === 'broken', 10_000);
    expect(status).toBe(503);
    expect(body.chain).toMatchObject({ state: 'broken', position: 3, kind: 'hash-mismatch' });
  });
});

describe('/health and the read models after CLI writes', () => {
  it('`pdl record` into the served file: behind 0 and pdl_read_models_lag_events 0 at once; the chain verified to the new head', async () => {
    const db = copyOfPristine();
    const { keyed, metric, until } = await serve(db);
    await until((b) => b.chain?.state === 'verified');
    const file = join(tempDir('health-more'), 'more.ndjson');
    writeFileSync(file, ndjson(Array.from({ length: 5 }, () => anEvent('DataUsed', { subject: { id: 'u-0' } }))));
    expect((await runPdl(['--db', db, 'record', file])).stdout).toContain('appended 5, duplicates 0, rejected 0');
    const { status, body } = await keyed();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', store: { position: 15 }, readModels: { position: 15, behind: 0 } });
    expect(await metric('pdl_read_models_lag_events')).toBe(0);
    const later = await until((b) => b.chain?.position === 15);
    expect(later.body).toMatchObject({ status: 'ok', chain: { state: 'verified', position: 15 } });
  });
});
