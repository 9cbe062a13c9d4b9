/**
 * `npm run bench:postgres [-- --quick] [-- --reps N]` (also the last part of `npm run bench`
 * unless `--no-postgres`): the log on PostgreSQL, side by side in one run, alternating contenders
 * each repetition, medians: (a) raw `pg` multi-row inserts of the same rows (the limit), (b) pdl's
 * log append alone (one pdl_append call per batch: lock, chain, insert), (c) pdl's whole write
 * path (validate, seal under keys kept on the server, digest, append, key upkeep; read models by a
 * worker elsewhere), (c+) the same with this process's projection worker keeping the read models,
 * timed until they hold the last event, (d) Emmett's PostgreSQL store (bench/peers-postgres: no
 * emmett-postgresql release matches bench/peers' emmett 0.38.5), at batch 1 and 1000; then three
 * writer processes at once, timed from the first one's start to the last one's end. The server:
 * PDL_BENCH_POSTGRES or PDL_TEST_POSTGRES, else a throw-away cluster from the machine's PostgreSQL
 * binaries; without either the rows are skipped, saying why.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresBinaries, startCluster, type Cluster } from '../test/setup/postgres-cluster.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 3;
const EVENTS = { 1: quick ? 200 : 1_000, 1000: quick ? 5_000 : 30_000 } as const;
const SCENARIOS = join(HERE, '..', 'dist', 'bench', 'postgres-scenarios.js');
const PEER = join(HERE, 'peers-postgres', 'emmett-append.mjs');

type Figures = Record<string, number>;

function child(command: string[], cwd: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const run = spawn(process.execPath, command, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    run.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    run.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Figures) : reject(new Error(`${command.join(' ')} exited ${code}`))));
  });
}

/** Writers at once: each sets up, says `ready`; all are told to go together; their figures as they end. */
async function together(commands: string[][], cwd: string): Promise<Figures[]> {
  const runs = commands.map((command) => spawn(process.execPath, command, { cwd, stdio: ['pipe', 'pipe', 'inherit'] }));
  const outputs = runs.map(() => '');
  let ready = 0;
  let release: () => void = () => undefined;
  const allReady = new Promise<void>((resolve) => (release = resolve));
  const ended = runs.map((run, i) => new Promise<Figures>((resolve, reject) => {
    run.stdout.on('data', (chunk: Buffer) => {
      const before = outputs[i]!;
      outputs[i] = before + chunk.toString();
      if (!before.includes('ready\n') && outputs[i]!.includes('ready\n') && ++ready === runs.length) release();
    });
    run.on('close', (code) => (code === 0 ? resolve(JSON.parse(outputs[i]!.trim().split('\n').pop()!) as Figures) : reject(new Error(`${commands[i]!.join(' ')} exited ${code}`))));
  }));
  await Promise.race([allReady, Promise.all(ended)]);
  for (const run of runs) run.stdin.end('go\n');
  return Promise.all(ended);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function ensurePeer(): boolean {
  if (args.includes('--no-peers')) return false;
  if (existsSync(join(HERE, 'peers-postgres', 'node_modules', '@event-driven-io', 'emmett-postgresql'))) return true;
  try {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: join(HERE, 'peers-postgres'), stdio: ['ignore', 'inherit', 'inherit'] });
    return true;
  } catch {
    process.stderr.write('bench: emmett-postgresql could not be installed; its rows are left out.\n');
    return false;
  }
}

export async function benchPostgres(): Promise<{ rows: string[][]; results: Record<string, unknown> } | { skipped: string }> {
  let url = process.env.PDL_BENCH_POSTGRES || process.env.PDL_TEST_POSTGRES || '';
  let cluster: Cluster | null = null;
  if (!url) {
    const binaries = postgresBinaries();
    if ('missing' in binaries) return { skipped: binaries.missing };
    cluster = await startCluster(binaries.bin);
    url = cluster.url;
  }
  const withPeer = ensurePeer();
  const rows: string[][] = [];
  const results: Record<string, unknown> = { loadBefore: loadavg()[0] };
  try {
    for (const batch of [1, 1000] as const) {
      const options = { url, events: EVENTS[batch], batch };
      const contenders: Record<string, () => Promise<Figures>> = {
        raw: () => child([SCENARIOS, 'raw', JSON.stringify(options)], join(HERE, '..')),
        store: () => child([SCENARIOS, 'store', JSON.stringify(options)], join(HERE, '..')),
        ledger: () => child([SCENARIOS, 'ledger', JSON.stringify(options)], join(HERE, '..')),
        ledgerReadModels: () => child([SCENARIOS, 'ledger-read-models', JSON.stringify(options)], join(HERE, '..')),
        ...(withPeer ? { emmett: () => child([PEER, JSON.stringify(options)], join(HERE, 'peers-postgres')) } : {}),
      };
      const seen: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
      for (let r = 0; r < reps; r++) {
        // Alternate: each repetition runs the contenders in another order.
        const order = Object.keys(contenders);
        if (r % 2 === 1) order.reverse();
        for (const name of order) {
          process.stderr.write(`bench: postgres ${name}, batch ${batch} (${r + 1}/${reps})\n`);
          seen[name]!.push((await contenders[name]!()).eventsPerSecond!);
        }
      }
      const m = Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, median(v)]));
      results[`batch-${batch}`] = { events: options.events, runs: seen, medians: m };
      const ratio = (a: number, b: number) => (a / b).toFixed(2);
      const toEmmett = (name: string, a: number) => (m.emmett !== undefined ? `${name}/(d) ${ratio(a, m.emmett)}` : '');
      rows.push([`PostgreSQL, batch ${batch}: (a) raw pg multi-row insert`, `${m.raw!.toFixed(0)} ev/s`, '']);
      rows.push([`PostgreSQL, batch ${batch}: (b) pdl log append (lock, chain)`, `${m.store!.toFixed(0)} ev/s`, `(b)/(a) ${ratio(m.store!, m.raw!)}`]);
      rows.push([`PostgreSQL, batch ${batch}: (c) pdl whole write path`, `${m.ledger!.toFixed(0)} ev/s`, toEmmett('(c)', m.ledger!)]);
      rows.push([`PostgreSQL, batch ${batch}: (c+) the same, read models kept here`, `${m.ledgerReadModels!.toFixed(0)} ev/s`, toEmmett('(c+)', m.ledgerReadModels!)]);
      if (m.emmett !== undefined) rows.push([`PostgreSQL, batch ${batch}: (d) emmett-postgresql`, `${m.emmett.toFixed(0)} ev/s`, toEmmett('(b)', m.store!)]);
    }
    // Three writers at once on one ledger (one schema): the lock serialises pdl's appends; raw ones only contend on the table.
    // Set up first, then started together, timed from the first start to the last end: the processes' start-up is not the store's.
    const labels = { raw: '(a) raw pg', store: '(b) pdl log append', ledger: '(c) pdl whole path' } as const;
    for (const name of ['raw', 'store', 'ledger'] as const) {
      const schema = `bench_three_${name}_${Date.now()}`;
      const admin = (await import('pg')).default;
      const client = new admin.Client({ connectionString: url });
      await client.connect();
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.end();
      const per = Math.floor(EVENTS[1000] / 3);
      const masterKey = (await import('node:crypto')).randomBytes(32).toString('base64');
      process.stderr.write(`bench: postgres three writers, ${name}\n`);
      const spans = await together([0, 1, 2].map((w) => [SCENARIOS, name, JSON.stringify({ url, schema, events: per, batch: 1000, writer: `w${w}`, masterKey, together: true })]), join(HERE, '..'));
      const total = (3 * per) / ((Math.max(...spans.map((f) => f.endedAt!)) - Math.min(...spans.map((f) => f.startedAt!))) / 1000);
      results[`three-writers-${name}`] = total;
      rows.push([`PostgreSQL, 3 writer processes × batch 1000: ${labels[name]}`, `${total.toFixed(0)} ev/s together`, '']);
    }
    results.loadAfter = loadavg()[0];
  } finally {
    cluster?.stop();
  }
  return { rows, results };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  execFileSync(process.execPath, [join(HERE, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(HERE, '..', 'tsconfig.build.json')], { stdio: 'inherit' });
  const outcome = await benchPostgres();
  if ('skipped' in outcome) {
    process.stdout.write(`PostgreSQL rows skipped: ${outcome.skipped}\n`);
  } else {
    const machine = `${cpus()[0]?.model ?? '?'} × ${cpus().length}, node ${process.version}`;
    process.stdout.write(`PostgreSQL (${machine}; load ${String(outcome.results.loadBefore)} → ${String(outcome.results.loadAfter)}; medians of ${reps}):\n`);
    for (const row of outcome.rows) process.stdout.write(`  ${row.filter(Boolean).join('  ·  ')}\n`);
    writeFileSync(join(HERE, quick ? 'results.postgres.quick.json' : 'results.postgres.json'), `${JSON.stringify({ machine, ...outcome.results }, null, 2)}\n`);
  }
}
