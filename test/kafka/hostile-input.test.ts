/**
 * Hostile messages on the topic, against a real broker: a lone surrogate or a producer's erasure
 * is that message's dead letter, never a stalled partition or a shredded subject.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaIngest } from '../../services/ingest/kafka-ingest.js';
import { DLQ_HEADERS } from '../../services/ingest/dead-letter.js';
import { anEvent } from '../fixtures/events.js';
import { tempLedger } from '../fixtures/temp-ledger.js';
import { brokers, createTopics, produce, readTopic, uniqueTopic, until } from './kafka-helpers.js';

const running: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const item of running) await item.stop();
});

async function ingestOf(topic: string, trustTopic: boolean) {
  await createTopics([topic, `${topic}.dlq`], 1);
  const opened = await tempLedger();
  const ingest = new KafkaIngest(opened.ledger, { brokers: brokers(), topic, groupId: `g-${topic}`, logIntervalMs: 60_000, trustTopic }, pino({ level: 'silent' }));
  await ingest.start();
  running.push({ stop: async () => { await ingest.stop(); await opened.close(); } });
  return { opened, ingest };
}

describe('hostile messages on the topic', () => {
  it('a lone surrogate and an untrusted SubjectErased are dead-lettered by path; the messages after them are consumed', async () => {
    const topic = uniqueTopic('hostile');
    const { opened, ingest } = await ingestOf(topic, false);
    const collected = anEvent('DataCollected', { subject: { id: 'h-1' } });
    const surrogate = JSON.stringify(anEvent('DataUsed', { subject: { id: 'h-1' } })).replace('"risk-engine"', '"risk\\ud800engine"');
    const erase = anEvent('SubjectErased', { subject: { id: 'h-1' } });
    const after = anEvent('DataUsed', { subject: { id: 'h-1' } });
    await produce(topic, [collected, surrogate, erase, after].map((value) => ({ key: 'h-1', value: typeof value === 'string' ? value : JSON.stringify(value) })));
    await until(() => ingest.status().consumed >= 4, 60_000, 'the four messages consumed');
    expect(ingest.status()).toMatchObject({ appended: 2, deadLettered: 2 });
    const letters = await readTopic(`${topic}.dlq`, 2);
    const errors = letters.map((letter) => JSON.parse(letter.headers![DLQ_HEADERS.errors]!.toString()) as { path: string; message: string }[]);
    expect(errors[0]).toEqual([{ path: 'data.system', message: expect.stringMatching(/well-formed/) }]);
    expect(errors[1]).toEqual([{ path: 'type', message: expect.stringMatching(/--trust-topic/) }]);
    expect(await opened.keys.isErased('h-1')).toBe(false);
  });

  it('with --trust-topic, an erasure from the topic is taken', async () => {
    const topic = uniqueTopic('trusted');
    const { opened, ingest } = await ingestOf(topic, true);
    await produce(topic, [anEvent('DataCollected', { subject: { id: 't-1' } }), anEvent('SubjectErased', { subject: { id: 't-1' } })].map((event) => ({ key: 't-1', value: JSON.stringify(event) })));
    await until(() => ingest.status().consumed >= 2, 60_000, 'the two messages consumed');
    expect(ingest.status()).toMatchObject({ appended: 2, deadLettered: 0 });
    expect(await opened.keys.isErased('t-1')).toBe(true);
  });
});
