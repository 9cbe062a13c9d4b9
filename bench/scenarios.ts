/**
 * One benchmark measurement, run in a child process of bench/run.ts so that its peak RSS is
 * its own. Prints one JSON line: the figures and `maxRssMb`.
 *
 *   node --import tsx bench/scenarios.ts <scenario> <json options>
 */
import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKeys } from '../services/api/auth/api-keys.js';
import { apiServices } from '../services/api/api-services.js';
import { openProver } from '../services/composition/open-prover.js';
import { createApi } from '../services/api/yoga.js';
import { AuditWriter } from '../services/api/audit/audit-writer.js';
import { startServer } from '../services/api/server.js';
import { Worker } from 'node:worker_threads';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { KafkaIngest } from '../services/ingest/kafka-ingest.js';
import { openLedger } from '../services/composition/open-ledger.js';
import { allProjections } from '../projections/index.js';
import { merkleTree } from '../projections/merkle-tree/merkle-tree.js';
import { ChainMonitor } from '../services/proofs/chain-monitor.js';
import { watchChain } from '../services/proofs/watch-chain.js';
import { SqliteCheckpointStore } from '../services/records/sqlite-checkpoint-store.js';
import { signerFromSeed } from '../services/proofs/note-signer.js';
import { validateEvent } from '../schemas/event.js';
import { normaliseEvent } from '../services/ledger/normalise.js';
import { keySlotsOf, seal } from '../services/ledger/sealing.js';
import { slotOf, type DataKey } from '../services/ledger/keys/key-store.js';
import { chainedLeaf, linkLeaf } from '../services/ledger/chain.js';
import { decodeBody, encodeBody } from '../services/store/body-codec.js';

interface Options {
  events: number;
  batch: number;
  subjects?: number;
  samples?: number;
  /** A dataset folder made by `build-dataset`, for the read scenarios. */
  dir?: string;
  /**
   * `deferred` (the default): kept in the log's file by this process's worker after each append;
   * `inline`: in the append transaction (the default before issue 33); `none`: the write path
   * alone, as when a projection worker keeps the read models elsewhere.
   */
  readModels?: 'deferred' | 'inline' | 'none';
  /** Batch 1 over this many subjects that already have keys (collected once before timing), not a new subject per event. */
  knownSubjects?: number;
}

export { sampleEvent } from './sample-event.js';
import { sampleEvent } from './sample-event.js';

/** Batches of `batch` events; a batch of many goes to one subject's stream, as every contender appends per stream. */
function batches(options: Options) {
  const out: ReturnType<typeof sampleEvent>[][] = [];
  for (let i = 0; i < options.events; i += options.batch) {
    const subject = `s-${i / options.batch}`;
    const single = options.knownSubjects ? `k-${i % options.knownSubjects}` : `s-${i}`;
    out.push(Array.from({ length: Math.min(options.batch, options.events - i) }, (_, j) => sampleEvent(options.batch === 1 ? single : subject, i + j)));
  }
  return out;
}

const temp = () => mkdtempSync(join(tmpdir(), 'pdl-bench-'));

/** A bare events table as the log's, durable as the log is (WAL, a flush per commit); `sealed` adds the digest and the chain hash. */
function rawLog(dir: string, file: string, sealed: boolean): Database.Database {
  const db = new Database(join(dir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, revision INTEGER NOT NULL, id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL, recorded_at TEXT NOT NULL, body TEXT NOT NULL${sealed ? ', digest TEXT NOT NULL, hash TEXT NOT NULL' : ''}, UNIQUE (stream, revision))`);
  return db;
}

async function rawAppend(options: Options) {
  const dir = temp();
  const db = rawLog(dir, 'raw.db', false);
  const insert = db.prepare('INSERT INTO events (stream, revision, id, type, recorded_at, body) VALUES (?, ?, ?, ?, ?, ?)');
  const append = db.transaction((events: ReturnType<typeof sampleEvent>[]) => {
    events.forEach((event, revision) => insert.run(`subject-${event.subject.id}`, revision, event.id, event.type, new Date().toISOString(), JSON.stringify(event)));
  });
  const work = batches(options);
  const started = performance.now();
  for (const batch of work) append(batch);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { eventsPerSecond: options.events / seconds };
}

/**
 * pdl's floor (issue 33): its own necessary work per event and nothing else, in one loop on one
 * core — validate, normalise, seal each value (AES-GCM, the digest's HMAC under a key derived per
 * event), canonical JSON, the chain hash, the body compressed as the log stores it — and the raw
 * insert of the stored row with its hash, one transaction per batch, as (a). No key store (a key per subject made in memory once), no read
 * models, no Merkle tree, no idempotency look-up: what any shape of this design must still do.
 */
async function floor(options: Options) {
  const dir = temp();
  const db = rawLog(dir, 'floor.db', true);
  const insert = db.prepare('INSERT INTO events (position, stream, revision, id, type, recorded_at, body, digest, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const keys = new Map<string, DataKey>();
  let position = 0;
  let previous: string | null = null;
  const append = db.transaction((rows: unknown[][]) => { for (const row of rows) insert.run(...row); });
  const work = batches(options);
  const started = performance.now();
  for (const batch of work) {
    const recordedAt = new Date().toISOString();
    const rows = batch.map((input, revision) => {
      const validation = validateEvent(input);
      if (!validation.ok) throw new Error('the sample event is invalid');
      const event = normaliseEvent(validation.event);
      for (const { subjectId, category } of keySlotsOf(event)) {
        const slot = slotOf(subjectId, category);
        if (!keys.has(slot)) keys.set(slot, { kid: randomUUID(), key: randomBytes(32) });
      }
      const { body, digest } = seal(event, keys);
      const stream = `subject-${event.subject!.id}`;
      position += 1;
      previous = linkLeaf(previous, chainedLeaf({ position, stream, revision, recordedAt, body }));
      return [position, stream, revision, event.id, event.type, recordedAt, encodeBody(JSON.stringify(body)), digest, previous];
    });
    append(rows);
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { eventsPerSecond: options.events / seconds };
}

/** Where a table's or an index's pages are counted: the log, its Merkle tree, the other read models, the key store. */
function storagePart(file: string, table: string): string {
  if (file.endsWith('.keys.db')) return 'keyStore';
  if (table === 'events') return 'log';
  if (table.includes('merkle')) return 'merkleTree';
  if (table.startsWith('rm_event_index')) return 'timelineIndex';
  if (table.startsWith('rm_')) return 'readModels';
  return 'other';
}

/**
 * Bytes per event on disk (issue 33, goal 5): the same events as the peer's bytes run (one in ten
 * a new subject), recorded with the read models inline, every file VACUUMed, then counted page by
 * page (SQLite's dbstat) to say where they go; and inside the log, the sealed values' ciphertext
 * and the chain hashes.
 */
async function bytesPerEvent(options: Options) {
  const dir = temp();
  const opened = await openLedger({ db: join(dir, 'ledger.db'), env: {}, readModels: 'inline' });
  const subjects = options.subjects ?? Math.max(1, Math.floor(options.events / 10));
  for (let i = 0; i < options.events; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, options.events - i) }, (_, j) => sampleEvent(`s-${(i + j) % subjects}`, i + j));
    const result = await opened.ledger.record(batch);
    if (result.appended !== batch.length) throw new Error(`appended ${result.appended} of ${batch.length}`);
  }
  await opened.close();
  const parts: Record<string, number> = {};
  let total = 0;
  let sealed = 0;
  let hashes = 0;
  let bodies = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.db'))) {
    const db = new Database(join(dir, file));
    db.pragma('journal_mode = DELETE');
    db.exec('VACUUM');
    const owners = new Map(db.prepare<[], { name: string; tbl_name: string }>("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").all().map((row) => [row.name, row.tbl_name]));
    for (const { name, bytes } of db.prepare<[], { name: string; bytes: number }>('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all()) {
      const part = storagePart(file, owners.get(name) ?? name);
      parts[part] = (parts[part] ?? 0) + bytes;
    }
    if (file === 'ledger.db') {
      // The sealed values' ciphertext as it stands in the body's JSON (base64url), before the body is compressed.
      for (const { body } of db.prepare<[], { body: string | Buffer }>('SELECT body FROM events').iterate()) {
        sealed += ciphertextLength(JSON.parse(decodeBody(body)));
      }
      hashes = db.prepare<[], { bytes: number }>('SELECT SUM(length(hash)) AS bytes FROM events').get()!.bytes;
      bodies = db.prepare<[], { bytes: number }>('SELECT SUM(length(body)) AS bytes FROM events').get()!.bytes;
    }
    db.close();
    total += statSync(join(dir, file)).size;
  }
  rmSync(dir, { recursive: true, force: true });
  const perEvent = (bytes: number) => bytes / options.events;
  return {
    bytesPerEvent: perEvent(total),
    ...Object.fromEntries(Object.entries(parts).map(([part, bytes]) => [`${part}BytesPerEvent`, perEvent(bytes)])),
    ciphertextBytesPerEvent: perEvent(sealed), chainHashBytesPerEvent: perEvent(hashes), storedBodyBytesPerEvent: perEvent(bodies),
  };
}

/** The length of every `ct` (a sealed value's ciphertext) in a decoded body. */
function ciphertextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + ciphertextLength(item), 0);
  if (typeof value !== 'object' || value === null) return 0;
  return Object.entries(value).reduce((sum, [key, item]) => sum + (key === 'ct' && typeof item === 'string' ? item.length : ciphertextLength(item)), 0);
}

/**
 * The write path, one `record` after another. `eventsPerSecond`: until the last write was answered;
 * `caughtUpEventsPerSecond`: until the read models also hold the last event (the same figure when
 * they are inline; the write path alone when none are kept) — what a writer sustains with reads current.
 */
async function pdlAppend(options: Options) {
  const dir = temp();
  const readModels = options.readModels ?? 'deferred';
  const opened = await openLedger({ db: join(dir, 'ledger.db'), env: {}, readModels });
  const work = batches(options);
  // Known subjects get their key (and index entry) before the clock starts.
  for (let k = 0; k < (options.knownSubjects ?? 0); k += 1) await opened.ledger.record([sampleEvent(`k-${k}`, -1 - k)]);
  if (readModels !== 'none') await opened.readModelsClock.reach((await opened.store.head()).position, Number.POSITIVE_INFINITY);
  const started = performance.now();
  let last = 0;
  for (const batch of work) {
    const result = await opened.ledger.record(batch);
    if (result.appended !== batch.length) throw new Error(`appended ${result.appended} of ${batch.length}`);
    last = result.position ?? last;
  }
  const seconds = (performance.now() - started) / 1000;
  if (readModels !== 'none') await opened.readModelsClock.reach(last, Number.POSITIVE_INFINITY);
  const caughtUp = (performance.now() - started) / 1000;
  await opened.close();
  rmSync(dir, { recursive: true, force: true });
  return { eventsPerSecond: options.events / seconds, caughtUpEventsPerSecond: options.events / caughtUp };
}

/**
 * The split shape on one machine: this process appends with no read models (b'), while `pdl project`
 * — a process of its own, on the other core — keeps them in a file of their own, following the log.
 * `eventsPerSecond`: until the last write was answered; `caughtUpEventsPerSecond`: until the
 * projector's models hold the last event (its checkpoints, read from its file). The projector is
 * started and caught up with the empty log before the clock starts.
 */
async function pdlAppendSplit(options: Options) {
  const dir = temp();
  const db = join(dir, 'ledger.db');
  const readModels = join(dir, 'ledger.read.db');
  const opened = await openLedger({ db, env: {}, readModels: 'none' });
  await opened.ledger.record([sampleEvent('warm-up', -1)]);
  const cli = fileURLToPath(new URL('../services/cli/pdl.js', import.meta.url));
  const projector = spawn(process.execPath, [cli, '--db', db, '--read-models', readModels, 'project', '--log-interval', '600000'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const held: { models: Database.Database | null } = { models: null };
  const reached = (): number => {
    if (!existsSync(readModels)) return 0;
    held.models ??= new Database(readModels, { readonly: true, fileMustExist: true });
    try {
      return held.models.prepare<[], { position: number | null }>('SELECT MIN(position) AS position FROM rm_checkpoints').get()?.position ?? 0;
    } catch (error) {
      if (error instanceof Error && /no such table/.test(error.message)) return 0; // its tables not made yet
      throw error;
    }
  };
  const until = async (done: () => boolean) => {
    const deadline = Date.now() + 600_000;
    while (!done()) {
      if (projector.exitCode !== null || projector.signalCode !== null) throw new Error(`pdl project ended (${projector.exitCode ?? projector.signalCode})`);
      if (Date.now() > deadline) throw new Error('pdl project did not catch up within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  try {
    await until(() => reached() >= 1);
    const started = performance.now();
    let last = 0;
    for (const batch of batches(options)) {
      const result = await opened.ledger.record(batch);
      if (result.appended !== batch.length) throw new Error(`appended ${result.appended} of ${batch.length}`);
      last = result.position ?? last;
    }
    const seconds = (performance.now() - started) / 1000;
    await until(() => reached() >= last);
    const caughtUp = (performance.now() - started) / 1000;
    return { eventsPerSecond: options.events / seconds, caughtUpEventsPerSecond: options.events / caughtUp };
  } finally {
    held.models?.close();
    projector.kill('SIGTERM');
    if (projector.exitCode === null && projector.signalCode === null) await new Promise((resolve) => projector.once('exit', resolve));
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The Merkle tree's share of the write path: two ledgers in one process, one without the tree,
 * appended to in alternation (the order flips every round), so both see the same machine.
 */
async function treeCost(options: Options) {
  const dir = temp();
  // Inline: alternating in one process, a worker of one ledger would run in the other's time.
  const withTree = await openLedger({ db: join(dir, 'with.db'), env: {}, readModels: 'inline' });
  const without = await openLedger({ db: join(dir, 'without.db'), env: {}, readModels: 'inline', projections: allProjections.filter((p) => p !== merkleTree) });
  const spent = { with: 0, without: 0 };
  const work = batches(options);
  for (const [round, batch] of work.entries()) {
    const order = round % 2 === 0 ? ([['with', withTree], ['without', without]] as const) : ([['without', without], ['with', withTree]] as const);
    for (const [name, opened] of order) {
      const copy = batch.map((event) => ({ ...event, id: randomUUID() }));
      const started = performance.now();
      await opened.ledger.record(copy);
      spent[name] += performance.now() - started;
    }
  }
  await withTree.close();
  await without.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    eventsPerSecond: options.events / (spent.with / 1000),
    withoutTreeEventsPerSecond: options.events / (spent.without / 1000),
    treeSharePercent: (100 * (spent.with - spent.without)) / spent.with,
  };
}

/**
 * The chain monitor's share of the write path: two ledgers in one process, appended to in
 * alternation as treeCost does, one of them watched. `where: 'thread'` (as `pdl serve` runs it on
 * the embedded log): the monitor on its own thread, ticking once a second; the figure is what is
 * left of the writes on the main thread, and `caughtUpMs` how long after the last write its verdict
 * reached the head. `where: 'in-process'` (as on an external store): its check of what a batch
 * appended runs inside that batch's time — a check per batch, more often than once a second, so a
 * bound from above; called here, since its timer would run it in the other ledger's time as well.
 */
async function chainMonitorCost(options: Options & { where: 'thread' | 'in-process' }) {
  const dir = temp();
  // Inline, as treeCost: alternating in one process.
  const watched = await openLedger({ db: join(dir, 'with.db'), env: {}, readModels: 'inline' });
  const alone = await openLedger({ db: join(dir, 'without.db'), env: {}, readModels: 'inline' });
  const inProcess = options.where === 'in-process';
  const monitor = watchChain({
    log: watched.store, logPath: watched.paths.db, checkpoints: new SqliteCheckpointStore(watched.readModelsDb), checkpointsFile: watched.readModelsDb.name, verifierKey: signerFromSeed('bench/pdl', randomBytes(32)).verifierKey,
    fullEveryMs: 0, logger: pino({ level: 'silent' }), where: options.where, ...(inProcess ? { pollMs: 3_600_000 } : {}),
  });
  const check = async () => {
    if (monitor instanceof ChainMonitor) await monitor.check();
  };
  await check();
  const spent = { with: 0, without: 0 };
  const work = batches(options);
  for (const [round, batch] of work.entries()) {
    const order = round % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const);
    for (const name of order) {
      const copy = batch.map((event) => ({ ...event, id: randomUUID() }));
      const started = performance.now();
      await (name === 'with' ? watched : alone).ledger.record(copy);
      if (name === 'with') await check();
      spent[name] += performance.now() - started;
    }
  }
  const ended = performance.now();
  await waitFor(() => {
    const verdict = monitor.verdict();
    if (verdict.state === 'broken' || verdict.state === 'failed') throw new Error(`the monitor says ${JSON.stringify(verdict)}`);
    return verdict.state === 'verified' && verdict.position === options.events;
  });
  const caughtUpMs = performance.now() - ended;
  await monitor.stop();
  await watched.close();
  await alone.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    eventsPerSecond: options.events / (spent.with / 1000),
    withoutMonitorEventsPerSecond: options.events / (spent.without / 1000),
    monitorSharePercent: (100 * (spent.with - spent.without)) / spent.with,
    caughtUpMs,
  };
}

/** Builds a ledger of `events` events over `subjects` subjects in `dir`: the dataset the read scenarios share. */
async function buildDataset(options: Options) {
  const opened = await openLedger({ db: join(options.dir!, 'ledger.db'), env: {} });
  const subjects = options.subjects ?? Math.max(1, Math.floor(options.events / 10));
  const chunk = 5000;
  const started = performance.now();
  let last = 0;
  for (let i = 0; i < options.events; i += chunk) {
    const events = Array.from({ length: Math.min(chunk, options.events - i) }, (_, j) => sampleEvent(`s-${(i + j) % subjects}`, i + j));
    last = (await opened.ledger.record(events)).position ?? last;
    if (process.stderr.isTTY) process.stderr.write(`\rbuilding the dataset: ${i + events.length}/${options.events}`);
  }
  // Built when the read models hold it all (they are kept after each append).
  await opened.readModelsClock.reach(last, Number.POSITIVE_INFINITY);
  const seconds = (performance.now() - started) / 1000;
  await opened.close();
  return { eventsPerSecond: options.events / seconds, subjects };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** The ledger at `db` behind the API services, with a fresh key of `role`. */
async function apiOn(db: string, role: 'dpo' | 'admin') {
  const opened = await openLedger({ db, env: {} });
  const apiKeys = ApiKeys.open(opened.paths.apiKeys);
  const { key } = await apiKeys.create(role);
  // A throwaway ledger: its signing key may lie beside it.
  return { opened, key, services: apiServices(opened, apiKeys, { log: console, prover: await openProver(opened, { embedded: true, env: {} }) }) };
}

/** Runs `code` on a worker thread (the callers' own loop) and resolves with the one message it posts, or rejects with its `{ error }`. */
function onWorker<T extends object>(code: string, workerData: object): Promise<T> {
  const worker = new Worker(code, { eval: true, workerData });
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (message: T | { error: string }) => ('error' in message ? reject(new Error(message.error)) : resolve(message)));
    worker.once('error', reject);
  }).finally(() => void worker.terminate());
}

async function subjectAccess(options: Options) {
  const subjects = options.subjects ?? Math.max(1, Math.floor(options.events / 10));
  const { opened, key, services } = await apiOn(join(options.dir!, 'ledger.db'), 'dpo');
  const yoga = createApi(services);
  const query = `query($id: ID) { subjectAccess(subjectId: $id) { subjectId categories { category status purposes storage { system } retainedUntil value }
    recipients { id } consents { consentId } timeline(first: 20) { edges { node { id type data } } } } }`;
  const raw = opened.readModelsDb.prepare('SELECT * FROM events WHERE stream = ? ORDER BY revision');
  const samples = options.samples ?? 1000;
  const api: number[] = [];
  const sql: number[] = [];
  for (let i = 0; i < samples + 50; i++) {
    const id = `s-${Math.floor(Math.random() * subjects)}`;
    let t = performance.now();
    const response = await yoga.fetch('http://bench/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables: { id } }),
    });
    const body = (await response.json()) as { data?: { subjectAccess?: { subjectId: string } }; errors?: unknown };
    if (!body.data?.subjectAccess) throw new Error(`subjectAccess failed: ${JSON.stringify(body.errors)}`);
    const apiMs = performance.now() - t;
    t = performance.now();
    raw.all(`subject-${id}`);
    const sqlMs = performance.now() - t;
    if (i >= 50) { api.push(apiMs); sql.push(sqlMs); } // the first 50 warm the caches
  }
  api.sort((a, b) => a - b);
  sql.sort((a, b) => a - b);
  await services.audit.idle();
  await opened.close();
  return { p50Ms: percentile(api, 50), p99Ms: percentile(api, 99), rawP50Ms: percentile(sql, 50), rawP99Ms: percentile(sql, 99) };
}

/**
 * What the read audit costs an answer: the same `subjectAccess` with values, alternating request by
 * request in one process between the API whose DataViewed is stored (durably) before the answer
 * leaves and the same API whose audit stores nothing (the floor). Then 20 callers at once on the
 * real audit: how many answers one commit carries (group commit).
 */
async function readAuditCost(options: Options) {
  const subjects = options.subjects ?? Math.max(1, Math.floor(options.events / 10));
  const { opened, key, services } = await apiOn(join(options.dir!, 'ledger.db'), 'dpo');
  const nothingStored = new AuditWriter({
    record: (events) => Promise.resolve({ appended: events.length, duplicates: 0, rejected: [], outcomes: events.map((_, index) => ({ index, id: '', status: 'appended' as const, position: 0 })), position: 0 }),
  }, console);
  let commits = 0;
  const counted = new AuditWriter({ record: (events, recordOptions) => { commits += 1; return opened.ledger.record(events, recordOptions); } }, console);
  const audited = createApi({ ...services, audit: counted });
  const floor = createApi({ ...services, audit: nothingStored });
  const query = 'query($id: ID) { subjectAccess(subjectId: $id) { subjectId categories { category status value } } }';
  const ask = async (api: typeof audited) => {
    const id = `s-${Math.floor(Math.random() * subjects)}`;
    const t = performance.now();
    const response = await api.fetch('http://bench/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables: { id } }),
    });
    const body = (await response.json()) as { data?: { subjectAccess?: unknown }; errors?: unknown };
    if (!body.data?.subjectAccess) throw new Error(`subjectAccess failed: ${JSON.stringify(body.errors)}`);
    return performance.now() - t;
  };
  const samples = options.samples ?? 500;
  const withAudit: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < samples + 50; i++) {
    const a = await ask(audited);
    const b = await ask(floor);
    if (i >= 50) { withAudit.push(a); without.push(b); }
  }
  withAudit.sort((x, y) => x - y);
  without.sort((x, y) => x - y);
  commits = 0;
  const callers = 20;
  const perCaller = Math.max(5, Math.floor(samples / 10));
  const started = performance.now();
  await Promise.all(Array.from({ length: callers }, async () => { for (let i = 0; i < perCaller; i++) await ask(audited); }));
  const concurrentSeconds = (performance.now() - started) / 1000;
  await services.audit.idle();
  await opened.close();
  return {
    p50Ms: percentile(withAudit, 50), p99Ms: percentile(withAudit, 99), floorP50Ms: percentile(without, 50), floorP99Ms: percentile(without, 99),
    answersPerCommit: (callers * perCaller) / Math.max(1, commits), concurrentAnswersPerSecond: (callers * perCaller) / concurrentSeconds,
  };
}

/**
 * `subjectAccess` over real HTTP with 20 callers at once: the server in this process, the callers
 * on a worker thread (their own event loop, as separate clients would be), each sending its next
 * request when the last one is answered. Latency as the callers see it.
 */
async function subjectAccessHttp(options: Options) {
  const subjects = options.subjects ?? Math.max(1, Math.floor(options.events / 10));
  const { opened, key, services } = await apiOn(join(options.dir!, 'ledger.db'), 'dpo');
  const server = await startServer(services, { port: 0, host: '127.0.0.1', graphiql: false, log: pino({ level: 'silent' }) });
  const callers = 20;
  const perCaller = Math.ceil((options.samples ?? 1000) / callers);
  const { times } = await onWorker<{ times: number[] }>(`
    const { parentPort, workerData: w } = require('node:worker_threads');
    const query = 'query($id: ID) { subjectAccess(subjectId: $id) { subjectId categories { category status value } consents { consentId } timeline(first: 20) { edges { node { id type data } } } } }';
    async function caller(warm) {
      const times = [];
      for (let i = 0; i < (warm ? 5 : w.perCaller); i++) {
        const id = 's-' + Math.floor(Math.random() * w.subjects);
        const t = performance.now();
        const response = await fetch(w.url + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + w.key }, body: JSON.stringify({ query, variables: { id } }) });
        const body = await response.json();
        if (!body.data || !body.data.subjectAccess) throw new Error('subjectAccess failed: ' + JSON.stringify(body.errors));
        times.push(performance.now() - t);
      }
      return times;
    }
    (async () => {
      await Promise.all(Array.from({ length: w.callers }, () => caller(true)));
      const all = (await Promise.all(Array.from({ length: w.callers }, () => caller(false)))).flat();
      parentPort.postMessage({ times: all });
    })().catch((error) => parentPort.postMessage({ error: String(error) }));
  `, { url: server.url, key, subjects, callers, perCaller });
  times.sort((a, b) => a - b);
  await server.stop();
  await services.audit.idle();
  await opened.close();
  return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), callers };
}

/**
 * No caller frozen by another: a ledger of `events` random events behind the real HTTP server;
 * while one heavy request runs — a 5,000-event recordEvents, then a full complianceReport —
 * /health and a small subjectAccess are asked again and again from a worker thread (its own
 * loop, as other clients would be). The longest either waited is the figure.
 */
async function noCallerFrozen(options: Options) {
  const dir = temp();
  const opened = await openLedger({ db: join(dir, 'ledger.db'), env: {} });
  const subjects = options.subjects ?? 2000;
  for (let i = 0; i < options.events; i += 5000) {
    await opened.ledger.record(Array.from({ length: Math.min(5000, options.events - i) }, (_, j) => sampleEvent(`s-${(i + j) % subjects}`, i + j)));
  }
  await opened.close();
  const { opened: served, key, services } = await apiOn(join(dir, 'ledger.db'), 'admin');
  const server = await startServer(services, { port: 0, host: '127.0.0.1', graphiql: false, log: pino({ level: 'silent' }) });
  const write = Array.from({ length: 5000 }, (_, i) => sampleEvent(`s-${i % subjects}`, options.events + i));
  type During = { longestMs: number; answered: number; heavyMs: number };
  const figures = await onWorker<{ writing: During; reporting: During }>(`
    const { parentPort, workerData: w } = require('node:worker_threads');
    const post = (query, variables) => fetch(w.url + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + w.key }, body: JSON.stringify({ query, variables }) })
      .then(async (r) => { const body = await r.json(); if (!body.data) throw new Error(JSON.stringify(body.errors)); return body.data; });
    async function during(heavy) {
      let running = true;
      let longest = 0;
      let answered = 0;
      const started = performance.now();
      const done = heavy().finally(() => { running = false; });
      while (running) {
        const t = performance.now();
        const [health] = await Promise.all([fetch(w.url + '/health'), post('query($id: ID) { subjectAccess(subjectId: $id) { subjectId } }', { id: 's-1' })]);
        if (health.status !== 200) throw new Error('/health answered ' + health.status);
        longest = Math.max(longest, performance.now() - t);
        answered += 1;
      }
      await done;
      return { longestMs: longest, answered, heavyMs: performance.now() - started };
    }
    (async () => {
      const writing = await during(() => post('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: w.write }));
      const reporting = await during(() => post('{ complianceReport { asOf violations { rule } } }', {}));
      parentPort.postMessage({ writing, reporting });
    })().catch((error) => parentPort.postMessage({ error: String(error) }));
  `, { url: server.url, key, write });
  await server.stop();
  await services.audit.idle();
  await served.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    writeLongestWaitMs: figures.writing.longestMs, writeMs: figures.writing.heavyMs, writeAnswered: figures.writing.answered,
    reportLongestWaitMs: figures.reporting.longestMs, reportMs: figures.reporting.heavyMs, reportAnswered: figures.reporting.answered,
  };
}

async function rebuild(options: Options) {
  // Inline, as `pdl rebuild` runs it: no worker of this process following the log on the runner being rebuilt.
  const opened = await openLedger({ db: join(options.dir!, 'ledger.db'), env: {}, readModels: 'inline' });
  let t = performance.now();
  let read = 0;
  for await (const event of opened.store.readAll()) read += event.position > 0 ? 1 : 0;
  const rawSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const applied = await opened.projectionRunner!.rebuild(opened.store);
  const rebuildSeconds = (performance.now() - t) / 1000;
  await opened.close();
  return { eventsPerSecond: applied / rebuildSeconds, rawEventsPerSecond: read / rawSeconds };
}

interface KafkaOptions extends Options { brokers: string }

/** Produces `events` messages (keyed by subject) to a fresh topic; returns its name. */
async function fillTopic(options: KafkaOptions): Promise<string> {
  const kafka = new Kafka({ clientId: 'pdl-bench', brokers: options.brokers.split(','), logLevel: logLevel.NOTHING });
  const topic = `pdl.bench.${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }, { topic: `${topic}.dlq` }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < options.events; i += 1000) {
    const messages = Array.from({ length: Math.min(1000, options.events - i) }, (_, j) => {
      const event = sampleEvent(`s-${(i + j) % 1000}`, i + j);
      return { key: event.subject.id, value: JSON.stringify(event) };
    });
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
  return topic;
}

const waitFor = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
};

/** `pdl ingest`'s consumer on a filled topic, until it has consumed everything. */
async function kafkaIngest(options: KafkaOptions) {
  const topic = await fillTopic(options);
  const dir = temp();
  const opened = await openLedger({ db: join(dir, 'ledger.db'), env: {} });
  const ingest = new KafkaIngest(opened.ledger, { brokers: options.brokers.split(','), topic, groupId: `bench-${topic}`, logIntervalMs: 60_000 }, pino({ level: 'error' }));
  const started = performance.now();
  await ingest.start();
  await waitFor(() => ingest.status().consumed >= options.events);
  // Ingested when the read models hold it too (they are kept after each append).
  await opened.readModelsClock.reach((await opened.store.head()).position, Number.POSITIVE_INFINITY);
  const seconds = (performance.now() - started) / 1000;
  await ingest.stop();
  await opened.close();
  rmSync(dir, { recursive: true, force: true });
  return { eventsPerSecond: options.events / seconds };
}

/** A bare kafkajs consumer reading the same kind of topic and doing nothing with it: the limit. */
async function kafkaBare(options: KafkaOptions) {
  const topic = await fillTopic(options);
  const kafka = new Kafka({ clientId: 'pdl-bench-bare', brokers: options.brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-bare-${topic}` });
  let consumed = 0;
  const started = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachBatch: async ({ batch }) => { consumed += batch.messages.length; } });
  await waitFor(() => consumed >= options.events);
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return { eventsPerSecond: options.events / seconds };
}

const scenarios: Record<string, (options: Options) => Promise<Record<string, number>>> = {
  'kafka-ingest': (options) => kafkaIngest(options as KafkaOptions),
  'kafka-bare': (options) => kafkaBare(options as KafkaOptions),
  'raw-append': rawAppend,
  floor,
  bytes: bytesPerEvent,
  'pdl-append': pdlAppend,
  'pdl-append-split': pdlAppendSplit,
  'tree-cost': treeCost,
  'chain-monitor-cost': (options) => chainMonitorCost(options as Options & { where: 'thread' | 'in-process' }),
  'build-dataset': buildDataset,
  'subject-access': subjectAccess,
  'subject-access-http': subjectAccessHttp,
  'read-audit-cost': readAuditCost,
  'no-caller-frozen': noCallerFrozen,
  rebuild,
};

const [name, json] = process.argv.slice(2);
const scenario = scenarios[name ?? ''];
if (!scenario) {
  process.stderr.write(`unknown scenario ${name}; one of ${Object.keys(scenarios).join(', ')}\n`);
  process.exit(2);
}
const figures = await scenario(JSON.parse(json ?? '{}') as Options);
process.stdout.write(`${JSON.stringify({ ...figures, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
