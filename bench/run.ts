/**
 * `npm run bench [-- --quick] [-- --reps N] [-- --dataset N] [-- --no-peers]`
 *
 * Side by side, in one run, on this machine: the raw limit (bare better-sqlite3 inserts), the
 * pdl write path in full, and a peer event store (@event-driven-io/emmett-sqlite, from
 * bench/peers); reads on a large ledger next to the raw indexed read; rebuild next to a raw
 * readAll. Every figure is the median of N repetitions (min and max beside it), each run in a
 * child process so its peak RSS is its own. Prints one table; writes bench/results.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);

if (flag('--help')) {
  process.stdout.write('usage: npm run bench [-- --quick] [-- --reps N] [-- --dataset EVENTS] [-- --no-peers] [-- --no-kafka] [-- --no-postgres]\n');
  process.exit(0);
}

const quick = flag('--quick');
const reps = value('--reps', 3);
const dataset = value('--dataset', quick ? 5_000 : 1_000_000);
const appendEvents = { 1: quick ? 50 : 500, 1000: quick ? 2_000 : 20_000 } as const;

type Figures = Record<string, number>;
interface Measured { median: number; min: number; max: number }
const summarise = (values: number[]): Measured => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]! };
};

function runChild(command: string[], cwd = join(HERE, '..')): Figures {
  const result = spawnSync(process.execPath, command, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed with ${result.status}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Figures;
}

// Scenarios run compiled, as the ledger runs in production (and without a TypeScript loader in their RSS).
const SCENARIOS = join(HERE, '..', 'dist', 'bench', 'scenarios.js');
execFileSync(process.execPath, [join(HERE, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(HERE, '..', 'tsconfig.build.json')], { stdio: 'inherit' });
const scenario = (name: string, options: object) => runChild([SCENARIOS, name, JSON.stringify(options)]);
/**
 * The peer's default mode (a connection per call) now and then dies inside emmett-sqlite with
 * SQLITE_BUSY "SQL statements in progress": a failed run is run again, up to three times, and said.
 */
function peer(mode: string, options: object): Figures {
  for (let attempt = 1; ; attempt++) {
    try {
      return runChild([join(HERE, 'peers', 'emmett-append.mjs'), mode, JSON.stringify(options)], join(HERE, 'peers'));
    } catch (error) {
      if (attempt >= 3) throw error;
      process.stderr.write(`bench: the peer run failed (${error instanceof Error ? error.message : String(error)}); running it again\n`);
    }
  }
}

function repeat(label: string, run: () => Figures): Record<string, Measured> {
  const runs: Figures[] = [];
  for (let i = 0; i < reps; i++) {
    process.stderr.write(`bench: ${label} (${i + 1}/${reps})\n`);
    runs.push(run());
  }
  return Object.fromEntries(Object.keys(runs[0]!).map((key) => [key, summarise(runs.map((r) => r[key]!))]));
}

/** Several contenders measured in turns — each round runs every one, the order rotated — so a noisy machine weighs on all alike. */
function alternate<K extends string>(label: string, runs: Record<K, () => Figures>): Record<K, Record<string, Measured>> {
  const names = Object.keys(runs) as K[];
  const figures = new Map<K, Figures[]>(names.map((name) => [name, []]));
  for (let i = 0; i < reps; i++) {
    const order = names.map((_, j) => names[(i + j) % names.length]!);
    for (const name of order) {
      process.stderr.write(`bench: ${label}: ${name} (${i + 1}/${reps})\n`);
      figures.get(name)!.push(runs[name]());
    }
  }
  return Object.fromEntries(names.map((name) => {
    const all = figures.get(name)!;
    return [name, Object.fromEntries(Object.keys(all[0]!).map((key) => [key, summarise(all.map((r) => r[key]!))]))];
  })) as Record<K, Record<string, Measured>>;
}

function ensurePeers(): boolean {
  if (flag('--no-peers')) return false;
  if (existsSync(join(HERE, 'peers', 'node_modules', '@event-driven-io', 'emmett-sqlite'))) return true;
  process.stderr.write('bench: installing the peer event store in bench/peers (compiles sqlite3: a few minutes, once)…\n');
  try {
    execFileSync('npm', ['ci', '--legacy-peer-deps', '--no-audit', '--no-fund'], { cwd: join(HERE, 'peers'), stdio: ['ignore', 'inherit', 'inherit'] });
    return true;
  } catch {
    process.stderr.write('bench: the peer could not be installed; its rows are left out.\n');
    return false;
  }
}

const results: Record<string, unknown> = {
  machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: `${process.platform} ${process.arch}` },
  mode: quick ? 'quick' : 'full', repetitions: reps, at: new Date().toISOString(),
};
const rows: string[][] = [];
const fmt = (m: Measured, digits = 0) => `${m.median.toFixed(digits)} (${m.min.toFixed(digits)}–${m.max.toFixed(digits)})`;
const ratio = (a: Measured, b: Measured) => `${((100 * a.median) / b.median).toFixed(1)} %`;
const times = (a: Measured, b: Measured) => `${(a.median / b.median).toFixed(2)}×`;

const withPeers = ensurePeers();
for (const batch of [1, 1000] as const) {
  const options = { events: appendEvents[batch], batch };
  // The rows the ratios compare, in turns: the raw limit, pdl's own floor, and the write path four ways — read
  // models inline (the default before issue 33), deferred to this process's worker (the default), kept elsewhere,
  // and kept by `pdl project` beside the writer on the other core (batch 1000: at batch 1 its log poll would be timed).
  const { raw, floor, inline: pdl, deferred, elsewhere: pdlWorker, split } = alternate(`append, batch ${batch}`, {
    raw: () => scenario('raw-append', options),
    floor: () => scenario('floor', options),
    inline: () => scenario('pdl-append', { ...options, readModels: 'inline' }),
    deferred: () => scenario('pdl-append', { ...options, readModels: 'deferred' }),
    elsewhere: () => scenario('pdl-append', { ...options, readModels: 'none' }),
    split: () => (batch === 1000 ? scenario('pdl-append-split', options) : {}),
  });
  const tree = repeat(`the Merkle tree's share, batch ${batch}`, () => scenario('tree-cost', { ...options, events: Math.min(options.events, batch === 1 ? 1000 : 20_000) }));
  const peers = withPeers
    ? { default: repeat(`emmett default, batch ${batch}`, () => peer('default', options)), shared: repeat(`emmett shared connection, batch ${batch}`, () => peer('shared', options)) }
    : null;
  results[`append-batch-${batch}`] = {
    events: options.events, raw, floor, pdl, pdlReadModelsDeferred: deferred, pdlReadModelsByWorker: pdlWorker, pdlReadModelsByProjectorBeside: batch === 1000 ? split : null, merkleTree: tree, emmettDefault: peers?.default ?? null, emmettShared: peers?.shared ?? null,
  };
  rows.push([`append, batch ${batch}: (a) raw better-sqlite3`, `${fmt(raw.eventsPerSecond!)} ev/s`, '', `${fmt(raw.maxRssMb!)} MB`]);
  rows.push([`append, batch ${batch}: (f) pdl's floor, one core`, `${fmt(floor.eventsPerSecond!)} ev/s`, `(f)/(a) ${ratio(floor.eventsPerSecond!, raw.eventsPerSecond!)}: validate, normalise, seal, digest, chain, raw insert`, `${fmt(floor.maxRssMb!)} MB`]);
  rows.push([`append, batch ${batch}: (b) pdl write path, read models inline`, `${fmt(pdl.eventsPerSecond!)} ev/s`, `(b)/(a) ${ratio(pdl.eventsPerSecond!, raw.eventsPerSecond!)}, (b)/(f) ${times(pdl.eventsPerSecond!, floor.eventsPerSecond!)}`, `${fmt(pdl.maxRssMb!)} MB`]);
  rows.push([`append, batch ${batch}: (b) pdl write path, read models deferred (default): answered`, `${fmt(deferred.eventsPerSecond!)} ev/s`, `(b)/(a) ${ratio(deferred.eventsPerSecond!, raw.eventsPerSecond!)}, (b)/(f) ${times(deferred.eventsPerSecond!, floor.eventsPerSecond!)}`, `${fmt(deferred.maxRssMb!)} MB`]);
  rows.push([`append, batch ${batch}: the same, read models caught up`, `${fmt(deferred.caughtUpEventsPerSecond!)} ev/s`, `vs inline ${ratio(deferred.caughtUpEventsPerSecond!, pdl.eventsPerSecond!)}, (b)/(f) ${times(deferred.caughtUpEventsPerSecond!, floor.eventsPerSecond!)}`, '']);
  rows.push([`append, batch ${batch}: the Merkle tree's share (inline)`, `${fmt(tree.treeSharePercent!, 1)} %`, `with ${fmt(tree.eventsPerSecond!)} vs without ${fmt(tree.withoutTreeEventsPerSecond!)} ev/s, alternating in one process`, `${fmt(tree.maxRssMb!)} MB`]);
  rows.push([`append, batch ${batch}: (b') pdl, read models by a worker elsewhere`, `${fmt(pdlWorker.eventsPerSecond!)} ev/s`, `(b')/(a) ${ratio(pdlWorker.eventsPerSecond!, raw.eventsPerSecond!)}, (b')/(f) ${times(pdlWorker.eventsPerSecond!, floor.eventsPerSecond!)}`, `${fmt(pdlWorker.maxRssMb!)} MB`]);
  if (batch === 1000) {
    rows.push([`append, batch ${batch}: (b'') split, \`pdl project\` beside on the other core: read models caught up`, `${fmt(split.caughtUpEventsPerSecond!)} ev/s`,
      `answered ${fmt(split.eventsPerSecond!)} ev/s; (b'')/(f) ${times(split.caughtUpEventsPerSecond!, floor.eventsPerSecond!)}, vs deferred caught up ${times(split.caughtUpEventsPerSecond!, deferred.caughtUpEventsPerSecond!)}`, `${fmt(split.maxRssMb!)} MB (writer)`]);
  }
  // The chain monitor (`pdl serve`'s /health verdict): on its own thread as on the embedded log, and in process as on an external store.
  for (const where of ['thread', 'in-process'] as const) {
    if (batch === 1 && where === 'in-process') continue; // a check per single event would price the check, not the server's once a second
    const monitor = repeat(`the chain monitor's share (${where}), batch ${batch}`, () => scenario('chain-monitor-cost', { ...options, events: Math.min(options.events, batch === 1 ? 1000 : 20_000), where }));
    results[`append-batch-${batch}-chain-monitor-${where}`] = monitor;
    rows.push([`append, batch ${batch}: the chain monitor's share, ${where}`, `${fmt(monitor.monitorSharePercent!, 1)} %`, `with ${fmt(monitor.eventsPerSecond!)} vs without ${fmt(monitor.withoutMonitorEventsPerSecond!)} ev/s, alternating in one process`, `${fmt(monitor.maxRssMb!)} MB`]);
  }
  if (batch === 1) {
    // The common case: an event about someone the ledger knows (their key exists: no key-store write).
    const known = repeat('pdl append, batch 1, known subjects', () => scenario('pdl-append', { ...options, knownSubjects: 50 }));
    results['append-batch-1-known-subjects'] = { events: options.events, pdl: known };
    rows.push(['append, batch 1: (b) pdl, subjects with keys (deferred): answered', `${fmt(known.eventsPerSecond!)} ev/s`, `(b)/(a) ${ratio(known.eventsPerSecond!, raw.eventsPerSecond!)}; caught up ${fmt(known.caughtUpEventsPerSecond!)} ev/s`, `${fmt(known.maxRssMb!)} MB`]);
  }
  if (peers) {
    rows.push([`append, batch ${batch}: (c) emmett-sqlite default`, `${fmt(peers.default.eventsPerSecond!)} ev/s`, `(b)/(c) inline ${ratio(pdl.eventsPerSecond!, peers.default.eventsPerSecond!)}, deferred caught up ${ratio(deferred.caughtUpEventsPerSecond!, peers.default.eventsPerSecond!)}`, `${fmt(peers.default.maxRssMb!)} MB`]);
    rows.push([`append, batch ${batch}: (c) emmett-sqlite shared conn.`, `${fmt(peers.shared.eventsPerSecond!)} ev/s`, `(b)/(c) inline ${ratio(pdl.eventsPerSecond!, peers.shared.eventsPerSecond!)}, deferred caught up ${ratio(deferred.caughtUpEventsPerSecond!, peers.shared.eventsPerSecond!)}`, `${fmt(peers.shared.maxRssMb!)} MB`]);
  }
}

{
  // Bytes per event on disk (issue 33, goal 5): sizes are the same run to run, so once; the peer's for the same events.
  const options = { events: appendEvents[1000], batch: 1000 };
  process.stderr.write('bench: bytes per event, pdl\n');
  const pdlBytes = scenario('bytes', options);
  const peerBytes = withPeers ? peer('bytes', options) : null;
  results.bytesPerEvent = { events: options.events, pdl: pdlBytes, emmett: peerBytes };
  const b = (key: string) => `${(pdlBytes[key] ?? 0).toFixed(0)}`;
  rows.push([`bytes per event on disk (${options.events} events, 1 in 10 a new subject; VACUUMed)`, `${b('bytesPerEvent')} B`,
    `${peerBytes ? `vs emmett-sqlite ${peerBytes.bytesPerEvent!.toFixed(0)} B = ${(pdlBytes.bytesPerEvent! / peerBytes.bytesPerEvent!).toFixed(2)}×; ` : ''}` +
    `log ${b('logBytesPerEvent')} (stored body ${b('storedBodyBytesPerEvent')} with ciphertext ${b('ciphertextBytesPerEvent')} before compression, chain hash ${b('chainHashBytesPerEvent')}), timeline index ${b('timelineIndexBytesPerEvent')}, ` +
    `other read models ${b('readModelsBytesPerEvent')}, Merkle tree ${b('merkleTreeBytesPerEvent')}, key store ${b('keyStoreBytesPerEvent')}`, '']);
}

const dir = mkdtempSync(join(tmpdir(), 'pdl-bench-dataset-'));
try {
  const subjects = Math.max(1, Math.floor(dataset / 10));
  process.stderr.write(`bench: building a ledger of ${dataset} events over ${subjects} subjects…\n`);
  const built = scenario('build-dataset', { events: dataset, batch: 5000, subjects, dir });
  rows.push([`dataset: ${dataset} events, ${subjects} subjects`, `${built.eventsPerSecond!.toFixed(0)} ev/s to build`, '', `${built.maxRssMb!.toFixed(0)} MB`]);
  const access = repeat('subjectAccess latency', () => scenario('subject-access', { events: dataset, batch: 1, subjects, dir, samples: quick ? 100 : 1000 }));
  const overHttp = repeat('subjectAccess over HTTP, 20 callers at once', () => scenario('subject-access-http', { events: dataset, batch: 1, subjects, dir, samples: quick ? 200 : 2000 }));
  const audit = repeat('the read audit\'s cost (stored before the answer leaves)', () => scenario('read-audit-cost', { events: dataset, batch: 1, subjects, dir, samples: quick ? 100 : 500 }));
  const rebuilt = repeat('rebuild', () => scenario('rebuild', { events: dataset, batch: 1, dir }));
  results.dataset = { events: dataset, subjects, buildEventsPerSecond: built.eventsPerSecond };
  results.subjectAccess = access;
  results.subjectAccessHttp = overHttp;
  results.readAudit = audit;
  results.rebuild = rebuilt;
  rows.push(['subjectAccess p50 (GraphQL, in process, dpo)', `${fmt(access.p50Ms!, 2)} ms`, `raw read p50 ${fmt(access.rawP50Ms!, 3)} ms`, `${fmt(access.maxRssMb!)} MB`]);
  rows.push(['subjectAccess p99', `${fmt(access.p99Ms!, 2)} ms`, `raw read p99 ${fmt(access.rawP99Ms!, 3)} ms`, '']);
  rows.push(['subjectAccess over HTTP, 20 callers: p50', `${fmt(overHttp.p50Ms!, 1)} ms`, 'server in process, callers on a worker thread', `${fmt(overHttp.maxRssMb!)} MB`]);
  rows.push(['subjectAccess over HTTP, 20 callers: p99', `${fmt(overHttp.p99Ms!, 1)} ms`, '', '']);
  rows.push(['subjectAccess with values, its DataViewed stored first: p50', `${fmt(audit.p50Ms!, 2)} ms`, `no audit stored ${fmt(audit.floorP50Ms!, 2)} ms, alternating in one process`, `${fmt(audit.maxRssMb!)} MB`]);
  rows.push(['the same: p99', `${fmt(audit.p99Ms!, 2)} ms`, `no audit stored ${fmt(audit.floorP99Ms!, 2)} ms`, '']);
  rows.push(['the same, 20 callers at once in process', `${fmt(audit.concurrentAnswersPerSecond!)} answers/s`, `${fmt(audit.answersPerCommit!, 1)} answers per audit commit (group commit)`, '']);
  rows.push(['rebuild (every read model)', `${fmt(rebuilt.eventsPerSecond!)} ev/s`, `vs raw readAll ${fmt(rebuilt.rawEventsPerSecond!)} ev/s = ${ratio(rebuilt.eventsPerSecond!, rebuilt.rawEventsPerSecond!)}`, `${fmt(rebuilt.maxRssMb!)} MB`]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
{
  const options = { events: quick ? 10_000 : 50_000, batch: 1000 };
  const frozen = repeat('no caller frozen (a 5,000-event recordEvents, then a complianceReport, over HTTP)', () => scenario('no-caller-frozen', options));
  results.noCallerFrozen = { events: options.events, ...frozen };
  rows.push([`longest wait of /health + subjectAccess during a 5,000-event recordEvents (${options.events} events held)`, `${fmt(frozen.writeLongestWaitMs!)} ms`, `while the write took ${fmt(frozen.writeMs!)} ms`, `${fmt(frozen.maxRssMb!)} MB`]);
  rows.push(['longest wait of the same during a full complianceReport', `${fmt(frozen.reportLongestWaitMs!)} ms`, `while the report took ${fmt(frozen.reportMs!)} ms`, '']);
}

const brokers = process.env.KAFKA_BROKERS ?? (existsSync(join(HERE, '..', 'infra', 'kafka', 'run', 'dev', 'address')) ? readFileSync(join(HERE, '..', 'infra', 'kafka', 'run', 'dev', 'address'), 'utf8').trim() : null);
if (brokers && !flag('--no-kafka')) {
  const options = { events: quick ? 2_000 : 20_000, batch: 1, brokers };
  const ingest = repeat('kafka: pdl ingest', () => scenario('kafka-ingest', options));
  const bare = repeat('kafka: bare kafkajs consumer', () => scenario('kafka-bare', options));
  results.kafka = { events: options.events, ingest, bare };
  rows.push([`Kafka ingest, ${options.events} events: pdl ingest`, `${fmt(ingest.eventsPerSecond!)} ev/s`, `vs bare consumer ${fmt(bare.eventsPerSecond!)} ev/s = ${ratio(ingest.eventsPerSecond!, bare.eventsPerSecond!)}`, `${fmt(ingest.maxRssMb!)} MB`]);
} else {
  results.kafka = 'skipped: no broker (set KAFKA_BROKERS or run npm run kafka:start)';
  rows.push(['Kafka ingest', 'skipped: no broker', 'set KAFKA_BROKERS or npm run kafka:start', '']);
}

// The log on PostgreSQL (bench/postgres.ts): when a server is named or the machine's binaries can start one.
if (flag('--no-postgres')) {
  results.postgres = 'skipped: --no-postgres';
} else {
  const { benchPostgres } = await import('./postgres.js');
  const outcome = await benchPostgres();
  if ('skipped' in outcome) {
    results.postgres = `skipped: ${outcome.skipped}`;
    rows.push(['PostgreSQL', 'skipped', outcome.skipped, '']);
  } else {
    results.postgres = outcome.results;
    for (const [measure, figure, side] of outcome.rows) rows.push([measure!, figure!, side ?? '', '']);
  }
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['measure', 'median (min–max)', 'side by side', 'peak RSS'][i]!.length));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
const table = [line(['measure', 'median (min–max)', 'side by side', 'peak RSS']), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
const machine = results.machine as { node: string; cpu: string; cores: number };
process.stdout.write(`\n${table}\n\nNode ${machine.node}, ${machine.cpu}, ${machine.cores} cores; ${reps} repetitions, ${quick ? 'quick' : 'full'} mode.\n`);
writeFileSync(join(HERE, quick ? 'results.quick.json' : 'results.json'), `${JSON.stringify({ ...results, table }, null, 2)}\n`);
