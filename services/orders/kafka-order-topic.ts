/**
 * The orders topic's producer: kafkajs, idempotent, every send acknowledged by all in-sync replicas
 * before the delivery counts as made. Connected at the first send and again after a failure, so a
 * broker down at start delays deliveries (retried with backoff) rather than the server.
 */
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkaLogLevel } from '../ingest/kafka-ingest.js';
import type { OrderMessageOut, OrderTopic } from './deliver-orders.js';

export function kafkaOrderTopic(brokers: readonly string[], topic: string, log: Pick<Logger, 'error' | 'warn' | 'debug'>): OrderTopic {
  const kafka = new Kafka({
    clientId: 'pdl-deletion-orders',
    brokers: [...brokers],
    logLevel: logLevel.WARN,
    // A short first retry: the delivery loop has its own backoff, persisted; kafkajs's own would only hold a claim longer.
    retry: { retries: 3, initialRetryTime: 300 },
    logCreator: () => ({ level, log: entry }) => {
      const error: unknown = entry.error;
      log[kafkaLogLevel(level, error)]({ kafka: entry.message, ...(typeof error === 'string' ? { error } : {}) }, 'kafkajs (orders topic)');
    },
  });
  let producer: Producer | null = null;
  let connecting: Promise<Producer> | null = null;
  const connected = (): Promise<Producer> => {
    connecting ??= (async () => {
      const made = kafka.producer({ allowAutoTopicCreation: true, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await made.connect();
      producer = made;
      return made;
    })().catch((error: unknown) => {
      connecting = null;
      throw error;
    });
    return connecting;
  };
  return {
    topic,
    async send(message: OrderMessageOut) {
      const made = await connected();
      try {
        await made.send({ topic, acks: -1, messages: [{ key: message.key, value: message.value, headers: message.headers }] });
      } catch (error) {
        // A fresh producer next time: kafkajs may leave this one disconnected for good after a broker loss.
        connecting = null;
        producer = null;
        await made.disconnect().catch(() => undefined);
        throw error;
      }
    },
    async stop() {
      const made = producer;
      producer = null;
      connecting = null;
      await made?.disconnect().catch(() => undefined);
    },
  };
}
