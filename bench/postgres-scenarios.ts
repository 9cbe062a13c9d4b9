/**
 * One PostgreSQL benchmark measurement, run in a child process of bench/postgres.ts (so several
 * can run at once, as writers on several hosts would). Each gets a schema of its own on the server
 * named by `url`. Prints one JSON line: eventsPerSecond, the measured span's start and end (epoch
 * ms, so that writers at once are timed from the first start to the last end, without their
 * processes' start-up) and maxRssMb.
 *
 *   node dist/bench/postgres-scenarios.js <raw|store|ledger|ledger-read-models> <json options>
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openLedger } from '../services/composition/open-ledger.js';
import { sha256Chain } from '../services/ledger/chain.js';
import { PostgresEventStore } from '../services/store/postgres/postgres-event-store.js';
import { sampleEvent } from './sample-event.js';

interface Options {
  readonly url: string;
  /** The schema to write into (made by the runner); a writer's own when absent. */
  readonly schema?: string;
  readonly events: number;
  readonly batch: number;
  /** Subjects' ids are prefixed with it: writers at once never share a stream. */
  readonly writer?: string;
  /** Writers of one ledger share its master key (base64); a new one when absent. */
  readonly masterKey?: string;
  /** Writers at once: say `ready` once set up, and start at the runner's `go` (a line on stdin). */
  readonly together?: boolean;
}

const inSchema = (url: string, schema: string) => {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
};

async function schemaFor(options: Options): Promise<string> {
  if (options.schema) return options.schema;
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: options.url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  return schema;
}

const now = () => performance.timeOrigin + performance.now();

/** The start of the measured span: at once, or at the runner's word when writers start together. */
async function start(options: Options): Promise<number> {
  if (options.together) {
    process.stdout.write('ready\n');
    await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
    process.stdin.pause();
  }
  return now();
}

/** The figures of one measured span. */
function span(events: number, startedAt: number) {
  const endedAt = now();
  return { eventsPerSecond: events / ((endedAt - startedAt) / 1000), startedAt, endedAt };
}

function batches(options: Options) {
  const out: ReturnType<typeof sampleEvent>[][] = [];
  const who = options.writer ?? 'w';
  for (let i = 0; i < options.events; i += options.batch) {
    const subject = options.batch === 1 ? `${who}-s-${i}` : `${who}-s-${i / options.batch}`;
    out.push(Array.from({ length: Math.min(options.batch, options.events - i) }, (_, j) => sampleEvent(subject, i + j)));
  }
  return out;
}

/** The limit: the same rows inserted with one multi-row statement per batch, as the log stores them (no chain, no lock). */
async function raw(options: Options) {
  const schema = await schemaFor(options);
  const client = new pg.Client({ connectionString: inSchema(options.url, schema) });
  await client.connect();
  // Writers at once create the one table one after the other (CREATE … IF NOT EXISTS races otherwise).
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock(42)');
  await client.query(`CREATE TABLE IF NOT EXISTS raw_events (position bigserial PRIMARY KEY, stream text NOT NULL, revision bigint NOT NULL,
    id text NOT NULL UNIQUE, type text NOT NULL, recorded_at text NOT NULL, body text NOT NULL, digest text NOT NULL, hash text, UNIQUE (stream, revision))`);
  await client.query('COMMIT');
  const work = batches(options);
  const started = await start(options);
  for (const batch of work) {
    const at = new Date().toISOString();
    await client.query(`INSERT INTO raw_events (stream, revision, id, type, recorded_at, body, digest, hash)
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`, [
      batch.map((e) => `subject-${e.subject.id}`), batch.map((_, i) => i), batch.map((e) => e.id), batch.map((e) => e.type),
      batch.map(() => at), batch.map((e) => JSON.stringify(e)), batch.map(() => 'sha256:0'), batch.map(() => '0'.repeat(64))]);
  }
  const figures = span(options.events, started);
  await client.end();
  return figures;
}

/** pdl's log append alone: the events as written (not sealed), one pdl_append call per batch, the chain computed on the server. */
async function store(options: Options) {
  const schema = await schemaFor(options);
  const log = new PostgresEventStore({ connectionString: inSchema(options.url, schema), chain: sha256Chain });
  const work = batches(options);
  await log.appendMany([{ stream: 'warm-up', events: [{ id: `warm-${options.writer ?? 'w'}`, type: 'Warm', body: {} }] }]);
  const started = await start(options);
  for (const batch of work) {
    await log.appendMany([{ stream: `subject-${batch[0]!.subject.id}`, events: batch.map((e) => ({ id: e.id, type: e.type, body: e })) }]);
  }
  const figures = span(options.events, started);
  await log.close();
  return figures;
}

/**
 * The whole write path: validate, normalise, seal under keys kept on the server, digest, append,
 * key upkeep. `withReadModels`: this process also keeps the read models (a projection worker
 * following the log into its own SQLite file, as `pdl serve --store` does), and the span ends when
 * they hold the last event; without, they are a worker's elsewhere.
 */
async function ledger(options: Options, withReadModels = false) {
  const schema = await schemaFor(options);
  const dir = mkdtempSync(join(tmpdir(), 'pdl-bench-pg-'));
  const opened = await openLedger({
    db: join(dir, 'ledger.db'), store: inSchema(options.url, schema), readModels: withReadModels ? 'worker' : 'none',
    env: { PDL_MASTER_KEY: options.masterKey ?? randomBytes(32).toString('base64') },
  });
  const work = batches(options);
  const started = await start(options);
  let last = 0;
  for (const batch of work) {
    const result = await opened.ledger.record(batch);
    if (result.appended !== batch.length) throw new Error(`appended ${result.appended} of ${batch.length}`);
    for (const outcome of result.outcomes) if (outcome.status === 'appended') last = Math.max(last, outcome.position);
  }
  await opened.worker?.reached(last);
  const figures = span(options.events, started);
  await opened.close();
  rmSync(dir, { recursive: true, force: true });
  return figures;
}

const scenarios = { raw, store, ledger: (options: Options) => ledger(options), 'ledger-read-models': (options: Options) => ledger(options, true) } as const;
const [name, json] = process.argv.slice(2);
const run = scenarios[name as keyof typeof scenarios];
if (!run) throw new Error(`unknown scenario ${name} (${Object.keys(scenarios).join(', ')})`);
const figures = await run(JSON.parse(json ?? '{}') as Options);
process.stdout.write(`${JSON.stringify({ ...figures, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
