#!/usr/bin/env node
/**
 * A real, local Apache Kafka 3.9.2 cluster (KRaft, combined nodes: each is broker and controller)
 * on 127.0.0.1, for tests and development. No Docker, no download of a tarball: the classpath
 * comes from Maven Central through infra/kafka/pom.xml.
 *
 *   node infra/kafka/broker.mjs start [--name N] [--nodes 3]   fetch the classpath if needed, start, wait, print the addresses
 *   node infra/kafka/broker.mjs stop [--name N]                stop every node and remove the data
 *   node infra/kafka/broker.mjs fetch                          only fetch the classpath
 *
 * `npm run kafka:start` / `npm run kafka:stop` run the first two; the tests' global setup
 * starts its own single node the same way unless KAFKA_BROKERS names one, and the fault tests
 * start three, kill nodes with SIGKILL (`killNode`) and bring them back on their data (`restartNode`).
 *
 * Sized for a 2-core machine that runs other things: 384 MiB of heap per node (~300 MB RSS),
 * two network and two I/O threads, 8 MiB segments. With three nodes every topic is replicated
 * three times with min.insync.replicas=2, so one node may be lost without losing an acknowledged write.
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

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

const nodeDir = (name, id) => join(RUN, name, `node-${id}`);

function jvmArgs(dir) {
  return ['-Xms128m', '-Xmx384m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, '-cp', `${LIB}/*`];
}

/** The layout of a cluster: node ids 1..n, each with a client and a controller port. */
function readLayout(name) {
  const file = join(RUN, name, 'cluster.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

function writeNodeFiles(dir, node, layout) {
  const replication = Math.min(3, layout.nodes.length);
  const voters = layout.nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',');
  writeFileSync(join(dir, 'server.properties'), [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    // A static quorum (every controller named): enough for a fixed test cluster, and no KIP-853 bootstrap step.
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=3',
    `default.replication.factor=${replication}`,
    `min.insync.replicas=${replication > 1 ? 2 : 1}`,
    'unclean.leader.election.enable=false',
    `offsets.topic.replication.factor=${replication}`,
    'offsets.topic.num.partitions=3',
    `transaction.state.log.replication.factor=${replication}`,
    `transaction.state.log.min.isr=${replication > 1 ? 2 : 1}`,
    'group.initial.rebalance.delay.ms=0',
    // A local broker: let consumers ask for short sessions (Kafka's floor is 6 s), so a killed one is noticed in ~2 s.
    'group.min.session.timeout.ms=1000',
    'auto.create.topics.enable=true',
    // A dead node leaves the ISR (and acks=-1 writes stop waiting for it) in seconds, not the default 30 s.
    'replica.lag.time.max.ms=6000',
    'broker.session.timeout.ms=6000',
    'broker.heartbeat.interval.ms=1000',
    // Small for a machine of 2 cores shared with others.
    'num.network.threads=2',
    'num.io.threads=2',
    'num.replica.fetchers=1',
    'background.threads=2',
    'log.segment.bytes=8388608',
    'log.cleaner.dedupe.buffer.size=4194304',
    'log.cleaner.threads=1',
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
}

/** Spawns a node's JVM on its existing (formatted) data; returns at once. */
function spawnNode(name, node) {
  const dir = nodeDir(name, node.id);
  const out = openSync(join(dir, 'stdout.log'), 'a');
  const child = spawn(java(), [...jvmArgs(dir), 'kafka.Kafka', join(dir, 'server.properties')], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(join(dir, 'pid'), String(child.pid));
  return child.pid;
}

/** Waits until the node has said "started" since `fromByte` of its log, and takes connections. */
async function awaitNode(name, node, pid, fromByte, timeoutMs) {
  const dir = nodeDir(name, node.id);
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const text = existsSync(join(dir, 'broker.log')) ? readFileSync(join(dir, 'broker.log')).subarray(fromByte).toString('utf8') : '';
    if (/Kafka Server started/.test(text) && (await accepts(node.port))) return;
    if (!alive(pid)) throw new Error(`node ${node.id} exited during start; see ${join(dir, 'stdout.log')} and broker.log`);
    await sleep(250);
  }
  throw new Error(`node ${node.id} did not start within ${timeoutMs / 1000} s; see ${dir}`);
}

const logSize = (name, id) => { const file = join(nodeDir(name, id), 'broker.log'); return existsSync(file) ? readFileSync(file).length : 0; };

/**
 * Starts a cluster of `nodes` combined nodes; resolves with the bootstrap addresses once each has
 * said it started. A cluster of that name already running is reused.
 */
export async function startCluster(name = 'dev', { nodes = 1, timeoutMs = 120_000 } = {}) {
  const existing = readLayout(name);
  if (existing?.nodes.length === nodes && (await Promise.all(existing.nodes.map((n) => accepts(n.port)))).every(Boolean)) {
    return existing.nodes.map((n) => `127.0.0.1:${n.port}`);
  }
  if (existing) await stopBroker(name);
  fetchClasspath();
  const layout = { nodes: [] };
  for (let id = 1; id <= nodes; id++) layout.nodes.push({ id, port: await freePort(), controllerPort: await freePort() });
  mkdirSync(join(RUN, name), { recursive: true });
  writeFileSync(join(RUN, name, 'cluster.json'), JSON.stringify(layout));
  // A cluster id is 16 random bytes in base64url; one starting with '-' would read as an option.
  let clusterId;
  do clusterId = randomBytes(16).toString('base64url'); while (clusterId.startsWith('-'));
  for (const node of layout.nodes) {
    const dir = nodeDir(name, node.id);
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeNodeFiles(dir, node, layout);
    execFileSync(java(), [...jvmArgs(dir), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', join(dir, 'server.properties')], { stdio: 'ignore' });
  }
  try {
    // All at once: a controller waits for a majority of the quorum before its broker starts.
    const pids = layout.nodes.map((node) => spawnNode(name, node));
    await Promise.all(layout.nodes.map((node, i) => awaitNode(name, node, pids[i], 0, timeoutMs)));
  } catch (error) {
    await stopBroker(name);
    throw error;
  }
  return layout.nodes.map((n) => `127.0.0.1:${n.port}`);
}

/** Starts one node (the default for tests and development); resolves with its bootstrap address. */
export async function startBroker(name = 'dev', options = {}) {
  const [address] = await startCluster(name, { ...options, nodes: 1 });
  return address;
}

/** Kills one node of a running cluster (SIGKILL by default: no flush, no controlled shutdown); its data stays. */
export async function killNode(name, id, signal = 'SIGKILL') {
  const pidFile = join(nodeDir(name, id), 'pid');
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (alive(pid)) process.kill(pid, signal);
  for (let i = 0; i < 120 && alive(pid); i++) await sleep(250);
  if (alive(pid)) throw new Error(`node ${id} did not exit on ${signal}`);
}

/** Starts a killed node again on its own data and ports; resolves once it has started. */
export async function restartNode(name, id, { timeoutMs = 120_000 } = {}) {
  const node = readLayout(name)?.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id} in cluster "${name}"`);
  const from = logSize(name, id);
  const pid = spawnNode(name, node);
  await awaitNode(name, node, pid, from, timeoutMs);
}

/** The cluster's nodes: id, client address and whether its process is alive. */
export function clusterNodes(name = 'dev') {
  return (readLayout(name)?.nodes ?? []).map((node) => {
    const pidFile = join(nodeDir(name, node.id), 'pid');
    return { id: node.id, address: `127.0.0.1:${node.port}`, alive: existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8'))) };
  });
}

/** Stops every node started by `startCluster` / `startBroker` and removes the data. */
export async function stopBroker(name = 'dev') {
  const dir = join(RUN, name);
  if (!existsSync(dir)) return false;
  const pids = readdirSync(dir).filter((entry) => entry.startsWith('node-') && existsSync(join(dir, entry, 'pid')))
    .map((entry) => Number(readFileSync(join(dir, entry, 'pid'), 'utf8'))).filter(alive);
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 80 && pids.some(alive); i++) await sleep(250);
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command, ...rest] = process.argv.slice(2);
  const option = (flag, fallback) => (rest.includes(flag) && rest[rest.indexOf(flag) + 1] ? rest[rest.indexOf(flag) + 1] : fallback);
  const name = option('--name', 'dev');
  try {
    if (command === 'start') {
      const nodes = Number(option('--nodes', '1'));
      if (!Number.isInteger(nodes) || nodes < 1 || nodes > 5) throw new Error('--nodes takes 1 to 5');
      const addresses = await startCluster(name, { nodes });
      log(`${nodes === 1 ? 'broker' : `cluster of ${nodes}`} "${name}" is up: KAFKA_BROKERS=${addresses.join(',')}`);
      process.stdout.write(`${addresses.join(',')}\n`);
    } else if (command === 'stop') {
      log((await stopBroker(name)) ? `"${name}" stopped` : `no broker "${name}" is running`);
    } else if (command === 'fetch') {
      fetchClasspath();
    } else {
      process.stderr.write('usage: node infra/kafka/broker.mjs start|stop|fetch [--name NAME] [--nodes N]\n');
      process.exitCode = command === '--help' || command === undefined ? 0 : 2;
    }
  } catch (error) {
    log(error.message);
    process.exitCode = 1;
  }
}
