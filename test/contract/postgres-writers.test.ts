/**
 * The PostgreSQL log under what one machine never shows: writer processes appending at once, a
 * writer killed in the middle of a batch, and followers reading while a transaction that holds a
 * position has not committed yet. Real processes, a real server (test/setup/postgres.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sha256Chain } from '../../services/ledger/chain.js';
import { verifyChain } from '../../services/ledger/verify.js';
import type { RecordedEvent } from '../../services/store/port.js';
import { PostgresEventStore } from '../../services/store/postgres/postgres-event-store.js';
import { LOCK_LEDGER } from '../../services/store/postgres/schema.js';
import { runPdl } from '../e2e/run-pdl.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { freshLedgerUrl, postgresUrl, skipReason, withAdmin } from './postgres-fixture.js';

const WRITER = resolve('test/fixtures/postgres-writer.mjs');

type Outcome = [id: string, status: string, position: number | null];
interface WriterLine { sending?: number; at: number; ids?: string[]; batch?: number; outcomes?: Outcome[] }

interface Writer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: WriterLine[];
  /** Resolves with the exit code (null when killed) and stderr. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  /** Resolves once a line satisfies `test`. */
  until(test: (line: WriterLine) => boolean): Promise<void>;
}

function startWriter(db: string, url: string, writer: string, batches: number, size: number): Writer {
  const child = spawn(process.execPath, [WRITER, db, url, writer, String(batches), String(size)], {
    env: { ...process.env, PDL_MASTER_KEY: '', PDL_STORE: '', PDL_DB: '' }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: WriterLine[] = [];
  const waiters = new Set<{ test: (line: WriterLine) => boolean; resolve: () => void }>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as WriterLine;
    lines.push(line);
    for (const waiter of waiters) {
      if (waiter.test(line)) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((done) => child.on('close', (code) => done({ code, stderr })));
  return {
    child, lines, exited,
    until: (test) => new Promise<void>((resolveWait, reject) => {
      if (lines.some(test)) return resolveWait();
      waiters.add({ test, resolve: resolveWait });
      void exited.then(({ code, stderr: err }) => reject(new Error(`writer ${writer} ended (${String(code)}) before the awaited line: ${err}`)));
    }),
  };
}

const acknowledged = (writer: Writer): Outcome[] => writer.lines.flatMap((line) => line.outcomes ?? []);

async function collect(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

/** A ledger folder (key store, master key) whose log is a fresh schema, opened once so that writers find its keys. */
async function sharedLedger(): Promise<{ db: string; url: string }> {
  const { url } = await freshLedgerUrl();
  const db = join(makeTempDir('pg-writers'), 'ledger.db');
  const first = startWriter(db, url, 'init', 1, 1);
  expect(await first.exited).toMatchObject({ code: 0 });
  return { db, url };
}

/** Resolves when `check` holds, polling; rejects after `ms`. */
async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!await check()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!postgresUrl)(`PostgreSQL log under concurrent writers and late commits${skipReason}`, () => {
  it('three writer processes appending at once keep one gap-free chain holding every acknowledged event; pdl verify --store passes', async () => {
    const { db, url } = await sharedLedger();
    const writers = ['a', 'b', 'c'].map((name) => startWriter(db, url, name, 15, 20));
    const exits = await Promise.all(writers.map((writer) => writer.exited));
    for (const exit of exits) expect(exit).toMatchObject({ code: 0 });

    const reader = new PostgresEventStore({ connectionString: url });
    const log = await collect(reader.readAll());
    expect(log.map((event) => event.position)).toEqual(Array.from({ length: 1 + 3 * 15 * 20 }, (_, i) => i + 1));
    const byId = new Map(log.map((event) => [event.id, event]));
    expect(byId.size).toBe(log.length);
    for (const writer of writers) {
      const acks = acknowledged(writer);
      expect(acks).toHaveLength(15 * 20);
      for (const [id, status, position] of acks) {
        expect(status).toBe('appended');
        expect(byId.get(id)?.position).toBe(position);
      }
    }
    // They did write at the same time: calls of different writers overlapped, and the log alternates between them.
    const calls = writers.map((writer) => writer.lines.filter((line) => line.sending !== undefined)
      .map((line) => ({ from: line.at, to: writer.lines.find((done) => done.batch === line.sending)!.at })));
    const overlapping = calls.flatMap((mine, w) => mine.filter((call) => calls.some((theirs, v) => v !== w && theirs.some((other) => other.from < call.to && call.from < other.to))));
    expect(overlapping.length).toBeGreaterThan(10);
    const actors = log.slice(1).map((event) => JSON.stringify((event.body as { actor?: unknown }).actor));
    const switches = actors.filter((actor, i) => i > 0 && actor !== actors[i - 1]).length;
    expect(switches).toBeGreaterThan(5);
    expect(await verifyChain(reader)).toMatchObject({ ok: true, checked: log.length });
    await reader.close();

    const verified = await runPdl(['--db', db, '--store', url, 'verify', '--no-state']);
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toContain(`ok: ${log.length} events verified; head position ${log.length}, hash ${log.at(-1)!.hash}`);
    expect(verified.code).toBe(0);
  }, 120_000);

  it('sixteen sessions appending as fast as they can never collide: every call succeeds, positions and revisions stay gap-free', async () => {
    const { url } = await freshLedgerUrl();
    // Four stores (four pools, as four hosts would have), four callers each: the server sees sixteen sessions at once.
    const stores = Array.from({ length: 4 }, () => new PostgresEventStore({ connectionString: url, chain: sha256Chain, maxConnections: 4 }));
    await Promise.all(stores.flatMap((store, s) => Array.from({ length: 4 }, async (_, c) => {
      for (let i = 0; i < 25; i++) {
        const stream = `subject-${(s * 4 + c + i) % 6}`;
        await store.appendMany([{ stream, events: [thing(), thing()] }, { stream: `subject-own-${s}-${c}`, events: [thing()] }]);
      }
    })));
    const log = await collect(stores[0]!.readAll());
    expect(log.map((event) => event.position)).toEqual(Array.from({ length: 16 * 25 * 3 }, (_, i) => i + 1));
    const revisions = new Map<string, number[]>();
    for (const event of log) revisions.set(event.stream, [...revisions.get(event.stream) ?? [], event.revision]);
    for (const seen of revisions.values()) expect(seen).toEqual(seen.map((_, i) => i));
    expect(await verifyChain(stores[0]!)).toMatchObject({ ok: true, checked: log.length });
    await Promise.all(stores.map((store) => store.close()));
  }, 60_000);

  it('a writer SIGKILLed in the middle of a batch leaves that batch whole or absent, and its retry is answered duplicate', async () => {
    const { db, url: base } = await sharedLedger();
    const name = `pdl-writer-${randomUUID().slice(0, 8)}`;
    const url = `${base}&application_name=${name}`;
    const batches = 6;
    const size = 300;
    const writer = startWriter(db, url, 'k', batches, size);
    await writer.until((line) => line.batch === 1);
    // Hold the ledger lock: the writer's next batch reaches the server and waits there, inside pdl_append.
    const holder = new pg.Client({ connectionString: base });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(LOCK_LEDGER);
    await eventually(async () => (await appendsOf(name, true)) === 1);
    const lastSent = () => writer.lines.filter((line) => line.sending !== undefined).at(-1)!;
    await eventually(() => !writer.lines.some((line) => line.batch === lastSent().sending));
    const inFlight = lastSent();
    writer.child.kill('SIGKILL');
    expect((await writer.exited).code).toBeNull();
    await holder.query('COMMIT');
    // The dead writer's call runs on: the server commits it whole though nobody reads its answer.
    await eventually(async () => (await appendsOf(name, false)) === 0);
    await holder.end();

    const reader = new PostgresEventStore({ connectionString: base });
    const log = await collect(reader.readAll());
    const ids = new Set(log.map((event) => event.id));
    expect(log.map((event) => event.position)).toEqual(Array.from({ length: log.length }, (_, i) => i + 1));
    expect(await verifyChain(reader)).toMatchObject({ ok: true, checked: log.length });
    const acked = acknowledged(writer);
    expect(acked).toHaveLength(inFlight.sending! * size);
    for (const [id] of acked) expect(ids.has(id)).toBe(true);
    expect(inFlight.ids!.filter((id) => ids.has(id))).toHaveLength(size);
    expect(log).toHaveLength(1 + (inFlight.sending! + 1) * size);

    const retry = startWriter(db, base, 'k', batches, size);
    expect(await retry.exited).toMatchObject({ code: 0 });
    const answers = retry.lines.filter((line) => line.outcomes);
    expect(answers).toHaveLength(batches);
    for (const line of answers) {
      const statuses = new Set(line.outcomes!.map(([, status]) => status));
      expect([...statuses]).toEqual([line.batch! <= inFlight.sending! ? 'duplicate' : 'appended']);
    }
    const final = await collect(reader.readAll());
    expect(final).toHaveLength(1 + batches * size);
    expect(new Set(final.map((event) => event.id)).size).toBe(final.length);
    expect(await verifyChain(reader)).toMatchObject({ ok: true, checked: final.length });
    await reader.close();
  }, 120_000);

  it('a follower waits for a position whose transaction commits late, and then gets it and the one after, in order', async () => {
    const { url } = await freshLedgerUrl();
    const writer = new PostgresEventStore({ connectionString: url, chain: sha256Chain });
    const follower = new PostgresEventStore({ connectionString: url, pollIntervalMs: 20 });
    for (let i = 0; i < 3; i++) await writer.append('subject-a', [thing()]);
    const seen: number[] = [];
    const subscription = follower.subscribeAll({ after: 0 }, (events) => {
      seen.push(...events.map((event) => event.position));
    });
    await eventually(() => seen.length === 3);

    // A writer's transaction holds position 4 and stays open; another writer appends meanwhile.
    const late = new pg.Client({ connectionString: url });
    await late.connect();
    await late.query('BEGIN');
    const lateEvent = thing();
    const held = await late.query<{ o_positions: string[] }>(
      "SELECT * FROM pdl_append(ARRAY['subject-late'], ARRAY['any'], ARRAY[0], ARRAY[1], ARRAY[$1], ARRAY['Thing'], ARRAY[$2], ARRAY[NULL]::text[], ARRAY['d'], true)",
      [lateEvent.id, JSON.stringify(lateEvent.body)]);
    expect(held.rows[0]!.o_positions.map(Number)).toEqual([4]);
    let secondDone = false;
    const second = writer.append('subject-b', [thing()]).then((result) => {
      secondDone = true;
      return result;
    });
    await sleep(500);
    expect(seen).toEqual([1, 2, 3]);
    expect(secondDone).toBe(false);

    await late.query('COMMIT');
    await late.end();
    const result = await second;
    expect(result.outcomes[0]).toMatchObject({ status: 'appended', position: 5 });
    await eventually(() => seen.length >= 5);
    await sleep(100);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    await subscription.stop();
    expect(await verifyChain(follower)).toMatchObject({ ok: true, checked: 5 });
    await Promise.all([writer.close(), follower.close()]);
  }, 60_000);

  it('a follower never moves past a position not yet visible, even when rows are written around the ledger lock', async () => {
    const { url } = await freshLedgerUrl();
    const store = new PostgresEventStore({ connectionString: url, pollIntervalMs: 20 });
    await store.append('subject-a', [thing(), thing()]);
    const seen: number[] = [];
    const subscription = store.subscribeAll({ after: 0 }, (events) => {
      seen.push(...events.map((event) => event.position));
    });
    await eventually(() => seen.length === 2);
    // Position 3 inserted by a transaction still open, position 4 committed: the race sequence-numbered stores lose events in.
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    await slow.query('BEGIN');
    await insertRaw(slow, 3);
    await withAdmin((client) => insertRaw(client, 4), url);
    await sleep(400);
    expect(seen).toEqual([1, 2]);
    await slow.query('COMMIT');
    await slow.end();
    await eventually(() => seen.length >= 4);
    await sleep(100);
    expect(seen).toEqual([1, 2, 3, 4]);
    await subscription.stop();
    await store.close();
  }, 60_000);

  it('a follower fails, naming the position, when a hole in the log stays (a deleted row)', async () => {
    const { url } = await freshLedgerUrl();
    const store = new PostgresEventStore({ connectionString: url, pollIntervalMs: 20, holeTimeoutMs: 300 });
    await store.append('subject-a', [thing(), thing(), thing()]);
    await withAdmin((client) => client.query('DELETE FROM pdl_events WHERE position = 2'), url);
    const seen: number[] = [];
    const subscription = store.subscribeAll({ after: 0 }, (events) => {
      seen.push(...events.map((event) => event.position));
    });
    await expect(subscription.done).rejects.toMatchObject({ code: 'TAMPERED', position: 2 });
    expect(seen).toEqual([1]);
    await store.close();
  }, 60_000);

  it("wakes another process's follower by NOTIFY, and still delivers by polling once its listener is cut", async () => {
    const { url: base } = await freshLedgerUrl();
    const name = `pdl-test-${randomUUID().slice(0, 8)}`;
    const url = `${base}&application_name=${name}`;
    const writer = new PostgresEventStore({ connectionString: base });
    const sleepy = new PostgresEventStore({ connectionString: url, pollIntervalMs: 600_000 });
    const seen: number[] = [];
    const subscription = sleepy.subscribeAll({ after: 0 }, (events) => {
      seen.push(...events.map((event) => event.position));
    });
    await eventually(async () => (await listeners(name)).length === 1);
    const started = Date.now();
    await writer.append('subject-a', [thing()]);
    await eventually(() => seen.length === 1, 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    await subscription.stop();
    await sleepy.close();

    const polling = new PostgresEventStore({ connectionString: url, pollIntervalMs: 100 });
    const later: number[] = [];
    const second = polling.subscribeAll({ after: 1 }, (events) => {
      later.push(...events.map((event) => event.position));
    });
    await eventually(async () => (await listeners(name)).length === 1);
    await withAdmin((client) => client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE $2', [name, 'LISTEN%']));
    await writer.append('subject-a', [thing()]);
    await eventually(() => later.length === 1, 5_000);
    expect(later).toEqual([2]);
    // The listener comes back by itself.
    await eventually(async () => (await listeners(name)).length === 1, 10_000);
    await second.stop();
    await Promise.all([polling.close(), writer.close()]);
  }, 60_000);
});

function thing() {
  const id = randomUUID();
  return { id, type: 'Thing', body: { id, type: 'Thing' } };
}

async function insertRaw(client: pg.Client, position: number): Promise<void> {
  const id = randomUUID();
  await client.query(
    "INSERT INTO pdl_events (position, stream, revision, id, type, recorded_at, body, digest) VALUES ($1, $2, 0, $3, 'Thing', '2026-01-01T00:00:00.000Z', $4, 'd')",
    [position, `subject-raw-${position}`, id, JSON.stringify({ id, type: 'Thing' })]);
}

/**
 * pdl_append calls of the processes named `applicationName` running now (`waiting`: those waiting
 * for the ledger lock). Asked outside any transaction: within one, pg_stat_activity stays as first read.
 */
async function appendsOf(applicationName: string, waiting: boolean): Promise<number> {
  const { rows } = await withAdmin((client) => client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%pdl_append%'
     ${waiting ? "AND wait_event = 'advisory'" : ''}`, [applicationName]));
  return rows[0]!.n;
}

async function listeners(applicationName: string): Promise<number[]> {
  return withAdmin(async (client) => (await client.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'", [applicationName])).rows.map((row) => row.pid));
}
