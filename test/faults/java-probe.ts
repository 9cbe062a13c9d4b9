/**
 * Kafka's own Java client (the brokers' jars), as the trusted producer and the independent reader
 * of the fault tests: infra/kafka/tools/Probe.java run as a single source file.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const KAFKA = resolve('infra/kafka');
const javaArgs = (mode: string, brokers: readonly string[], topic: string) =>
  ['-Xmx128m', `-Dlog4j.configuration=file:${KAFKA}/tools/log4j.properties`, '-cp', `${KAFKA}/lib/*`, `${KAFKA}/tools/Probe.java`, mode, brokers.join(','), topic];

function run(mode: string, brokers: readonly string[], topic: string, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java', javaArgs(mode, brokers, topic), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout: Buffer.concat(out).toString('utf8'), stderr }));
    child.stdin.end(input);
  });
}

export interface Acked {
  readonly partition: number;
  readonly offset: number;
  /** The line's index in what was sent. */
  readonly index: number;
}

/** Sends `key<TAB>value` records with Kafka's Java producer (acks=all, idempotent); resolves with each acknowledgement. */
export async function javaProduce(brokers: readonly string[], topic: string, records: readonly { key: string; value: string }[]): Promise<{ acked: Acked[]; failed: number }> {
  for (const record of records) if (/[\t\n]/.test(record.key) || record.value.includes('\n')) throw new Error('a key or value with a tab or newline');
  const result = await run('produce', brokers, topic, records.map((r) => `${r.key}\t${r.value}\n`).join(''));
  const acked = result.stdout.split('\n').filter((line) => line.startsWith('acked ')).map((line) => {
    const [, partition, offset, index] = line.split(' ');
    return { partition: Number(partition), offset: Number(offset), index: Number(index) };
  });
  const failed = result.stderr.split('\n').filter((line) => line.startsWith('failed ')).length;
  if (result.code !== 0 && failed === 0) throw new Error(`the Java producer exited ${result.code}: ${result.stderr.slice(-2000)}`);
  return { acked, failed };
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Partial<Record<string, string>>>;
}

/** Every record of a topic, read by Kafka's Java consumer from each partition's start to its end offset (no consumer group). */
export async function javaRead(brokers: readonly string[], topic: string): Promise<ReadRecord[]> {
  const result = await run('read', brokers, topic);
  if (result.code !== 0) throw new Error(`the Java reader exited ${result.code}: ${result.stderr.slice(-2000)}`);
  const text = (b64: string | null) => (b64 === null ? null : Buffer.from(b64, 'base64').toString('utf8'));
  return result.stdout.split('\n').filter(Boolean).map((line) => {
    const raw = JSON.parse(line) as { p: number; o: number; k: string | null; v: string | null; h: Record<string, string> };
    return { partition: raw.p, offset: raw.o, key: text(raw.k), value: text(raw.v), headers: Object.fromEntries(Object.entries(raw.h).map(([name, value]) => [name, text(value) ?? ''])) };
  });
}
