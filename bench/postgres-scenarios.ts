/**
 * One PostgreSQL benchmark measurement, run in a child process of bench/postgres.ts (so several
 * can run at once, as writers on several hosts would). Each gets a schema of its own on the server
 * named by `url`. Prints one JSON line: eventsPerSecond and maxRssMb.
 *
 *   node dist/bench/postgres-scenarios.js <raw|store|ledger> <json options>
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
  // Three writers start on one schema at once: CREATE TABLE IF NOT EXISTS alone races on the catalog.
  await client.query("SELECT pg_advisory_lock(x'70646c5f726177'::bigint)");
  await client.query(`CREATE TABLE IF NOT EXISTS raw_events (position bigserial PRIMARY KEY, stream text NOT NULL, revision bigint NOT NULL,
    id text NOT NULL UNIQUE, type text NOT NULL, recorded_at text NOT NULL, body text NOT NULL, digest text NOT NULL, hash text, UNIQUE (stream, revision))`);
  await client.query("SELECT pg_advisory_unlock(x'70646c5f726177'::bigint)");
  const work = batches(options);
  const started = performance.now();
  for (const batch of work) {
    const now = new Date().toISOString();
    await client.query(`INSERT INTO raw_events (stream, revision, id, type, recorded_at, body, digest, hash)
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`, [
      batch.map((e) => `subject-${e.subject.id}`), batch.map((_, i) => i), batch.map((e) => e.id), batch.map((e) => e.type),
      batch.map(() => now), batch.map((e) => JSON.stringify(e)), batch.map(() => 'sha256:0'), batch.map(() => '0'.repeat(64))]);
  }
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return { eventsPerSecond: options.events / seconds };
}

/** pdl's log append alone: the events as written (not sealed), one pdl_append call per batch, the chain computed on the server. */
async function store(options: Options) {
  const schema = await schemaFor(options);
  const log = new PostgresEventStore({ connectionString: inSchema(options.url, schema), chain: sha256Chain });
  const work = batches(options);
  await log.appendMany([{ stream: 'warm-up', events: [{ id: `warm-${options.writer ?? 'w'}`, type: 'Warm', body: {} }] }]);
  const started = performance.now();
  for (const batch of work) {
    await log.appendMany([{ stream: `subject-${batch[0]!.subject.id}`, events: batch.map((e) => ({ id: e.id, type: e.type, body: e })) }]);
  }
  const seconds = (performance.now() - started) / 1000;
  await log.close();
  return { eventsPerSecond: options.events / seconds };
}

/** The whole write path: validate, normalise, seal under keys kept on the server, digest, append, key upkeep (read models by a worker, elsewhere). */
async function ledger(options: Options) {
  const schema = await schemaFor(options);
  const dir = mkdtempSync(join(tmpdir(), 'pdl-bench-pg-'));
  const opened = await openLedger({ db: join(dir, 'ledger.db'), store: inSchema(options.url, schema), readModels: 'none', env: { PDL_MASTER_KEY: options.masterKey ?? randomBytes(32).toString('base64') } });
  const work = batches(options);
  const started = performance.now();
  for (const batch of work) {
    const result = await opened.ledger.record(batch);
    if (result.appended !== batch.length) throw new Error(`appended ${result.appended} of ${batch.length}`);
  }
  const seconds = (performance.now() - started) / 1000;
  await opened.close();
  rmSync(dir, { recursive: true, force: true });
  return { eventsPerSecond: options.events / seconds };
}

const scenarios = { raw, store, ledger } as const;
const [name, json] = process.argv.slice(2);
const run = scenarios[name as keyof typeof scenarios];
if (!run) throw new Error(`unknown scenario ${name} (${Object.keys(scenarios).join(', ')})`);
const figures = await run(JSON.parse(json ?? '{}') as Options);
process.stdout.write(`${JSON.stringify({ ...figures, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
