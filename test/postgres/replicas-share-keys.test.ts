/**
 * Two API replicas as if on two hosts: separate data folders, sharing only the PostgreSQL URL and
 * the master key. The key store lives on the server with the log, so both open the same values,
 * and an erasure made through one is seen by the other at its next read — no stale key anywhere.
 * Real processes, real HTTP, a real server (test/setup/postgres.ts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from '../e2e/pdl-server.js';
import { tempDir } from '../e2e/run-pdl.js';
import { freshLedgerUrl, postgresUrl, skipReason } from '../contract/postgres-fixture.js';

const RECORD = 'mutation ($events: [JSON!]!) { recordEvents(events: $events) { appended rejected { errors { path message } } } }';
const TIMELINE = `query ($id: ID) { subjectAccess(subjectId: $id) { timeline { edges { node { type data } } } } }`;
type Timeline = { subjectAccess: { timeline: { edges: { node: { type: string; data: { values?: Record<string, string | null> } } }[] } } | null };

const valuesSeen = async (replica: PdlServer, subjectId: string) => {
  const answer = await replica.gql<Timeline>(TIMELINE, { id: subjectId });
  expect(answer.errors).toBeUndefined();
  return (answer.data?.subjectAccess?.timeline.edges ?? []).filter((e) => e.node.type === 'DataCollected').map((e) => e.node.data.values ?? {});
};

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 150; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within 15 s: ${what}`);
}

describe.skipIf(!postgresUrl)(`two API replicas on one PostgreSQL ledger${skipReason}`, () => {
  const replicas: PdlServer[] = [];
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  it('both open the values with the shared key store; one erases, the other shows the value gone at its next read', async () => {
    const { url } = await freshLedgerUrl();
    const env = { PDL_MASTER_KEY: randomBytes(32).toString('base64') };
    const adminKey = `test-admin-${randomBytes(8).toString('hex')}`;
    const folders = [tempDir('host-a'), tempDir('host-b')];
    for (const folder of folders) {
      replicas.push(await startPdlServer({ db: join(folder, 'ledger.db'), adminKey, env, globalArgs: ['--store', url] }));
    }
    const [a, b] = replicas as [PdlServer, PdlServer];
    // No key store in either data folder: the keys are on the server.
    for (const folder of folders) expect(existsSync(join(folder, 'ledger.keys.db'))).toBe(false);

    const collected = anEvent('DataCollected', { subject: { id: 'u-shared' }, data: { values: { 'contact.email': 'shared@example.cn' } } });
    const recorded = await a.gql<{ recordEvents: { appended: number } }>(RECORD, { events: [collected] });
    expect(recorded.data?.recordEvents.appended).toBe(1);

    for (const replica of [a, b]) {
      const values = await until(() => valuesSeen(replica, 'u-shared'), (v) => v.length === 1, 'the replica follows the log');
      expect(values).toEqual([{ 'contact.email': 'shared@example.cn' }]);
    }

    const erasure = anEvent('SubjectErased', { subject: { id: 'u-shared' } });
    expect((await b.gql<{ recordEvents: { appended: number } }>(RECORD, { events: [erasure] })).data?.recordEvents.appended).toBe(1);
    // A, which opened the value a moment ago, asks the server for the key again: it is gone.
    expect(await valuesSeen(a, 'u-shared')).toEqual([{ 'contact.email': null }]);
    expect(await valuesSeen(b, 'u-shared')).toEqual([{ 'contact.email': null }]);
    for (const replica of replicas.splice(0)) expect(await replica.stop()).toBe(0);
  }, 120_000);
});
