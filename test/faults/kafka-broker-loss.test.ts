/**
 * Faults beyond one process: a three-node Kafka cluster (infra/kafka, replication 3,
 * min.insync.replicas=2) loses brokers to SIGKILL while `pdl ingest` (the built binary) consumes.
 * The producer is Kafka's own Java client and the reader of what is really in a topic too
 * (test/faults/java-probe.ts): neither shares kafkajs with pdl.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterNodes, killNode, restartNode, startCluster, stopBroker } from '../../infra/kafka/broker.mjs';
import { PDL, runPdl, tempDir } from '../e2e/run-pdl.js';
import { anEvent } from '../fixtures/events.js';
import { javaProduce, javaRead, type ReadRecord } from './java-probe.js';

const CLUSTER = `faults-${process.pid}`;
let brokers: string[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Seeded with the nodes alive now: a client of the test's own must not wait on the node it just killed.
const kafka = () => new Kafka({
  clientId: `faults-${randomUUID().slice(0, 8)}`, brokers: clusterNodes(CLUSTER).filter((node) => node.alive).map((node) => node.address),
  logLevel: logLevel.NOTHING, retry: { retries: 8 },
});

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await Promise.resolve().then(condition).catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(300);
  }
}

function storedIds(db: string): string[] {
  if (!existsSync(db)) return [];
  const connection = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return connection.prepare<[], { id: string }>('SELECT id FROM events').all().map((row) => row.id);
  } catch {
    return [];
  } finally {
    connection.close();
  }
}

async function withAdmin<T>(work: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

async function createTopics(topics: string[]): Promise<void> {
  // Not kafkajs's waitForLeaders: it asks a node that has not heard of the topic yet and fails (see KafkaIngest.ensureTopics).
  await withAdmin((admin) => admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 3 })), waitForLeaders: false }));
  // Every node must know each partition's leader and full ISR before the faults start.
  await until(async () => {
    const metadata = await withAdmin((admin) => admin.fetchTopicMetadata({ topics }));
    return metadata.topics.every((topic) => topic.partitions.length === 3 && topic.partitions.every((p) => p.leader >= 0 && p.isr.length === 3));
  }, 60_000, 'the topics\' leaders');
}

/** The group's committed offset per partition (absent: nothing committed); asked again while the group's coordinator moves after a kill. */
async function committed(topic: string, groupId: string): Promise<Map<number, number>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [entry] = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
      return new Map((entry?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, Number(p.offset)]));
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(1_000);
    }
  }
}

async function leaderOf(topic: string, partition: number): Promise<number> {
  const metadata = await withAdmin((admin) => admin.fetchTopicMetadata({ topics: [topic] }));
  return metadata.topics[0]!.partitions.find((p) => p.partitionId === partition)!.leader;
}

interface Ingest { child: ChildProcess; log: () => string }

/** Waits as `until` does; on a timeout the ingest's last log lines are in the error (no personal values: pdl logs none). */
async function whileIngesting(ingest: Ingest, condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  try {
    await until(condition, timeoutMs, what);
  } catch (error) {
    // The whole log in a file (its warnings come long before the progress lines that end it).
    const file = join(tempDir('faults-log'), 'ingest.log');
    writeFileSync(file, ingest.log());
    const warnings = ingest.log().split('\n').filter((line) => /"level":[4-6]0/.test(line)).slice(-20).join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}; pdl ingest's whole log: ${file}; its last warnings:\n${warnings}`);
  }
}

function startIngest(db: string, topic: string, group: string): Ingest {
  const child = spawn(process.execPath, [PDL, '--db', db, '--embedded-keys', 'ingest', '--brokers', brokers.join(','), '--topic', topic, '--group', group, '--log-interval', '1000', '--session-timeout', '3000'], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PDL_MASTER_KEY: '', PDL_STORE: '', PDL_SIGNING_KEY: '', PDL_SIGNING_KEY_FILE: '' },
  });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  return { child, log: () => log };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill(signal);
  return exited;
}

const sourceOf = (record: ReadRecord) => `${record.headers['pdl-source-partition']}:${record.headers['pdl-source-offset']}`;

beforeAll(async () => {
  const started = Date.now();
  brokers = await startCluster(CLUSTER, { nodes: 3 });
  process.stderr.write(`kafka: 3-node cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}, 180_000);

afterAll(async () => {
  await stopBroker(CLUSTER);
});

/** Every node alive again (a test that failed half-way may have left one down). */
async function allNodesUp(): Promise<void> {
  for (const node of clusterNodes(CLUSTER)) if (!node.alive) await restartNode(CLUSTER, node.id);
}

describe('a Kafka broker lost under pdl ingest', () => {
  it('the leader of a dead-letter partition SIGKILLed while pdl writes nothing but dead letters: every refused message is in the dead-letter topic (read by Kafka\'s Java consumer)', async () => {
    await allNodesUp();
    const topic = `faults.dlq-storm.${randomUUID().slice(0, 8)}`;
    const group = `g-${topic}`;
    await createTopics([topic, `${topic}.dlq`]);
    // Refused for their content (an unknown category), so every one costs a dead letter.
    const invalid = Array.from({ length: 12_000 }, (_, i) => {
      const event = anEvent('DataUsed', { subject: { id: `s-${i % 500}` } });
      return { key: `s-${i % 500}`, value: JSON.stringify({ ...event, data: { ...event.data, categories: ['contact.fax'] } }) };
    });
    const sent = await javaProduce(brokers, topic, invalid);
    expect(sent.failed).toBe(0);
    expect(sent.acked).toHaveLength(invalid.length);

    const db = join(tempDir('faults-storm'), 'ledger.db');
    const ingest = startIngest(db, topic, group);
    const victim = await leaderOf(`${topic}.dlq`, 0);
    // Kill while the dead letters flow: once a sixth of the source is committed.
    await whileIngesting(ingest, async () => [...(await committed(topic, group)).values()].reduce((a, b) => a + b, 0) >= invalid.length / 6, 120_000, 'dead letters to flow');
    await killNode(CLUSTER, victim);
    await sleep(8_000);
    await restartNode(CLUSTER, victim);
    await whileIngesting(ingest, async () => [...(await committed(topic, group)).values()].reduce((a, b) => a + b, 0) >= invalid.length, 180_000, 'the group to commit every message');
    expect(await stop(ingest.child)).toBe(0);

    const deadLetters = await javaRead(brokers, `${topic}.dlq`);
    const sources = new Set(deadLetters.map(sourceOf));
    const expected = new Set(sent.acked.map((ack) => `${ack.partition}:${ack.offset}`));
    const lost = [...expected].filter((source) => !sources.has(source));
    const restarts = ingest.log().split('\n').filter((line) => line.includes('starting a new one from the committed offsets')).length;
    process.stderr.write(`faults: dead-letter storm — sent ${invalid.length}, dead letters in the log ${deadLetters.length} (${sources.size} distinct sources), lost ${lost.length}, node ${victim} killed, consumer started again by pdl ${restarts}×\n`);
    expect(lost).toEqual([]);
    expect(sources).toEqual(expected);
    expect(storedIds(db)).toEqual([]);
  }, 400_000);

  it('two brokers lost one after the other, and pdl ingest SIGKILLed while the first is down: exactly the valid events stored once, every invalid one dead-lettered, no offset committed ahead of what is stored', async () => {
    await allNodesUp();
    const topic = `faults.mixed.${randomUUID().slice(0, 8)}`;
    const group = `g-${topic}`;
    await createTopics([topic, `${topic}.dlq`]);
    // 6,000 messages: one in 20 refused for its content, one in 20 a second copy of an event sent before (a producer's retry).
    const valid = Array.from({ length: 5_400 }, (_, i) => anEvent('DataUsed', { subject: { id: `s-${i % 700}` } }));
    const invalid = Array.from({ length: 300 }, (_, i) => {
      const event = anEvent('DataUsed', { subject: { id: `s-${i % 700}` } });
      return { ...event, data: { ...event.data, categories: ['contact.fax'] } };
    });
    const messages = [...valid, ...invalid, ...valid.slice(0, 300)].map((event, i) => ({ event, i, order: (i * 7919) % 6_000 }))
      .sort((a, b) => a.order - b.order).map(({ event }) => ({ key: event.subject?.id ?? 'none', value: JSON.stringify(event) }));
    const sent = await javaProduce(brokers, topic, messages);
    expect(sent.failed).toBe(0);
    expect(sent.acked).toHaveLength(messages.length);
    const total = messages.length;
    const validIds = new Set(valid.map((event) => event.id));
    const invalidIds = new Set(invalid.map((event) => event.id));
    const idAt = new Map(sent.acked.map((ack) => [`${ack.partition}:${ack.offset}`, (JSON.parse(messages[ack.index]!.value) as { id: string }).id]));

    const db = join(tempDir('faults-mixed'), 'ledger.db');
    const committedSum = async () => [...(await committed(topic, group)).values()].reduce((a, b) => a + b, 0);
    /** Every valid message below a committed offset is in the ledger: the group is never ahead of what is stored. */
    const neverAhead = async (when: string) => {
      const offsets = await committed(topic, group);
      const stored = new Set(storedIds(db));
      const missing = sent.acked.filter((ack) => ack.offset < (offsets.get(ack.partition) ?? 0))
        .map((ack) => idAt.get(`${ack.partition}:${ack.offset}`)!).filter((id) => validIds.has(id) && !stored.has(id));
      expect(missing, `committed ahead of the ledger ${when}`).toEqual([]);
    };
    let ingest = startIngest(db, topic, group);
    const first = await leaderOf(topic, 0);
    await whileIngesting(ingest, async () => (await committedSum()) >= total / 5, 120_000, 'a fifth of the topic committed');
    await killNode(CLUSTER, first);
    await neverAhead('after the first broker was killed');
    await whileIngesting(ingest, async () => (await committedSum()) >= total / 2, 180_000, 'half the topic committed with a broker down');
    // pdl ingest itself SIGKILLed while the broker is still down, and started again.
    expect(await stop(ingest.child, 'SIGKILL')).toBe(null);
    await neverAhead('after pdl ingest was SIGKILLed');
    ingest = startIngest(db, topic, group);
    await sleep(3_000);
    await restartNode(CLUSTER, first);
    await whileIngesting(ingest, async () => (await committedSum()) >= (total * 3) / 4, 180_000, 'three quarters committed');
    const second = clusterNodes(CLUSTER).map((node) => node.id).find((id) => id !== first)!;
    await killNode(CLUSTER, second);
    await neverAhead('after the second broker was killed');
    await whileIngesting(ingest, async () => (await committedSum()) >= total, 240_000, 'the group to commit every message');
    await restartNode(CLUSTER, second);
    expect(await stop(ingest.child)).toBe(0);

    const stored = storedIds(db);
    expect(stored.length).toBe(validIds.size);
    expect(new Set(stored)).toEqual(validIds);
    const deadLetters = await javaRead(brokers, `${topic}.dlq`);
    const deadIds = new Set(deadLetters.map((record) => (JSON.parse(record.value ?? '{}') as { id?: string }).id));
    expect([...invalidIds].filter((id) => !deadIds.has(id))).toEqual([]);
    expect([...deadIds].filter((id) => id === undefined || !invalidIds.has(id))).toEqual([]);
    const verified = await runPdl(['--db', db, 'verify', '--allow-unsigned']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    process.stderr.write(`faults: two brokers lost and ingest SIGKILLed — sent ${total} (${validIds.size} valid unique, 300 repeated, ${invalidIds.size} invalid), ` +
      `stored ${stored.length}, dead letters ${deadLetters.length} for ${deadIds.size} invalid events, lost 0, nodes ${first} then ${second} killed\n`);
  }, 900_000);
});
