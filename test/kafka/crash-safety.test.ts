/**
 * Crash safety: `pdl ingest` is killed with SIGKILL at random points, again and again, while a
 * producer keeps publishing valid and invalid events. After restarts the ledger holds every valid
 * event exactly once, and the dead-letter topic every invalid one — once per source offset.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { PDL, tempDir } from '../e2e/run-pdl.js';
import type { KafkaMessage } from 'kafkajs';
import { brokers, createTopics, groupLag, produce, readTopicUntil, uniqueTopic, until } from './kafka-helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function storedIds(db: string): string[] {
  if (!existsSync(db)) return [];
  const connection = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return connection.prepare<[], { id: string }>('SELECT id FROM events').all().map((row) => row.id);
  } catch {
    return []; // created but not yet initialised
  } finally {
    connection.close();
  }
}

describe('crash safety of pdl ingest', () => {
  it('killed with SIGKILL at random points at least 5 times while publishing goes on: every event stored once, every refused one dead-lettered (once per source offset)', async () => {
    const topic = uniqueTopic('crash');
    await createTopics([topic, `${topic}.dlq`]);
    const db = join(tempDir('crash'), 'ledger.db');
    const args = [PDL, '--db', db, '--embedded-keys', 'ingest', '--brokers', brokers().join(','), '--topic', topic, '--group', `g-${topic}`, '--log-interval', '1000', '--session-timeout', '2000'];
    const startIngest = (): ChildProcess => spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, PDL_MASTER_KEY: '' } });

    const produced: string[] = [];
    const invalid: string[] = [];
    let publishing = true;
    const publisher = (async () => {
      for (let batch = 0; batch < 60; batch++) {
        const events = Array.from({ length: 100 }, (_, i) => anEvent('DataUsed', {
          subject: { id: `c-${(batch * 100 + i) % 300}` }, occurredAt: new Date(Date.UTC(2026, 0, 1) + (batch * 100 + i) * 1000).toISOString(),
        }));
        // Every 20th one is refused (an unknown category): it must reach the dead letters exactly once.
        const values = events.map((event, i) => JSON.stringify(i % 20 === 7 ? { ...event, data: { ...event.data, categories: ['contact.fax'] } } : event));
        await produce(topic, events.map((event, i) => ({ key: event.subject!.id, value: values[i]! })));
        events.forEach((event, i) => (i % 20 === 7 ? invalid.push(values[i]!) : produced.push(event.id)));
        await sleep(400);
      }
      publishing = false;
    })();

    let kills = 0;
    const killedWithStored: number[] = [];
    while (publishing || kills < 5) {
      const before = storedIds(db).length;
      const child = startIngest();
      // Kill it while it works: once it has stored something, at a random moment after.
      await until(() => storedIds(db).length > before || (!publishing && storedIds(db).length >= produced.length), 60_000, 'the consumer to make progress')
        .catch(() => undefined);
      await sleep(Math.floor(Math.random() * 1200));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      kills += 1;
      killedWithStored.push(storedIds(db).length);
    }
    await publisher;

    const last = startIngest();
    let output = '';
    last.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(() => output.includes('"msg":"ingest started"'), 60_000, 'the last consumer to start');
    await until(() => storedIds(db).length >= produced.length, 180_000, `all ${produced.length} events to be stored`);
    // Stored is not done: a killed consumer may have appended a batch and died before committing
    // it with its dead letters. Done is when the group has committed past every message.
    await until(async () => (await groupLag(topic, `g-${topic}`)) === 0, 180_000, 'the group to commit every message');
    const exited = new Promise<number | null>((resolve) => last.once('exit', resolve));
    last.kill('SIGTERM');
    expect(await exited).toBe(0);

    expect(kills).toBeGreaterThanOrEqual(5);
    // The kills fell at different stages of the work, not all before it began.
    expect(killedWithStored.some((n) => n > 0 && n < produced.length)).toBe(true);
    const stored = storedIds(db);
    expect(stored).toHaveLength(produced.length);
    expect(new Set(stored)).toEqual(new Set(produced));
    // Dead letters are at least once: a consumer killed after writing them and before committing
    // writes them again on redelivery. Each carries its source coordinates, so a reader can drop
    // the repeats — deduplicated by them, the dead-letter topic holds each refused message once.
    const source = (message: KafkaMessage) =>
      ['pdl-source-partition', 'pdl-source-offset'].map((header) => message.headers![header]!.toString()).join(':');
    const deadLetters = await readTopicUntil(`${topic}.dlq`, (messages) => new Set(messages.map(source)).size >= invalid.length, 90_000);
    expect(deadLetters.length).toBeGreaterThanOrEqual(invalid.length);
    const unique = new Map(deadLetters.map((message) => [source(message), message.value!.toString()]));
    expect(unique.size).toBe(invalid.length);
    expect(new Set(unique.values())).toEqual(new Set(invalid));
  }, 300_000);
});
