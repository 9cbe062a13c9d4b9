/**
 * The store port on PostgreSQL (node-postgres), for writers, ingest services and API replicas on
 * any number of hosts sharing one log. Tables and the append function: schema.ts; following the
 * log: subscription.ts; the design and why: README "Beyond one machine: PostgreSQL".
 *
 * An append is one round trip: `SELECT * FROM pdl_append_packed(…)` in autocommit, arrays in, outcomes
 * out. The ledger lock is taken inside the call and released by its commit, so nothing waits on
 * this process's network while holding it.
 */
import pg from 'pg';
import { ValidationError } from '../../errors.js';
import { appendToOneStream } from '../append-one.js';
import { canonicalJson } from '../digest.js';
import type {
  AppendOutcome, AppendResult, Chain, EventStore, EventToAppend, ExpectedRevision, Head, ReadAllOptions,
  ReadStreamOptions, RecordedEvent, StoredRow, StoredRows, StreamWrite, SubscribeOptions, Subscription, SubscriptionHandler, Unchained, VerbatimImport,
} from '../port.js';
import { continuesHead } from '../verbatim.js';
import { sqlState, translatePgError } from './pg-errors.js';
import { CREATE_SCHEMA, LOCK_LEDGER, LOCK_SCHEMA, NOTIFY_CHANNEL, SCHEMA_VERSION, WRONG_EXPECTED_REVISION } from './schema.js';
import { Notifier, followLog } from './subscription.js';
import { prepareCall, storable, wrongExpectedVersion, type AppendRow, type PreparedCall } from './append-call.js';
import { resilientPool } from './pg-transaction.js';
import { connectionStringsOf, PrimaryTarget } from './primary-target.js';

export interface PostgresEventStoreOptions {
  /** `postgres://user@host:5432/db` (a `?options=-c search_path=…` puts the ledger in a schema of its own). */
  readonly connectionString: string;
  /** The chain the server must reproduce (checked before the first append); without one, events get no hash. */
  readonly chain?: Chain;
  /** Told when the writes move to another host of a multi-host connection string (default: a line on standard error). */
  readonly onFailover?: (message: string) => void;
  /** How often a subscription reads when no notification woke it. */
  readonly pollIntervalMs?: number;
  /** How long a subscription waits at a missing position before it fails (subscription.ts). */
  readonly holeTimeoutMs?: number;
  /** Connections in this process's pool. */
  readonly maxConnections?: number;
}

/** A row as node-postgres hands it over: bigint columns as text. */
interface EventRow {
  position: string;
  stream: string;
  revision: string;
  id: string;
  type: string;
  recorded_at: string;
  body: string;
  digest: string;
  hash: string | null;
}

const COLUMNS = 'position, stream, revision, id, type, recorded_at, body, digest, hash';
const PAGE = 1000;

/** A bigint as node-postgres hands it over (text) as a number where it is one exactly; a larger one stays text (and `pdl verify` calls it malformed). */
function count(value: string | number): string | number {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

export class PostgresEventStore implements EventStore, VerbatimImport, StoredRows {
  readonly pool: pg.Pool;
  /** The host written to, among those the connection string names. */
  readonly target: PrimaryTarget;
  private readonly chain: Chain | undefined;
  private readonly pollIntervalMs: number;
  private readonly holeTimeoutMs: number;
  private readonly notifier: Notifier;
  private readonly subscriptions = new Set<Subscription>();
  private writable: Promise<void> | null = null;
  private tableSeen = false;
  private closed = false;

  constructor(options: PostgresEventStoreOptions) {
    // Several hosts (a primary and its standby): every new connection goes to the one that takes writes now.
    const target = new PrimaryTarget(connectionStringsOf(options.connectionString), options.onFailover ?? ((message) => process.stderr.write(`pdl: ${message}\n`)));
    this.target = target;
    class TargetClient extends pg.Client {
      constructor(config?: pg.ClientConfig) {
        super({ ...config, connectionString: target.connectionString });
      }
    }
    const config: pg.PoolConfig = { connectionString: target.connectionString, application_name: 'pdl', max: options.maxConnections ?? 10, Client: TargetClient };
    // A connection the server dropped (a restart) never crashes the process; the next query reports it to its caller.
    this.pool = resilientPool(config, () => target.lost());
    this.chain = options.chain;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.holeTimeoutMs = options.holeTimeoutMs ?? 60_000;
    this.notifier = new Notifier(() => ({ connectionString: target.connectionString, application_name: 'pdl-listen' }));
  }

  /** The port's error for a client error; a lost connection (or a standby refusing a write) looks for the primary again. */
  private failed(error: unknown): unknown {
    return translatePgError(error, this.pool);
  }

  private async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw this.failed(error);
    }
  }

  /** Before the first write: the schema (created once, under a lock, by whichever writer comes first) and the chain check. */
  private ready(): Promise<void> {
    this.writable ??= this.prepare().catch((error: unknown) => {
      this.writable = null;
      throw this.failed(error);
    });
    return this.writable;
  }

  private async prepare(): Promise<void> {
    const client = await this.pool.connect();
    try {
      const settings = await client.query<{ encoding: string }>("SELECT current_setting('server_encoding') AS encoding");
      if (settings.rows[0]?.encoding !== 'UTF8') {
        throw new ValidationError(`the PostgreSQL database is encoded ${settings.rows[0]?.encoding ?? '?'}: the ledger needs UTF8 (CREATE DATABASE … ENCODING 'UTF8')`);
      }
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      try {
        await client.query(LOCK_SCHEMA);
        const present = await client.query<{ present: boolean }>("SELECT to_regclass('pdl_schema') IS NOT NULL AS present");
        const version = present.rows[0]?.present
          ? (await client.query<{ version: number | null }>('SELECT max(version) AS version FROM pdl_schema')).rows[0]?.version ?? null
          : null;
        if (version !== null && version > SCHEMA_VERSION) {
          throw new ValidationError(`the ledger's tables in PostgreSQL are of schema version ${version}, newer than this pdl knows (${SCHEMA_VERSION}): upgrade pdl`);
        }
        if (version !== SCHEMA_VERSION) {
          await client.query(CREATE_SCHEMA);
          await client.query('DELETE FROM pdl_schema');
          await client.query('INSERT INTO pdl_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      this.tableSeen = true;
      if (this.chain) await this.checkChain(client, this.chain);
    } finally {
      client.release();
    }
  }

  /**
   * The server links events with `pdl_link`; refuse to write unless it gives the hashes `chain`
   * gives — on events chosen to differ wherever an encoder could (escapes, surrogate pairs, U+2028,
   * large positions, the first link after genesis).
   */
  private async checkChain(client: pg.PoolClient, chain: Chain): Promise<void> {
    const previous: (string | null)[] = [null, 'ab'.repeat(32)];
    for (const probe of CHAIN_PROBES) {
      for (const before of previous) {
        const expected = chain.link(before, probe);
        const { rows } = await client.query<{ hash: string }>(
          "SELECT encode(pdl_link(decode($1, 'hex'), $2, $3, $4, $5, $6), 'hex') AS hash",
          [before ?? '0'.repeat(64), canonicalJson(probe.body), probe.position, probe.recordedAt, probe.revision, probe.stream]);
        if (rows[0]?.hash !== expected) {
          throw new ValidationError('the chain this store was opened with is not the one PostgreSQL computes (pdl_link): ' +
            `they differ on a probe event at position ${probe.position}; a ledger on PostgreSQL is chained as services/ledger/chain.ts chains it`);
        }
      }
    }
  }

  /** Whether the ledger's table exists; reads of a database without it see an empty log (and create nothing). */
  private async hasTable(): Promise<boolean> {
    if (this.tableSeen) return true;
    const { rows } = await this.query<{ present: boolean }>("SELECT to_regclass('pdl_events') IS NOT NULL AS present");
    this.tableSeen = rows[0]?.present === true;
    return this.tableSeen;
  }

  async append(stream: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    return appendToOneStream(this, stream, events, options.expectedRevision);
  }

  /** Atomic: one function call in one transaction, whatever its size. */
  async appendMany(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    if (writes.length === 0) return [];
    const call = prepareCall(writes, this.chain !== undefined);
    await this.ready();
    let row: AppendRow;
    try {
      const result = await this.pool.query<AppendRow>(
        'SELECT * FROM pdl_append_packed($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
        [call.streams, call.expected, call.previous, call.sizes, call.ids, call.types, call.bodies, call.bodyLengths, call.canonical, call.canonicalLengths,
          call.digests, call.chained]);
      row = result.rows[0]!;
    } catch (error) {
      if (sqlState(error) === WRONG_EXPECTED_REVISION) throw wrongExpectedVersion(error, writes);
      throw this.failed(error);
    }
    const results = await this.outcomes(writes, call, row);
    if (results.some((result) => result.outcomes.some((outcome) => outcome.status === 'appended'))) this.notifier.wakeAll();
    return results;
  }

  /**
   * The function's answer per event. An id repeated within the call was sent once: a repeat meets
   * the row its first occurrence left, as it would on the embedded store. Conflicts name the row
   * in the way, read after the call (rows never change, so after is as good as during).
   */
  private async outcomes(writes: readonly StreamWrite[], call: PreparedCall, row: AppendRow): Promise<AppendResult[]> {
    const settled: (Placed | null)[] = call.flat.map(() => null);
    const firstOf = new Map<string, number>();
    const conflicted = new Set<string>();
    call.flat.forEach((event, i) => {
      const slot = call.sentIndex[i]!;
      if (slot >= 0) {
        firstOf.set(event.id, i);
        const status = row.o_statuses[slot];
        if (status === 'c') conflicted.add(event.id);
        else settled[i] = { status: status === 'a' ? 'appended' : 'duplicate', id: event.id, position: Number(row.o_positions[slot]), revision: Number(row.o_revisions[slot]) };
        return;
      }
      const first = firstOf.get(event.id)!;
      const placed = settled[first];
      if (placed && call.flat[first]!.stream === event.stream && call.flat[first]!.digest === event.digest) {
        settled[i] = { status: 'duplicate', id: event.id, position: placed.position, revision: placed.revision };
      } else {
        conflicted.add(event.id);
      }
    });
    const stored = conflicted.size > 0 ? await this.rowsById([...conflicted]) : new Map<string, RecordedEvent>();
    let i = 0;
    return writes.map((write, w) => ({
      stream: write.stream,
      nextExpectedRevision: Number(row.o_next_revisions[w]),
      outcomes: write.events.map((): AppendOutcome => {
        const event = call.flat[i]!;
        const placed = settled[i];
        i += 1;
        if (placed) return placed;
        const existing = stored.get(event.id);
        if (!existing) throw new Error(`the row in the way of event ${event.id} could not be read back`);
        // A repeat whose first occurrence conflicted may still be the stored row's duplicate.
        if (existing.stream === event.stream && existing.digest === event.digest) {
          return { status: 'duplicate', id: event.id, position: existing.position, revision: existing.revision };
        }
        return { status: 'conflict', id: event.id, existing };
      }),
    }));
  }

  private async rowsById(ids: readonly string[]): Promise<Map<string, RecordedEvent>> {
    const { rows } = await this.query<EventRow>(`SELECT ${COLUMNS} FROM pdl_events WHERE id = ANY($1)`, [ids]);
    return new Map(rows.map((row) => [row.id, toRecorded(row)]));
  }

  async importRecorded(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const event of events) {
      storable('a stream name', event.stream);
      storable('an event id', event.id);
      storable('an event type', event.type);
    }
    await this.ready();
    const client = await this.pool.connect().catch((error: unknown) => {
      throw this.failed(error);
    });
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      await client.query(LOCK_LEDGER);
      const { rows } = await client.query<{ position: string; hash: string | null }>('SELECT position, hash FROM pdl_events ORDER BY position DESC LIMIT 1');
      continuesHead({ position: Number(rows[0]?.position ?? 0), hash: rows[0]?.hash ?? null }, events, this.chain);
      await client.query(
        `INSERT INTO pdl_events (${COLUMNS})
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])`,
        [events.map((e) => e.position), events.map((e) => e.stream), events.map((e) => e.revision), events.map((e) => e.id), events.map((e) => e.type),
          events.map((e) => e.recordedAt), events.map((e) => JSON.stringify(e.body)), events.map((e) => e.digest), events.map((e) => e.hash)]);
      await client.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, String(events[events.length - 1]!.position)]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.failed(error);
    } finally {
      client.release();
    }
    this.notifier.wakeAll();
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (!await this.hasTable()) return [];
    const { rows } = await this.query<EventRow>(
      `SELECT ${COLUMNS} FROM pdl_events WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
      [stream, options.fromRevision ?? 0, options.limit ?? null]);
    return rows.map(toRecorded);
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let after = options.after ?? 0;
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    const types = options.types && options.types.length > 0 ? options.types : null;
    while (remaining > 0) {
      const size = Math.min(PAGE, remaining);
      const rows = await this.page(after, size, types);
      for (const row of rows) yield row;
      if (rows.length < size) return;
      after = rows[rows.length - 1]!.position;
      remaining -= rows.length;
    }
  }

  /** Rows after `after`, in position order; with `types`, only those (filtered by the server). */
  async page(after: number, limit: number, types: readonly string[] | null = null): Promise<RecordedEvent[]> {
    if (!await this.hasTable()) return [];
    const { rows } = types
      ? await this.query<EventRow>(`SELECT ${COLUMNS} FROM pdl_events WHERE position > $1 AND type = ANY($3) ORDER BY position LIMIT $2`, [after, limit, types])
      : await this.query<EventRow>(`SELECT ${COLUMNS} FROM pdl_events WHERE position > $1 ORDER BY position LIMIT $2`, [after, limit]);
    return rows.map(toRecorded);
  }

  async readPositions(positions: readonly number[]): Promise<RecordedEvent[]> {
    if (positions.length === 0 || !await this.hasTable()) return [];
    const { rows } = await this.query<EventRow>(`SELECT ${COLUMNS} FROM pdl_events WHERE position = ANY($1::bigint[]) ORDER BY position`, [positions]);
    return rows.map(toRecorded);
  }

  /** Every row as stored, for `pdl verify`; a database without the ledger's table is not a ledger. */
  async *storedRows(): AsyncIterable<StoredRow> {
    if (!await this.hasTable()) throw new ValidationError('this PostgreSQL database holds no pdl ledger (no pdl_events table on its search_path)');
    let after = 0;
    for (;;) {
      const { rows } = await this.query<EventRow>(`SELECT ${COLUMNS} FROM pdl_events WHERE position > $1 ORDER BY position LIMIT $2`, [after, PAGE]);
      for (const row of rows) yield { ...row, position: count(row.position), revision: count(row.revision), recordedAt: row.recorded_at };
      const last = rows.at(-1)?.position;
      if (rows.length < PAGE || last === undefined) return;
      after = Number(last);
    }
  }

  subscribeAll(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    const subscription = followLog({
      after: options.after,
      batchSize: options.batchSize ?? 500,
      pollIntervalMs: this.pollIntervalMs,
      holeTimeoutMs: this.holeTimeoutMs,
      readPage: (after, limit) => this.page(after, limit),
      notifier: this.notifier,
      handler,
    });
    this.subscriptions.add(subscription);
    void subscription.done.catch(() => undefined).finally(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async head(): Promise<Head> {
    if (!await this.hasTable()) return { position: 0, hash: null };
    const { rows } = await this.query<{ position: string; hash: string | null }>('SELECT position, hash FROM pdl_events ORDER BY position DESC LIMIT 1');
    return { position: Number(rows[0]?.position ?? 0), hash: rows[0]?.hash ?? null };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.notifier.close();
    await this.pool.end();
  }
}

type Placed = Exclude<AppendOutcome, { status: 'conflict' }>;

function toRecorded(row: EventRow): RecordedEvent {
  return {
    position: Number(row.position),
    stream: row.stream,
    revision: Number(row.revision),
    id: row.id,
    type: row.type,
    recordedAt: row.recorded_at,
    body: JSON.parse(row.body) as RecordedEvent['body'],
    digest: row.digest,
    hash: row.hash,
  };
}

/** Events whose leaves differ wherever a JSON encoder could: the server must hash them as the chain does. */
const CHAIN_PROBES: readonly Unchained[] = [
  { position: 1, stream: 'subject-a', revision: 0, id: 'probe-1', type: 'Probe', recordedAt: '2026-01-01T00:00:00.000Z', body: { id: 'probe-1', type: 'Probe' }, digest: '' },
  {
    position: 9_007_199_254_740_991, stream: 'subject-"q"\\b\u0001\u001f\b\f\n\r\t\u007f\u2028\u2029é中𝄞', revision: 4_294_967_296, id: 'probe-2', type: 'Probe',
    recordedAt: '2026-12-31T23:59:59.999Z', digest: '',
    body: { z: 1, a: ['\u0000', '\ud800', 'x\udfffy', '😀', 1e21, 0.1, -0, 1.5e-7], é: { '\u0001': null, b: true }, id: 'probe-2', type: 'Probe' },
  },
];
