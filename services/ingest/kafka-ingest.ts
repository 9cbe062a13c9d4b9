/**
 * Kafka ingestion: a consumer group on the events topic. Each batch is validated by the same
 * schemas and appended through the ledger's write path; what is refused goes to the dead-letter
 * topic with its reasons. Offsets are committed only after the append and the dead letters
 * succeeded: a crash means redelivery, and redelivery means duplicates the ledger ignores —
 * each event stored exactly once. A dead-letter write counts as succeeded only when the broker
 * acknowledged every partition it went to (see DeadLettersUnacknowledgedError).
 */
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type EachBatchPayload, type Message, type PartitionMetadata, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { FieldError } from '../../schemas/event.js';
import { UnavailableError } from '../errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { deadLetter, DeadLettersUnacknowledgedError, parseValue, unacknowledgedPartitions } from './dead-letter.js';

export interface IngestOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly deadLetterTopic?: string;
  readonly groupId?: string;
  readonly clientId?: string;
  /** How often to log progress and lag. */
  readonly logIntervalMs?: number;
  /** How soon the group gives a crashed consumer's partitions to another (at least the broker's minimum, 6 s by default). */
  readonly sessionTimeoutMs?: number;
  /**
   * Accept SubjectErased and PolicyPublished from the topic. Off by default: anyone who may
   * produce to the topic could otherwise crypto-shred any subject or change the rules.
   */
  readonly trustTopic?: boolean;
}

export const UNTRUSTED_TOPIC = 'is not accepted from the topic: pdl ingest takes erasures and policies only with --trust-topic (or record them with pdl erase, pdl record, or a dpo key)';

export interface IngestStatus {
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly running: boolean;
  readonly consumed: number;
  readonly appended: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  /** Messages in the topic not yet committed by the group (refreshed every log interval). */
  readonly lag: number | null;
  readonly lastBatchAt: string | null;
  /** Times the consumer was started again by pdl after kafkajs gave up on it (a crash it would not restart). */
  readonly consumerRestarts: number;
}

/** Broker answers kafkajs retries by itself (coordinator or leader not ready yet). */
const TRANSIENT_KAFKA_ERRORS = /coordinator is (not available|loading)|no leader|leadership election|not the leader|does not host this topic-partition|not the correct coordinator/i;

/**
 * Our level for a kafkajs log entry. kafkajs logs at error level the responses it then retries —
 * a coordinator still starting, a leader being elected — which on a healthy start is noise; what
 * it finally gives up on reaches the ingest as a thrown error.
 */
export function kafkaLogLevel(level: logLevel, error: unknown): 'error' | 'warn' | 'debug' {
  if (typeof error === 'string' && TRANSIENT_KAFKA_ERRORS.test(error)) return 'debug';
  return level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'debug';
}

/**
 * Dead letters per send, in bytes: kafkajs puts a send's messages for one partition into one record batch, and a
 * batch over the broker's message.max.bytes (1 MiB by default) is refused as too large — not retried — which
 * stopped the consumer on a batch of many refused messages.
 */
const DEAD_LETTER_SEND_BYTES = 256 * 1024;

const messageBytes = (message: Message): number => {
  const size = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value) : Buffer.isBuffer(value) ? value.length : 0);
  const headers = Object.entries(message.headers ?? {}).reduce((sum, [name, value]) => sum + name.length + (Array.isArray(value) ? value.reduce((s: number, v) => s + size(v), 0) : size(value)), 0);
  return size(message.key) + size(message.value) + headers + 64;
};

/** Consecutive parts of at most `limit` bytes each (a single larger message is a part of its own). */
function bySize<T extends Message>(messages: readonly T[], limit: number): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = messageBytes(message);
    if (part.length > 0 && bytes + size > limit) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(message);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

export class KafkaIngest {
  private readonly kafka: Kafka;
  private consumer: Consumer;
  private readonly sessionTimeoutMs: number;
  private consumerRestarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly topic: string;
  private readonly deadLetterTopic: string;
  private readonly groupId: string;
  /** Places dead letters as the producer would by key, so that each send knows which partitions it must see acknowledged. */
  private readonly placeDeadLetter = Partitioners.DefaultPartitioner();
  private deadLetterPartitions: PartitionMetadata[] = [];
  private timer: NodeJS.Timeout | undefined;
  private counts = { consumed: 0, appended: 0, duplicates: 0, deadLettered: 0 };
  private lag: number | null = null;
  private lastBatchAt: string | null = null;
  private running = false;

  constructor(private readonly ledger: Ledger, private readonly options: IngestOptions, private readonly log: Logger) {
    this.topic = options.topic;
    this.deadLetterTopic = options.deadLetterTopic ?? `${options.topic}.dlq`;
    this.groupId = options.groupId ?? 'pdl-ingest';
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'pdl-ingest',
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: () => ({ level, log: entry }) => {
        const error: unknown = entry.error;
        this.log[kafkaLogLevel(level, error)]({ kafka: entry.message, ...(typeof error === 'string' ? { error } : {}) }, 'kafkajs');
      },
    });
    // A short session: after a crash the group hands the partitions on within seconds.
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.consumer = this.newConsumer();
    // The default partitioner, named: kafkajs warns on every start when it is left implicit.
    this.producer = this.kafka.producer({ allowAutoTopicCreation: true, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    this.admin = this.kafka.admin();
  }

  async start(): Promise<void> {
    await Promise.all([this.admin.connect(), this.producer.connect(), this.consumer.connect()]);
    await this.ensureTopics();
    this.running = true;
    await this.runConsumer();
    this.timer = setInterval(() => void this.report(), this.options.logIntervalMs ?? 10_000);
    this.log.info({ topic: this.topic, deadLetterTopic: this.deadLetterTopic, groupId: this.groupId }, 'ingest started');
  }

  private newConsumer(): Consumer {
    const sessionTimeout = this.sessionTimeoutMs;
    return this.kafka.consumer({ groupId: this.groupId, sessionTimeout, rebalanceTimeout: sessionTimeout, heartbeatInterval: Math.min(1_000, sessionTimeout / 3) });
  }

  private async runConsumer(): Promise<void> {
    const consumer = this.consumer;
    // kafkajs restarts a consumer after a retriable crash only. After a non-retriable one — a commit refused with
    // "the coordinator is not aware of this member" once a broker loss made the group move on — it disconnects and
    // stays down while the process lives on, consuming nothing. pdl starts a new consumer from the committed
    // offsets instead (nothing past them was committed, so nothing is skipped; what is read again is a duplicate
    // the ledger ignores, or a dead letter written again with the same source offset).
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || !this.running || consumer !== this.consumer) return;
      const delay = Math.min(30_000, 1_000 * 2 ** Math.min(this.consumerRestarts, 5));
      this.log.warn({ error: payload.error.message, retryInMs: delay, consumerRestarts: this.consumerRestarts + 1 }, 'the Kafka consumer stopped after an error kafkajs does not retry: starting a new one from the committed offsets');
      this.restartTimer = setTimeout(() => void this.restartConsumer(), delay);
    });
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.handleBatch(payload) });
  }

  private async restartConsumer(): Promise<void> {
    if (!this.running) return;
    this.consumerRestarts += 1;
    await this.consumer.disconnect().catch(() => undefined);
    this.consumer = this.newConsumer();
    try {
      await this.consumer.connect();
      await this.runConsumer();
      this.log.info({ consumerRestarts: this.consumerRestarts }, 'the Kafka consumer is running again');
    } catch (error) {
      const delay = Math.min(30_000, 1_000 * 2 ** Math.min(this.consumerRestarts, 5));
      this.log.warn({ error: error instanceof Error ? error.message : String(error), retryInMs: delay }, 'the Kafka consumer could not start again; trying later');
      this.restartTimer = setTimeout(() => void this.restartConsumer(), delay);
    }
  }

  /** Finishes the batch in hand, commits it, and disconnects. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.restartTimer);
    this.running = false;
    await this.consumer.disconnect();
    await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
    this.log.info(this.status(), 'ingest stopped');
  }

  status(): IngestStatus {
    return { topic: this.topic, deadLetterTopic: this.deadLetterTopic, groupId: this.groupId, running: this.running, ...this.counts, lag: this.lag, lastBatchAt: this.lastBatchAt, consumerRestarts: this.consumerRestarts };
  }

  private async ensureTopics(): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = [this.topic, this.deadLetterTopic].filter((topic) => !existing.has(topic));
    // Not kafkajs's waitForLeaders: on a cluster of several nodes it asks one that has not yet heard of the new
    // topic and fails the start ("does not host this topic-partition"); the metadata is awaited below instead.
    if (missing.length > 0) await this.admin.createTopics({ topics: missing.map((topic) => ({ topic })), waitForLeaders: false });
    await this.refreshDeadLetterPartitions([this.topic, this.deadLetterTopic]);
  }

  /** The dead-letter topic's partitions, each with a leader; a node that has not yet heard of a new topic answers with an error for a few seconds. */
  private async refreshDeadLetterPartitions(topics: string[] = [this.deadLetterTopic]): Promise<void> {
    let failure: unknown;
    for (let attempt = 1; attempt <= 60; attempt++) {
      try {
        const metadata = await this.admin.fetchTopicMetadata({ topics });
        const partitions = metadata.topics.find((topic) => topic.name === this.deadLetterTopic)?.partitions ?? [];
        if (partitions.length > 0 && metadata.topics.every((topic) => topic.partitions.every((partition) => partition.leader >= 0))) {
          this.deadLetterPartitions = partitions;
          return;
        }
      } catch (error) {
        failure = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new UnavailableError(`the brokers did not show every partition of ${topics.join(', ')} with a leader within 30 s`, { cause: failure });
  }

  /** Sends dead letters with acks=-1 and checks the answer covers every partition written to. */
  private async sendDeadLetters(messages: Message[]): Promise<void> {
    if (this.deadLetterPartitions.length === 0) await this.refreshDeadLetterPartitions();
    const placed = messages.map((message) => ({ ...message, partition: this.placeDeadLetter({ topic: this.deadLetterTopic, partitionMetadata: this.deadLetterPartitions, message }) }));
    for (const part of bySize(placed, DEAD_LETTER_SEND_BYTES)) {
      const acknowledged = await this.producer.send({ topic: this.deadLetterTopic, acks: -1, messages: part });
      const missing = unacknowledgedPartitions(part.map((message) => message.partition), acknowledged);
      if (missing.length > 0) {
        this.log.warn({ deadLetterTopic: this.deadLetterTopic, partitions: missing, messages: part.length }, 'dead letters not acknowledged by the broker: the batch will be redelivered');
        await this.refreshDeadLetterPartitions();
        throw new DeadLettersUnacknowledgedError(missing);
      }
    }
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const source = { topic: batch.topic, partition: batch.partition };
    const parsed = batch.messages.map((message) => ({ message, parsed: parseValue(message.value) }));
    const events = parsed.flatMap((entry) => (entry.parsed.ok ? [{ message: entry.message, value: entry.parsed.value }] : []));
    const refused: { message: (typeof batch.messages)[number]; errors: readonly FieldError[] }[] =
      parsed.flatMap((entry) => (entry.parsed.ok ? [] : [{ message: entry.message, errors: entry.parsed.errors }]));

    const submitter = { kind: 'kafka', id: batch.topic } as const;
    const result = await this.ledger.record(events.map((event) => event.value), this.options.trustTopic ? { submitter } : { privilegedRefusal: UNTRUSTED_TOPIC, submitter });
    for (const rejection of result.rejected) refused.push({ message: events[rejection.index]!.message, errors: rejection.errors });

    if (refused.length > 0) {
      const now = new Date();
      refused.sort((a, b) => Number(BigInt(a.message.offset) - BigInt(b.message.offset)));
      await this.sendDeadLetters(refused.map((r) => deadLetter(r.message, source, r.errors, now)));
    }
    // Only now is the batch safe: commit past its last message.
    const last = batch.messages[batch.messages.length - 1]!.offset;
    resolveOffset(last);
    await this.consumer.commitOffsets([{ ...source, offset: (BigInt(last) + 1n).toString() }]);
    await heartbeat();

    this.counts.consumed += batch.messages.length;
    this.counts.appended += result.appended;
    this.counts.duplicates += result.duplicates;
    this.counts.deadLettered += refused.length;
    this.lastBatchAt = new Date().toISOString();
  }

  private async report(): Promise<void> {
    try {
      const [high, committed] = await Promise.all([
        this.admin.fetchTopicOffsets(this.topic),
        this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
      ]);
      const done = new Map(committed[0]?.partitions.map((p) => [p.partition, BigInt(p.offset === '-1' ? '0' : p.offset)]) ?? []);
      this.lag = Number(high.reduce((sum, p) => sum + BigInt(p.high) - (done.get(p.partition) ?? BigInt(p.low)), 0n));
    } catch (error) {
      this.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'could not read the lag');
    }
    this.log.info(this.status(), 'ingest progress');
  }
}
