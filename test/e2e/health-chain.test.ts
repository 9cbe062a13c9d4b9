/**
 * Issue 26, finding 3: the lag `/health` and `/metrics` report is what the read models have not
 * applied. The real `pdl serve`, and `pdl record` writing to the file it serves (lag 0: the CLI
 * applies the read models inline, in its own transaction).
 */
import Database from 'better-sqlite3';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anEvent, registration } from '../fixtures/events.js';
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
  store: { position: number };
  readModels: { position: number; behind: number };
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
  return { server, keyed, metric };
}

const copyOfPristine = () => {
  const dir = tempDir('health-copy');
  for (const file of FILES) copyFileSync(join(pristine, file), join(dir, file));
  return join(dir, 'ledger.db');
};

describe('/health and the read models after CLI writes', () => {
  it('`pdl record` into the served file: behind 0 and pdl_read_models_lag_events 0 at once', async () => {
    const db = copyOfPristine();
    const { keyed, metric } = await serve(db);
    const file = join(tempDir('health-more'), 'more.ndjson');
    writeFileSync(file, ndjson(Array.from({ length: 5 }, () => anEvent('DataUsed', { subject: { id: 'u-0' } }))));
    expect((await runPdl(['--db', db, 'record', file])).stdout).toContain('appended 5, duplicates 0, rejected 0');
    const { status, body } = await keyed();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', store: { position: 15 }, readModels: { position: 15, behind: 0 } });
    expect(await metric('pdl_read_models_lag_events')).toBe(0);
  });
});
