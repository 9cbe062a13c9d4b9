/** For the Kafka project: a real broker from infra/kafka, unless KAFKA_BROKERS names one already. */
import type { TestProject } from 'vitest/node';
import { startBroker, stopBroker } from '../../infra/kafka/broker.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.KAFKA_BROKERS) {
    project.provide('kafkaBrokers', process.env.KAFKA_BROKERS);
    return async () => undefined;
  }
  const name = `test-${process.pid}`;
  const started = Date.now();
  const brokers = await startBroker(name);
  process.stderr.write(`kafka: test broker up at ${brokers} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  project.provide('kafkaBrokers', brokers);
  return async () => {
    await stopBroker(name);
  };
}
