/**
 * Issue 25, finding 3: cost counted however page sizes are given, and what is in flight bounded
 * per key and for the process — over real HTTP against `pdl serve` on the demo ledger (README
 * "Security model", the limits table).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../services/composition/open-ledger.js';
import { anEvent } from '../fixtures/events.js';
import { randomWorkload } from '../fixtures/random-workload.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { runPdl, tempDir } from './run-pdl.js';

let server: PdlServer;
const keys: Record<string, string> = {};

const createKey = async (role: string) =>
  (await server.gql<{ createApiKey: { key: string } }>(`mutation { createApiKey(role: ${role}) { key } }`)).data!.createApiKey.key;

beforeAll(async () => {
  const db = join(tempDir('load-limits'), 'ledger.db');
  expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
  // Enough events for full pages of 500.
  const opened = await openLedger({ db, env: {} });
  const workload = randomWorkload(6_000, 3);
  for (let i = 0; i < workload.length; i += 3_000) await opened.ledger.record(workload.slice(i, i + 3_000));
  await opened.close();
  server = await startPdlServer({ db });
  for (const role of ['dpo', 'auditor']) keys[role] = await createKey(role);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

const PAGE = 'edges { cursor node { id position type occurredAt subjectId actor { kind id } data hash } } pageInfo { hasNextPage endCursor } proof';
/** The probe's request: ten aliased pages whose size comes in a variable. */
const TEN_PAGES = `query($n: Int) { ${Array.from({ length: 10 }, (_, i) => `p${i}: events(first: $n) { ${PAGE} }`).join(' ')} }`;

type Answer = { status: number; errors?: { message: string; extensions?: { code?: string; retryAfterSeconds?: number } }[]; data?: unknown };
const post = async (query: string, variables: Record<string, unknown>, key: string): Promise<Answer> => {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
};

/** Polls /health while `work` runs: the longest a single answer took, as a caller sees it. */
async function longestHealthWait(work: Promise<unknown>): Promise<number> {
  let running = true;
  void work.finally(() => (running = false));
  let longest = 0;
  while (running) {
    const started = performance.now();
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    longest = Math.max(longest, performance.now() - started);
  }
  await work;
  return longest;
}

describe('cost counts page sizes however they are given', () => {
  it('ten aliased pages of $n = 500 are refused with OPERATION_LIMIT, as are a variable default and the schema default beyond 500', async () => {
    const byVariable = await post(TEN_PAGES, { n: 500 }, keys.auditor!);
    expect(byVariable.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT');
    expect(byVariable.data ?? null).toBeNull();
    const byDefault = await post(TEN_PAGES.replace('$n: Int', '$n: Int = 500'), {}, keys.auditor!);
    expect(byDefault.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT');
    // No `first` at all: the schema's defaults, 50 a page of events and 100 of subject requests — 550 together.
    const byDefaults = await post(`{ ${Array.from({ length: 9 }, (_, i) => `p${i}: events { edges { node { id } } }`).join(' ')} subjectRequests { requestId } }`, {}, keys.auditor!);
    expect(byDefaults.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT');
    expect(byDefaults.errors?.[0]?.message).toMatch(/Page items limit of 500 exceeded, found 550/);
  });

  it('the documented maximal page — 500 events, every field, with its proof — is answered, by literal or variable', async () => {
    for (const [query, variables] of [[`{ events(first: 500) { ${PAGE} } }`, {}], [`query($n: Int) { events(first: $n) { ${PAGE} } }`, { n: 500 }]] as const) {
      const answer = await post(query, variables, keys.dpo!);
      expect(answer.errors).toBeUndefined();
      const page = (answer.data as { events: { edges: unknown[]; proof: unknown } }).events;
      expect(page.edges).toHaveLength(500);
      expect(page.proof).toBeTruthy();
    }
  });
});

describe('what one key has in flight is bounded', () => {
  it('the probe\'s six requests at once (ten pages of $n = 500 each): refused, /health never waits 500 ms', async () => {
    const attack = Promise.all(Array.from({ length: 6 }, () => post(TEN_PAGES, { n: 500 }, keys.auditor!)));
    const longest = await longestHealthWait(attack);
    for (const answer of await attack) expect(answer.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT');
    // Before: 5,000 events and ten proofs an answer, 8 MB; /health froze 2.9 s.
    expect(longest).toBeLessThan(500);
  });

  it('six maximal pages at once from one key (500 events with values and proof each): answered, or RATE_LIMITED with retryAfterSeconds beyond its 1,000 events in flight; /health never waits 500 ms', async () => {
    const pages = Promise.all(Array.from({ length: 6 }, () => post(`{ events(first: 500) { ${PAGE} } }`, {}, keys.dpo!)));
    const longest = await longestHealthWait(pages);
    const answers = await pages;
    const answered = answers.filter((a) => a.errors === undefined);
    const limited = answers.filter((a) => a.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    expect(answered.length).toBeGreaterThanOrEqual(2);
    expect(answered.length + limited.length).toBe(6);
    for (const answer of limited) expect(answer.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    expect(longest).toBeLessThan(500);
  });
});

describe('request bodies in flight are bounded for the whole process', () => {
  it('eight ~16 MB recordEvents at once from eight keys: two written, six refused (RATE_LIMITED, before their bodies are read), the server\'s peak RSS bounded', async () => {
    const producers = await Promise.all(Array.from({ length: 8 }, () => createKey('producer')));
    const bodies = producers.map((_, k) => JSON.stringify({
      query: 'mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }',
      variables: { e: Array.from({ length: 10_000 }, (__, i) => anEvent('IncidentOpened', { data: { incidentId: `load-${k}-${i}`, systems: ['web-log'], description: 'x'.repeat(1_300) } })) },
    }));
    for (const body of bodies) expect(body.length).toBeGreaterThan(15_000_000);
    const answers = await Promise.all(producers.map(async (key, k) => {
      const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: bodies[k] })
        .catch((error: unknown) => error);
      // The server answers a refused request before its body arrives; fetch may see the answer or a reset.
      if (!(response instanceof Response)) return { status: 0 } as Answer & { retryAfter?: string | null };
      return { status: response.status, retryAfter: response.headers.get('retry-after'), ...((await response.json()) as object) } as Answer & { retryAfter?: string | null };
    }));
    const written = answers.filter((a) => a.status === 200 && a.errors === undefined);
    const refused = answers.filter((a) => a.status !== 200);
    expect(written).toHaveLength(2);
    for (const answer of written) expect(answer.data).toEqual({ recordEvents: { appended: 10_000 } });
    expect(refused).toHaveLength(6);
    for (const answer of refused.filter((a) => a.status !== 0)) {
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe('1');
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
      expect(answer.errors?.[0]?.message).toMatch(/request bodies/);
    }
    const peakMb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))![1]) / 1024;
    // Before: three at once peaked at 566 MB, eight at 1.08 GB. Two at once (the bound): ~390 MB here.
    expect(peakMb).toBeLessThan(512);
    process.stdout.write(`peak RSS of the server with eight 16 MB writes sent at once: ${peakMb.toFixed(0)} MB\n`);
  }, 120_000);
});
