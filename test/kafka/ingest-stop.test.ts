/** `pdl ingest` stops within its bound whatever happens to the reader of its log, and loses nothing it acknowledged. */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { killLaunched, launchWithReader, terminate, type ReaderKind } from '../e2e/launch-with-reader.js';
import { runPdl, tempDir } from '../e2e/run-pdl.js';
import { brokers, createTopics, produce, uniqueTopic, until } from './kafka-helpers.js';

afterEach(killLaunched);

function stored(db: string): number {
  if (!existsSync(db)) return 0;
  const connection = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return connection.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM events').get()!.n;
  } catch {
    return 0; // created but not yet initialised
  } finally {
    connection.close();
  }
}

describe('stopping pdl ingest', () => {
  it.each<ReaderKind>(['cat', 'sleep'])('SIGTERM with a %s reader of its log: exits 0 within the bound, and the ledger verifies', async (reader) => {
    const topic = uniqueTopic(`stop-${reader}`);
    await createTopics([topic, `${topic}.dlq`]);
    const events = Array.from({ length: 200 }, (_, i) => anEvent('DataUsed', { subject: { id: `s-${i % 20}` } }));
    await produce(topic, events.map((event) => ({ key: event.subject!.id, value: JSON.stringify(event) })));
    const db = join(tempDir('ingest-stop'), 'ledger.db');
    const ingest = launchWithReader(['--db', db, '--embedded-keys', 'ingest', '--brokers', brokers().join(','), '--topic', topic, '--group', `g-${topic}`, '--log-interval', '50'], reader);
    // Stopped while it works: once it has stored something.
    await until(() => stored(db) > 0, 30_000, 'the first events stored');
    const { code, ms } = await terminate(ingest, reader);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect((await runPdl(['--db', db, 'verify'])).code).toBe(0);
  });

  it('signs what it ingested with the key named at start: at stop, a checkpoint covers the whole log', async () => {
    const topic = uniqueTopic('signed');
    await createTopics([topic, `${topic}.dlq`]);
    const events = Array.from({ length: 50 }, (_, i) => anEvent('DataUsed', { subject: { id: `s-${i % 5}` } }));
    await produce(topic, events.map((event) => ({ key: event.subject!.id, value: JSON.stringify(event) })));
    const db = join(tempDir('ingest-signed'), 'ledger.db');
    const key = join(tempDir('ingest-signed-key'), 'signing.key');
    expect((await runPdl(['--db', db, '--signing-key', key, 'checkpoint', '--origin', 'ingest.test/pdl'])).code).toBe(0);
    const ingest = launchWithReader(['--db', db, '--embedded-keys', '--signing-key', key, 'ingest', '--brokers', brokers().join(','), '--topic', topic, '--group', `g-${topic}`], 'cat');
    await until(() => stored(db) >= 50, 30_000, 'the 50 events stored');
    expect((await terminate(ingest, 'cat')).code).toBe(0);
    const listed = await runPdl(['--db', db, '--signing-key', key, 'checkpoint', '--list', '--json']);
    const sizes = listed.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { size: number }).size);
    expect(Math.max(...sizes)).toBe(50);
    // Verified as an auditor would, a day later: no event is left outside a signed checkpoint.
    expect((await runPdl(['--db', db, 'verify', '--key', (await runPdl(['--db', db, '--signing-key', key, 'checkpoint', '--verifier-key'])).stdout.trim(), '--grace', '0', '--no-state'])).code).toBe(0);
  });
});
