/**
 * Read-your-writes through the GraphQL API in process (README "Read your writes"): a write answers
 * with its position; a read sending it as `PDL-At-Least` sees the write, however far behind the read
 * models were when it came; a position never written is answered READ_MODELS_BEHIND within the bound.
 * The lag is made certain: the events are appended by a second writer on the same file that keeps no
 * read models, so the server's worker learns of them only when it next looks (every 2.5 s there).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../services/api/auth/api-keys.js';
import { apiServices } from '../../services/api/api-services.js';
import { createApi } from '../../services/api/yoga.js';
import { openLedger, type OpenedLedger } from '../../services/composition/open-ledger.js';
import { openProver } from '../../services/composition/open-prover.js';
import { registration } from '../fixtures/events.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';

const silent = { error: () => undefined, warn: () => undefined };
const SUBJECT = 'query($id: ID) { subjectAccess(subjectId: $id) { subjectId categories { category value } } }';
const BOUND_MS = 800;

interface Answer { status: number; data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

async function server(options: { lookEveryMs?: number; boundMs?: number } = {}) {
  const db = join(makeTempDir('read-your-writes'), 'ledger.db');
  // The server's ledger: read models deferred, its worker looking for other writers' appends every so often.
  const opened = await openLedger({ db, env: {}, sqlite: { pollIntervalMs: options.lookEveryMs ?? 1500 }, readWaitMs: options.boundMs ?? BOUND_MS });
  const apiKeys = ApiKeys.open(join(db, '..', 'ledger.api-keys.db'));
  closing.push(async () => {
    await apiKeys.close();
    await opened.close();
  });
  const dpo = (await apiKeys.create('dpo')).key;
  const yoga = createApi(apiServices(opened, apiKeys, { log: silent, prover: await openProver(opened, { embedded: true, env: {} }) }));
  const ask = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await yoga.fetch('http://pdl.test/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${dpo}`, ...headers }, body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as object) };
  };
  return { db, opened, ask };
}

/** Another writer on the same file, keeping no read models: what it appends waits for the server's worker. */
async function otherWriter(db: string): Promise<OpenedLedger> {
  const writer = await openLedger({ db, env: {}, readModels: 'none' });
  closing.push(() => writer.close());
  return writer;
}

describe('read-your-writes in process', () => {
  it('recordEvents answers with its position; a read asking for it sees the write', async () => {
    const { ask } = await server();
    const written = await ask('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended position outcomes { position } } }',
      { e: [registration('u-ryw', 'ryw@example.cn', '+8613800002001')] });
    const answer = written.data!.recordEvents as { appended: number; position: number; outcomes: { position: number }[] };
    expect(answer).toEqual({ appended: 1, position: 1, outcomes: [{ position: 1 }] });
    const read = await ask(SUBJECT, { id: 'u-ryw' }, { 'pdl-at-least': String(answer.position) });
    expect(read.errors).toBeUndefined();
    expect(read.data!.subjectAccess).toEqual({ subjectId: 'u-ryw', categories: [
      { category: 'contact.email', value: 'ryw@example.cn' }, { category: 'contact.phone', value: '+8613800002001' },
    ] });
  });

  it('a read asking for a position the read models have not applied waits for it; without asking it may see them behind', async () => {
    // The worker looks every 2.5 s: the read models certainly lag the other writer's append when first read.
    const { db, opened, ask } = await server({ lookEveryMs: 2500, boundMs: 5000 });
    const writer = await otherWriter(db);
    // The worker's first look (nothing there) done, it waits out its 2.5 s.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { position } = await writer.ledger.record([registration('u-later', 'later@example.cn', '+8613800002002')]);
    expect(position).toBe(1);
    expect(opened.readModelsClock.position()).toBe(0);
    // Not asked: answered from the read models as they stand, which do not hold it yet.
    expect((await ask(SUBJECT, { id: 'u-later' })).data).toEqual({ subjectAccess: null });
    expect(opened.readModelsClock.position()).toBe(0);
    // Asked: the same read waits for the worker's next look, and sees it.
    const started = Date.now();
    const read = await ask(SUBJECT, { id: 'u-later' }, { 'pdl-at-least': String(position) });
    expect(read.errors).toBeUndefined();
    expect(read.data!.subjectAccess).toMatchObject({ subjectId: 'u-later', categories: [{ category: 'contact.email', value: 'later@example.cn' }, expect.anything()] });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a position never written: READ_MODELS_BEHIND within the bound, saying how far; a header that is no position: VALIDATION', async () => {
    const { ask } = await server();
    const written = await ask('mutation($e: [JSON!]!) { recordEvents(events: $e) { position } }', { e: [registration('u-one', 'one@example.cn', '+8613800002003')] });
    const position = (written.data!.recordEvents as { position: number }).position;
    const started = Date.now();
    const behind = await ask(SUBJECT, { id: 'u-one' }, { 'pdl-at-least': String(position + 40) });
    const took = Date.now() - started;
    expect(behind.status).toBe(503);
    expect(behind.data ?? null).toBeNull();
    expect(behind.errors).toHaveLength(1);
    expect(behind.errors![0]!.extensions).toEqual({ code: 'READ_MODELS_BEHIND', atLeast: position + 40, position, behind: 40, head: position, waitedMs: expect.any(Number) });
    expect(behind.errors![0]!.message).toMatch(new RegExp(`position ${position + 40} was never written \\(the log ends at ${position}\\)`));
    expect(took).toBeGreaterThanOrEqual(BOUND_MS - 20);
    expect(took).toBeLessThan(BOUND_MS + 700);
    for (const bad of ['-1', 'twelve', '1e3', '99999999999999999999']) {
      const refused = await ask(SUBJECT, { id: 'u-one' }, { 'pdl-at-least': bad });
      expect([bad, refused.status, refused.errors?.[0]?.extensions?.code]).toEqual([bad, 400, 'VALIDATION']);
    }
  });

  it('every query honours it, ledgerHead included: its read models\' position is at least the one asked', async () => {
    const { ask } = await server();
    const first = await ask('mutation($e: [JSON!]!) { recordEvents(events: $e) { position } }', { e: [registration('u-two', 'two@example.cn', '+8613800002004')] });
    const position = (first.data!.recordEvents as { position: number }).position;
    const head = await ask('{ ledgerHead { position readModelsPosition } }', {}, { 'pdl-at-least': String(position) });
    expect(head.data).toEqual({ ledgerHead: { position, readModelsPosition: position } });
  });
});
