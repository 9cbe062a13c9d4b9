#!/usr/bin/env node
/**
 * A real, local Apache Kafka 3.9.2 broker (KRaft: one node is broker and controller) on
 * 127.0.0.1, for tests and development. No Docker, no download of a tarball: the classpath
 * comes from Maven Central through infra/kafka/pom.xml.
 *
 *   node infra/kafka/broker.mjs start [--name N]   fetch the classpath if needed, start, wait, print the address
 *   node infra/kafka/broker.mjs stop [--name N]    stop it and remove its data
 *   node infra/kafka/broker.mjs fetch              only fetch the classpath
 *
 * `npm run kafka:start` / `npm run kafka:stop` run the first two; the tests' global setup
 * starts its own broker the same way unless KAFKA_BROKERS names one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const LIB = join(HERE, 'lib');
const RUN = join(HERE, 'run');
const log = (message) => process.stderr.write(`kafka: ${message}\n`);

export function fetchClasspath() {
  if (existsSync(LIB) && readdirSync(LIB).some((file) => file.startsWith('kafka_2.13-3.9.2'))) return;
  log('fetching Apache Kafka 3.9.2 from Maven Central (first use only)…');
  execFileSync('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DoutputDirectory=lib', '-DincludeScope=runtime'], { cwd: HERE, stdio: ['ignore', 'inherit', 'inherit'] });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const java = () => (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java');

/** Starts a broker; resolves with its bootstrap address once it has said it started. */
export async function startBroker(name = 'dev', { timeoutMs = 90_000 } = {}) {
  const dir = join(RUN, name);
  const addressFile = join(dir, 'address');
  if (existsSync(addressFile)) {
    const address = readFileSync(addressFile, 'utf8').trim();
    if (await accepts(Number(address.split(':')[1]))) return address;
    rmSync(dir, { recursive: true, force: true });
  }
  fetchClasspath();
  mkdirSync(join(dir, 'data'), { recursive: true });
  const [port, controllerPort] = [await freePort(), await freePort()];
  const properties = join(dir, 'server.properties');
  writeFileSync(properties, [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // A local broker: let consumers ask for short sessions (Kafka's floor is 6 s), so a killed one is noticed in ~2 s.
    'group.min.session.timeout.ms=1000',
    'auto.create.topics.enable=true',
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'log4j.properties'), [
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${join(dir, 'broker.log')}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.state.change.logger=WARN',
    '',
  ].join('\n'));
  const classpath = `${LIB}/*`;
  const jvm = ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, '-cp', classpath];
  // A cluster id is 16 random bytes in base64url; one starting with '-' would read as an option.
  let clusterId;
  do clusterId = randomBytes(16).toString('base64url'); while (clusterId.startsWith('-'));
  execFileSync(java(), [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties], { stdio: 'ignore' });
  const out = openSync(join(dir, 'stdout.log'), 'a');
  const child = spawn(java(), [...jvm, 'kafka.Kafka', properties], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(join(dir, 'pid'), String(child.pid));
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const text = existsSync(join(dir, 'broker.log')) ? readFileSync(join(dir, 'broker.log'), 'utf8') : '';
    if (/Kafka Server started/.test(text) && (await accepts(port))) {
      const address = `127.0.0.1:${port}`;
      writeFileSync(addressFile, address);
      return address;
    }
    try {
      process.kill(child.pid, 0);
    } catch {
      throw new Error(`the broker exited during start; see ${join(dir, 'stdout.log')} and broker.log`);
    }
    await sleep(250);
  }
  await stopBroker(name);
  throw new Error(`the broker did not start within ${timeoutMs / 1000} s; see ${dir}`);
}

/** Stops a broker started by `startBroker` and removes its data. */
export async function stopBroker(name = 'dev') {
  const dir = join(RUN, name);
  const pidFile = join(dir, 'pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
  if (alive()) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 80 && alive(); i++) await sleep(250);
    if (alive()) process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command, ...rest] = process.argv.slice(2);
  const name = rest[rest.indexOf('--name') + 1] && rest.includes('--name') ? rest[rest.indexOf('--name') + 1] : 'dev';
  try {
    if (command === 'start') {
      const address = await startBroker(name);
      log(`broker "${name}" is up: KAFKA_BROKERS=${address}`);
      process.stdout.write(`${address}\n`);
    } else if (command === 'stop') {
      log((await stopBroker(name)) ? `broker "${name}" stopped` : `no broker "${name}" is running`);
    } else if (command === 'fetch') {
      fetchClasspath();
    } else {
      process.stderr.write('usage: node infra/kafka/broker.mjs start|stop|fetch [--name NAME]\n');
      process.exitCode = command === '--help' || command === undefined ? 0 : 2;
    }
  } catch (error) {
    log(error.message);
    process.exitCode = 1;
  }
}
