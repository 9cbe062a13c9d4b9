/**
 * `npm run bench:postgres [-- --quick] [-- --reps N]` (also the last part of `npm run bench`
 * unless `--no-postgres`): the log on PostgreSQL, side by side in one run, alternating contenders
 * each repetition, medians: (a) raw `pg` multi-row inserts of the same rows (the limit), (b) pdl's
 * log append alone (one pdl_append call per batch: lock, chain, insert), (c) pdl's whole write
 * path (validate, seal under keys kept on the server, digest, append, key upkeep), (d) Emmett's
 * PostgreSQL store (bench/peers-postgres), at batch 1 and 1000; then three writer processes at
 * once. The server: PDL_BENCH_POSTGRES or PDL_TEST_POSTGRES, else a throw-away cluster from the
 * machine's PostgreSQL binaries; without either the rows are skipped, saying why.
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
      const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
      rows.push([`PostgreSQL, batch ${batch}: (a) raw pg multi-row insert`, `${m.raw!.toFixed(0)} ev/s`, '']);
      rows.push([`PostgreSQL, batch ${batch}: (b) pdl log append (lock, chain)`, `${m.store!.toFixed(0)} ev/s`, `(b)/(a) ${pct(m.store!, m.raw!)}`]);
      rows.push([`PostgreSQL, batch ${batch}: (c) pdl whole write path`, `${m.ledger!.toFixed(0)} ev/s`, `(c)/(a) ${pct(m.ledger!, m.raw!)}`]);
      if (m.emmett !== undefined) rows.push([`PostgreSQL, batch ${batch}: (d) emmett-postgresql`, `${m.emmett.toFixed(0)} ev/s`, `(c)/(d) ${pct(m.ledger!, m.emmett)}`]);
    }
    // Three writers at once on one ledger (one schema): the lock serialises pdl's appends; raw ones only contend on the table.
    for (const name of ['raw', 'ledger'] as const) {
      const schema = `bench_three_${name}_${Date.now()}`;
      const admin = (await import('pg')).default;
      const client = new admin.Client({ connectionString: url });
      await client.connect();
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.end();
      const per = EVENTS[1000] / 3;
      const masterKey = (await import('node:crypto')).randomBytes(32).toString('base64');
      const started = performance.now();
      await Promise.all([0, 1, 2].map((w) => child([SCENARIOS, name, JSON.stringify({ url, schema, events: Math.floor(per), batch: 1000, writer: `w${w}`, masterKey })], join(HERE, '..'))));
      const total = (3 * Math.floor(per)) / ((performance.now() - started) / 1000);
      results[`three-writers-${name}`] = total;
      rows.push([`PostgreSQL, 3 writer processes × batch 1000: ${name === 'raw' ? '(a) raw pg' : '(c) pdl whole path'}`, `${total.toFixed(0)} ev/s together`, '']);
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
