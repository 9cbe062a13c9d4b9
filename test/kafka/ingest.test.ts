/**
 * Kafka ingestion against a real broker: every valid event stored exactly once, every invalid
 * one dead-lettered with its reasons, per-subject order kept.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaIngest } from '../../services/ingest/kafka-ingest.js';
import { DLQ_HEADERS } from '../../services/ingest/dead-letter.js';
import { verifyChain } from '../../services/ledger/verify.js';
import { anEvent } from '../fixtures/events.js';
import { tempLedger } from '../fixtures/temp-ledger.js';
import { brokers, createTopics, produce, readTopic, uniqueTopic, until } from './kafka-helpers.js';

type Ledger = Awaited<ReturnType<typeof tempLedger>>;

/** Five kinds of bad message, each a real mistake a producer makes. */
function invalidMessage(i: number): string {
  const base = anEvent('DataUsed', { subject: { id: `k-${i % 50}` } });
  switch (i % 5) {
    case 0: return `{"id": "${base.id}", "type": "DataUsed", `; // cut off
    case 1: return JSON.stringify({ ...base, type: 'DataSold' });
    case 2: return JSON.stringify({ ...base, actor: undefined, occurredAt: undefined });
    case 3: return JSON.stringify({ ...base, data: { ...base.data, categories: ['contact.fax'] } });
    default: return 'this is not JSON at all';
  }
}

describe('pdl ingest against a real Kafka broker', () => {
  let ledger: Ledger;
  let ingest: KafkaIngest;
  const topic = uniqueTopic('ingest');
  const valid: ReturnType<typeof anEvent>[] = [];
  const invalid: string[] = [];

  beforeAll(async () => {
    await createTopics([topic, `${topic}.dlq`]);
    ledger = await tempLedger();
    ingest = new KafkaIngest(ledger.ledger, { brokers: brokers(), topic, groupId: `g-${topic}`, logIntervalMs: 2000 }, pino({ level: 'warn' }));
    await ingest.start();
  });
  afterAll(async () => {
    await ingest.stop();
    await ledger.close();
  });

  it('10,000 messages, 5 % invalid and 5 % duplicates: exactly the valid unique events stored, exactly the invalid ones dead-lettered', async () => {
    const messages: { key: string; value: string }[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i % 20 === 7) {
        const value = invalidMessage(invalid.length);
        invalid.push(value);
        messages.push({ key: `k-${i % 50}`, value });
      } else if (i % 20 === 13 && valid.length > 0) {
        const again = valid[Math.floor(valid.length / 2)]!;
        messages.push({ key: again.subject!.id, value: JSON.stringify(again) });
      } else {
        const subject = { id: `k-${i % 500}` };
        const event = anEvent('DataUsed', { subject, occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() });
        valid.push(event);
        messages.push({ key: subject.id, value: JSON.stringify(event) });
      }
    }
    expect(invalid).toHaveLength(500);
    expect(valid).toHaveLength(9_000);
    await produce(topic, messages);

    await until(() => ingest.status().consumed >= 10_000, 120_000, 'the consumer to take all 10,000 messages');
    const status = ingest.status();
    expect(status).toMatchObject({ consumed: 10_000, appended: 9_000, duplicates: 500, deadLettered: 500 });

    const stored: string[] = [];
    const submitters = new Set<string>();
    for await (const event of ledger.store.readAll()) {
      stored.push(event.id);
      submitters.add(JSON.stringify((event.body as { submitter?: unknown }).submitter));
    }
    // Who handed each event in is the topic it came from, under the chain.
    expect([...submitters]).toEqual([JSON.stringify({ kind: 'kafka', id: topic })]);
    expect(stored).toHaveLength(9_000);
    expect(new Set(stored)).toEqual(new Set(valid.map((e) => e.id)));
    expect((await verifyChain(ledger.store)).ok).toBe(true);

    const dead = await readTopic(`${topic}.dlq`, 500);
    expect(dead).toHaveLength(500);
    expect(dead.map((m) => m.value!.toString()).sort()).toEqual([...invalid].sort());
    for (const message of dead) {
      const errors = JSON.parse(message.headers![DLQ_HEADERS.errors]!.toString()) as { path: string; message: string }[];
      expect(errors.length).toBeGreaterThan(0);
      expect(message.headers![DLQ_HEADERS.sourceTopic]!.toString()).toBe(topic);
      expect(message.headers![DLQ_HEADERS.sourceOffset]).toBeDefined();
    }
    const reasons = dead.map((m) => JSON.parse(m.headers![DLQ_HEADERS.errors]!.toString()) as { path: string; message: string }[]);
    expect(reasons.some((r) => r.some((e) => e.message.startsWith('not valid JSON')))).toBe(true);
    expect(reasons.some((r) => r.some((e) => e.path === 'type' && e.message.includes('"DataSold"')))).toBe(true);
    expect(reasons.some((r) => r.some((e) => e.path === 'actor' && e.message === 'is required'))).toBe(true);
    expect(reasons.some((r) => r.some((e) => e.path === 'data.categories[0]'))).toBe(true);
  }, 240_000);

  it('keeps each subject\'s order: a stream holds its events in the order they were produced', async () => {
    const produced = new Map<string, string[]>();
    for (const event of valid) produced.set(event.subject!.id, [...(produced.get(event.subject!.id) ?? []), event.id]);
    for (const [subject, ids] of [...produced].slice(0, 100)) {
      const stream = await ledger.store.readStream(`subject-${subject}`);
      expect(stream.map((e) => e.id), subject).toEqual(ids);
    }
  });
});
