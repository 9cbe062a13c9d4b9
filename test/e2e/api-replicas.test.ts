/**
 * Split deployment on the embedded store: one writer, two API replicas each keeping its own read
 * models (`--read-models`) by following the log. Real processes, real HTTP.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';

const ACCESS = `query ($id: ID) { subjectAccess(subjectId: $id) { subjectId categories { category status value } } }`;
type Access = { subjectAccess: { subjectId: string; categories: { category: string; status: string; value: string | null }[] } | null };
const HEAD = '{ ledgerHead { position hash } }';
type Head = { ledgerHead: { position: number; hash: string } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('API replicas with read models of their own', () => {
  const replicas: PdlServer[] = [];
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  it('answer from their own files, agree on the head, and follow what a writer records after they started', async () => {
    const dir = tempDir('replicas');
    const db = join(dir, 'ledger.db');
    expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
    for (const n of [1, 2]) replicas.push(await startPdlServer({ db, globalArgs: ['--read-models', join(dir, `replica-${n}.db`)] }));
    expect(existsSync(join(dir, 'replica-1.db')) && existsSync(join(dir, 'replica-2.db'))).toBe(true);

    const heads = await Promise.all(replicas.map((replica) => replica.gql<Head>(HEAD)));
    expect(heads[0]!.data!.ledgerHead.position).toBeGreaterThan(0);
    expect(heads[1]!.data).toEqual(heads[0]!.data);
    for (const replica of replicas) expect((await replica.gql<Access>(ACCESS, { id: 'u-1003' })).data!.subjectAccess!.subjectId).toBe('u-1003');

    const late = anEvent('DataCollected', { subject: { id: 'u-late' }, data: { values: { 'contact.email': 'late@example.cn' } } });
    const recorded = await runPdl(['--db', db, 'record', '-'], { input: ndjson([late]) });
    expect(recorded.code).toBe(0);

    for (const replica of replicas) {
      let access: Access['subjectAccess'] = null;
      for (let i = 0; i < 100 && access === null; i++) {
        access = (await replica.gql<Access>(ACCESS, { id: 'u-late' })).data!.subjectAccess;
        if (access === null) await sleep(100);
      }
      expect(access).toEqual({ subjectId: 'u-late', categories: [{ category: 'contact.email', status: 'held', value: 'late@example.cn' }] });
    }
    // The log grew by the late event and by the read audit of every answer that showed a value
    // (each stored before its answer left): nothing else.
    const events = (await runPdl(['--db', db, 'events', '--json', '--limit', '100000'])).stdout.trim().split('\n').map((line) => JSON.parse(line) as { position: number; type: string });
    const since = events.filter((event) => event.position > heads[0]!.data!.ledgerHead.position);
    expect(since.filter((event) => event.type !== 'DataViewed').map((event) => event.type)).toEqual(['DataCollected']);
    for (const replica of replicas) {
      expect((await replica.gql<Head>(HEAD)).data!.ledgerHead.position).toBe(heads[0]!.data!.ledgerHead.position + since.length);
    }
    for (const replica of replicas.splice(0)) expect(await replica.stop()).toBe(0);
  }, 120_000);

  it('share one set of API keys: the admin key file the first created, and keys made by `pdl keys create`', async () => {
    const dir = tempDir('replica-keys');
    const db = join(dir, 'ledger.db');
    expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
    replicas.push(await startPdlServer({ db, adminKey: null, globalArgs: ['--read-models', join(dir, 'replica-1.db')] }));
    const adminKey = readFileSync(join(dir, 'ledger.admin.key'), 'utf8').trim();
    replicas.push(await startPdlServer({ db, adminKey: null, globalArgs: ['--read-models', join(dir, 'replica-2.db')] }));
    expect(readFileSync(join(dir, 'ledger.admin.key'), 'utf8').trim()).toBe(adminKey); // not replaced by the second
    const dpoKey = (await runPdl(['--db', db, 'keys', 'create', '--role', 'dpo'])).stdout.trim();
    for (const replica of replicas) {
      expect((await replica.gql<Head>(HEAD, {}, adminKey)).data?.ledgerHead.position).toBeGreaterThan(0);
      expect((await replica.gql<Access>(ACCESS, { id: 'u-1003' }, dpoKey)).data?.subjectAccess?.subjectId).toBe('u-1003');
      expect((await replica.gql(HEAD, {}, 'pdl_unknown_key')).status).toBe(401);
    }
  }, 120_000);
});
