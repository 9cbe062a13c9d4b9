/** Producing to and reading from the real test broker (see test/setup/kafka.ts). */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage, type Message } from 'kafkajs';
import { inject } from 'vitest';

export const brokers = (): string[] => inject('kafkaBrokers').split(',');

export function kafka(): Kafka {
  return new Kafka({ clientId: `pdl-test-${randomUUID().slice(0, 8)}`, brokers: brokers(), logLevel: logLevel.NOTHING });
}

export const uniqueTopic = (label: string) => `pdl.test.${label}.${randomUUID().slice(0, 8)}`;

export async function createTopics(topics: string[], partitions = 3): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
  await admin.disconnect();
}

export async function produce(topic: string, messages: Message[], chunk = 500): Promise<void> {
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < messages.length; i += chunk) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) });
  await producer.disconnect();
}

/** Reads a whole topic from the start, until `count` messages arrived or `timeoutMs` passed. */
export async function readTopic(topic: string, count: number, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  return readTopicUntil(topic, (messages) => messages.length >= count, timeoutMs);
}

/** Reads a whole topic from the start, until `done` says so (then a little longer) or `timeoutMs` passed. */
export async function readTopicUntil(topic: string, done: (messages: readonly KafkaMessage[]) => boolean, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  const consumer = kafka().consumer({ groupId: `reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const messages: KafkaMessage[] = [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    let finishing = false;
    void consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
        if (!finishing && done(messages)) {
          finishing = true;
          clearTimeout(timer);
          // A little longer: anything beyond what was awaited would be a bug the caller must see.
          setTimeout(resolve, 1500);
        }
      },
    });
  });
  await consumer.disconnect();
  return messages;
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Messages of `topic` the consumer group has not committed past yet (0: it is done with everything published). */
export async function groupLag(topic: string, groupId: string): Promise<number> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [high, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset === '-1' ? 0 : p.offset)]) ?? []);
    return high.reduce((sum, p) => sum + Number(p.high) - (done.get(p.partition) ?? 0), 0);
  } finally {
    await admin.disconnect();
  }
}
