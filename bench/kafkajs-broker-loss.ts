/**
 * Does kafkajs's send() resolve for messages that never reach the log when a broker dies?
 * (tulios/kafkajs#1303). Starts a 3-node cluster (infra/kafka), sends N messages with known ids
 * through kafkajs (acks=-1; `--idempotent` for the settings of pdl's dead-letter producer),
 * SIGKILLs one node a third of the way, and counts with Kafka's own Java reader what is in the topic.
 *
 *   npx tsx bench/kafkajs-broker-loss.ts [--messages 60000] [--chunk 100] [--idempotent] [--concurrency 1]
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { killNode, startCluster, stopBroker } from '../infra/kafka/broker.mjs';
import { javaRead } from '../test/faults/java-probe.js';

const arg = (flag: string, fallback: string) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1]! : fallback);
const total = Number(arg('--messages', '60000'));
const chunk = Number(arg('--chunk', '100'));
const concurrency = Number(arg('--concurrency', '1'));
const idempotent = process.argv.includes('--idempotent');

const name = `loss-${process.pid}`;
const brokers = await startCluster(name, { nodes: 3 });
try {
  const kafka = new Kafka({ clientId: 'loss', brokers, logLevel: logLevel.NOTHING });
  const topic = `loss.${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
  const leaders = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader }));
  await admin.disconnect();
  const victim = leaders[0]!.leader;

  const producer = kafka.producer(idempotent
    ? { idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }
    : { createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const resolved = new Set<number>();
  const sends: { ids: number[]; meta: { partition: number; baseOffset: string; errorCode: number }[] }[] = [];
  let errors = 0;
  let next = 0;
  let killed = false;
  const started = Date.now();
  const worker = async () => {
    while (next < total) {
      const from = next;
      next = Math.min(total, next + chunk);
      if (!killed && from >= total / 3) {
        killed = true;
        void killNode(name, victim);
      }
      const ids = Array.from({ length: next - from }, (_, i) => from + i);
      try {
        const meta = await producer.send({ topic, acks: -1, messages: ids.map((id) => ({ key: `k-${id % 997}`, value: JSON.stringify({ id }) })) });
        sends.push({ ids, meta: meta.map((m) => ({ partition: m.partition, baseOffset: m.baseOffset ?? '', errorCode: m.errorCode })) });
        ids.forEach((id) => resolved.add(id));
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (Date.now() - started) / 1000;
  await producer.disconnect();

  const records = await javaRead(brokers.filter((_, i) => i + 1 !== victim), topic);
  const inLog = new Set(records.map((r) => (JSON.parse(r.value!) as { id: number }).id));
  const lost = [...resolved].filter((id) => !inLog.has(id));
  const lostByPartition = new Map<number, number>();
  // Where a lost message would have gone: the partition of its key, as a kept message with the same key shows.
  const partitionOfKey = new Map(records.map((r) => [r.key, r.partition]));
  for (const id of lost) {
    const partition = partitionOfKey.get(`k-${id % 997}`) ?? -1;
    lostByPartition.set(partition, (lostByPartition.get(partition) ?? 0) + 1);
  }
  if (process.argv.includes('--explain')) {
    const at = new Map(records.map((r) => [`${r.partition}:${r.offset}`, (JSON.parse(r.value!) as { id: number }).id]));
    for (const send of sends.filter((s) => s.ids.some((id) => lost.includes(id)))) {
      const lostHere = send.ids.filter((id) => lost.includes(id));
      process.stdout.write(`${JSON.stringify({ first: send.ids[0], lost: lostHere.length, meta: send.meta, atBase: send.meta.map((m) => [0, 1, 2].map((k) => at.get(`${m.partition}:${Number(m.baseOffset) + k}`))) })}\n`);
    }
  }
  process.stdout.write(`${JSON.stringify({
    producer: idempotent ? 'kafkajs idempotent, maxInFlightRequests 1 (pdl dead letters)' : 'kafkajs default',
    messages: total, chunk, concurrency, seconds, killedNode: victim, leaders,
    sendsRejected: errors, resolved: resolved.size, inLog: inLog.size, records: records.length,
    duplicates: records.length - inLog.size,
    resolvedButLost: lost.length, lostByPartition: Object.fromEntries(lostByPartition),
  })}\n`);
} finally {
  await stopBroker(name);
}
