/**
 * The store contract against a real PostgreSQL server (test/setup/postgres.ts), and what only this
 * adapter has to prove: that the chain the server computes is the ledger's own, byte for byte.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Chain } from '../../services/ledger/chain.js';
import { verifyChain } from '../../services/ledger/verify.js';
import type { Chain, RecordedEvent } from '../../services/store/port.js';
import { PostgresEventStore } from '../../services/store/postgres/postgres-event-store.js';
import { eventStoreContract } from './event-store-contract.js';
import { freshLedgerUrl, postgresUrl, skipReason, withAdmin } from './postgres-fixture.js';

async function collect(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

async function freshStore(chain: Chain | undefined = sha256Chain): Promise<{ store: PostgresEventStore; url: string }> {
  const { url } = await freshLedgerUrl();
  return { store: new PostgresEventStore({ connectionString: url, chain, pollIntervalMs: 20 }), url };
}

/** A seeded generator, so that a failing case can be run again. */
function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  // Every kind of character a JSON encoder treats apart: controls, quote, backslash, slash, DEL,
  // U+2028/9, non-ASCII, astral pairs — and, in bodies only, NUL and lone surrogates (text columns refuse those in names).
  const pieces = ['a', 'Z', '0', ' ', '"', '\\', '/', '\u0001', '\u001f', '\b', '\f', '\n', '\r', '\t', '\u007f', '\u0080', '\u2028', '\u2029', 'é', '中', '𝄞', '😀', '\ufeff', '\ufffd'];
  const bodyOnly = ['\u0000', '\ud800', '\udfff'];
  const text = (length: number, body = false) => Array.from({ length }, () => {
    const from = body && next() < 0.1 ? bodyOnly : pieces;
    return from[int(from.length)]!;
  }).join('');
  return { next, int, text };
}

describe.skipIf(!postgresUrl)(`PostgreSQL adapter, against a real server${skipReason}`, () => {
  eventStoreContract('PostgreSQL (a real server)', async () => {
    const { store } = await freshStore();
    return { store, dispose: () => store.close() };
  });

  it('escapes strings as JSON.stringify does (to_json, which pdl_link uses for the stream and recordedAt)', async () => {
    const random = seeded(7);
    const samples = [
      ...Array.from({ length: 0x80 }, (_, code) => String.fromCharCode(code)).filter((c) => c !== '\u0000'),
      '\u0080', '\u00ff', '\u2028', '\u2029', '\ufeff', '\ufffd', '中文', '𝄞', '😀', 'a"b\\c/d',
      ...Array.from({ length: 300 }, () => random.text(1 + random.int(20))),
    ];
    const { rows } = await withAdmin((client) => client.query<{ json: string }>('SELECT to_json(s)::text AS json FROM unnest($1::text[]) WITH ORDINALITY AS u(s, i) ORDER BY i', [samples]));
    expect(rows.map((row) => row.json)).toEqual(samples.map((sample) => JSON.stringify(sample)));
  });

  it("links every event as the ledger's chain does: for random events, each hash the server stored is sha256Chain's", async () => {
    const { store } = await freshStore();
    const random = seeded(28);
    const streams = Array.from({ length: 12 }, (_, i) => `subject-${i}-${random.text(1 + random.int(6))}`);
    for (let call = 0; call < 40; call++) {
      const writes = Array.from({ length: 1 + random.int(3) }, () => ({
        stream: streams[random.int(streams.length)]!,
        events: Array.from({ length: 1 + random.int(8) }, () => {
          const id = randomUUID();
          // Keys in no canonical order, nested values, numbers of every JSON form: the stored text and the canonical one differ.
          return { id, type: 'Thing', body: { z: random.text(random.int(12), true), id, type: 'Thing', n: [random.next() * 1e6, -0, 1e21, 5e-7, random.int(1000)], é: { y: null, b: random.next() < 0.5 } } };
        }),
      }));
      await store.appendMany(writes);
    }
    const all = await collect(store.readAll());
    expect(all.length).toBeGreaterThan(80);
    let previous: string | null = null;
    for (const event of all) {
      expect(event.hash).toBe(sha256Chain.link(previous, event));
      previous = event.hash;
    }
    expect(await verifyChain(store)).toMatchObject({ ok: true, checked: all.length });
    await store.close();
  });

  it('refuses to write with a chain the server does not compute, before writing anything', async () => {
    const other: Chain = { link: (previous, event) => sha256Chain.link(previous, { ...event, revision: event.revision + 1 }) };
    const { store, url } = await freshStore(other);
    const id = randomUUID();
    await expect(store.append('subject-a', [{ id, type: 'Thing', body: { id, type: 'Thing' } }])).rejects.toMatchObject({ code: 'VALIDATION' });
    await store.close();
    const reader = new PostgresEventStore({ connectionString: url });
    expect(await reader.head()).toEqual({ position: 0, hash: null });
    await reader.close();
  });

  it('refuses names PostgreSQL text would alter (NUL, lone surrogates), writing nothing of the call', async () => {
    const { store } = await freshStore();
    const id = randomUUID();
    for (const stream of ['subject-\u0000', 'subject-\ud800']) {
      await expect(store.appendMany([
        { stream: 'subject-ok', events: [{ id: randomUUID(), type: 'Thing', body: {} }] },
        { stream, events: [{ id, type: 'Thing', body: {} }] },
      ])).rejects.toMatchObject({ code: 'VALIDATION' });
    }
    expect(await store.head()).toEqual({ position: 0, hash: null });
    await store.close();
  });

  it('takes recordedAt from the server clock, formatted as toISOString, and never earlier than the event before', async () => {
    const { store } = await freshStore();
    const before = Date.now();
    const first = randomUUID();
    await store.append('subject-a', [{ id: first, type: 'Thing', body: { id: first, type: 'Thing' } }]);
    const [recorded] = await store.readStream('subject-a');
    expect(recorded!.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(new Date(recorded!.recordedAt).toISOString()).toBe(recorded!.recordedAt);
    expect(Math.abs(Date.parse(recorded!.recordedAt) - before)).toBeLessThan(60_000);

    // An event taken over from a host whose clock ran ahead: what comes after it is not dated before it.
    const ahead = '2999-01-01T00:00:00.000Z';
    const id = randomUUID();
    const taken = { position: 2, stream: 'subject-b', revision: 0, id, type: 'Thing', recordedAt: ahead, body: { id, type: 'Thing' }, digest: 'd', hash: null as string | null };
    await store.importRecorded([{ ...taken, hash: sha256Chain.link(recorded!.hash, taken) }]);
    const next = randomUUID();
    await store.append('subject-a', [{ id: next, type: 'Thing', body: { id: next, type: 'Thing' } }]);
    expect((await store.readStream('subject-a'))[1]!.recordedAt).toBe(ahead);
    expect(await verifyChain(store)).toMatchObject({ ok: true, checked: 3 });
    await store.close();
  });

  it('takes over events verbatim only where they continue the head and its chain', async () => {
    const { store: source } = await freshStore();
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      await source.append(`subject-${i % 2}`, [{ id, type: 'Thing', body: { id, type: 'Thing', i } }]);
    }
    const events = await collect(source.readAll());
    const { store: target } = await freshStore();
    await expect(target.importRecorded(events.slice(1))).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(target.importRecorded([events[0]!, { ...events[1]!, hash: 'f'.repeat(64) }])).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(await target.head()).toEqual({ position: 0, hash: null });
    await target.importRecorded(events.slice(0, 2));
    await target.importRecorded(events.slice(2));
    expect(await target.head()).toEqual(await source.head());
    expect(await collect(target.readAll())).toEqual(events);
    await Promise.all([source.close(), target.close()]);
  });

  it('answers UNAVAILABLE (retry later) when the server cannot be reached, naming no credentials', async () => {
    const closed = new URL(postgresUrl);
    closed.port = '1';
    closed.password = 'secret-pw';
    const store = new PostgresEventStore({ connectionString: closed.toString() });
    for (const call of [() => store.head(), () => store.append('subject-a', [{ id: randomUUID(), type: 'Thing', body: {} }])]) {
      const failure = await call().then(() => null, (error: unknown) => error);
      expect(failure).toMatchObject({ code: 'UNAVAILABLE' });
      expect(String(failure)).not.toContain('secret-pw');
    }
    await store.close();
  });

  it('reads a database without a ledger as empty, creates nothing there, and refuses to verify it', async () => {
    const { url, schema } = await freshLedgerUrl();
    const reader = new PostgresEventStore({ connectionString: url });
    expect(await reader.head()).toEqual({ position: 0, hash: null });
    expect(await collect(reader.readAll())).toEqual([]);
    await expect(verifyChain(reader)).rejects.toMatchObject({ code: 'VALIDATION' });
    await reader.close();
    const tables = await withAdmin((client) => client.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]));
    expect(tables.rows).toEqual([]);
  });
});
