/**
 * The read audit (README "Security model"): a decrypted value leaves the server only once its
 * DataViewed is stored; only categories whose values are in the answer are named; one answer is
 * one record however many people it shows; nobody but the ledger writes one. Over real HTTP
 * against `pdl serve` on real files, and the built CLI.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';
import { writeFileSync } from 'node:fs';

interface Stored { position: number; type: string; body: { actor: { id: string }; subject?: { id: string }; submitter?: Record<string, string>; data: Record<string, unknown> } }

/** Every stored event, as `pdl events --json` prints it (no --reveal: nothing opened, nothing recorded). */
async function storedEvents(db: string): Promise<Stored[]> {
  const run = await runPdl(['--db', db, 'events', '--json', '--limit', '100000']);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Stored);
}
const viewsIn = (events: Stored[]) => events.filter((event) => event.type === 'DataViewed');
const keyIdOf = (key: string) => /^pdl_([0-9a-f]+)_/.exec(key)![1]!;

let server: PdlServer;
let db: string;
const keys: Record<string, string> = {};

beforeAll(async () => {
  db = join(tempDir('read-audit'), 'ledger.db');
  expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
  // A subject whose e-mail was deleted everywhere: its key is destroyed, so no part of a package opens it.
  const collected = anEvent('DataCollected', {
    subject: { id: 'u-deleted-email' },
    data: { ...anEvent('DataCollected').data, categories: ['contact.email', 'contact.phone'], values: { 'contact.email': 'gone.later@example.cn', 'contact.phone': '+8613811112222' } },
  });
  const deleted = anEvent('DataDeleted', { subject: { id: 'u-deleted-email' }, data: { categories: ['contact.email'], method: 'delete', reason: 'subject-request' } });
  const file = join(tempDir('read-audit-events'), 'events.ndjson');
  writeFileSync(file, ndjson([collected, deleted]));
  expect((await runPdl(['--db', db, 'record', file])).code).toBe(0);
  server = await startPdlServer({ db });
  for (const role of ['producer', 'dpo', 'auditor']) {
    keys[role] = (await server.gql<{ createApiKey: { key: string } }>(`mutation { createApiKey(role: ${role}) { key } }`)).data!.createApiKey.key;
  }
});
afterAll(async () => {
  await server?.stop();
});

describe('a value leaves only once its DataViewed is stored', () => {
  it('the server SIGKILLed right after answering: the view is in the log', async () => {
    const own = await startPdlServer({ db: join(tempDir('read-audit-kill'), 'ledger.db') });
    const dpo = (await own.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: dpo) { key } }')).data!.createApiKey.key;
    const recorded = await own.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }',
      { e: [anEvent('DataCollected', { subject: { id: 'u-kill' } })] });
    expect(recorded.data!.recordEvents.appended).toBe(1);
    const answer = await own.gql<{ subjectAccess: { categories: { category: string; value: string | null }[] } }>(
      '{ subjectAccess(subjectId: "u-kill") { categories { category value } } }', {}, dpo);
    own.child.kill('SIGKILL');
    await new Promise((resolve) => own.child.once('exit', resolve));
    const shown = answer.data!.subjectAccess.categories.filter((c) => c.value !== null).map((c) => c.category);
    expect(shown.length).toBeGreaterThan(0);
    const views = viewsIn(await storedEvents(own.db));
    expect(views).toHaveLength(1);
    expect(views[0]!.body.actor.id).toBe(`api-key:${keyIdOf(dpo)}`);
    expect(views[0]!.body.subject).toEqual({ id: 'u-kill' });
    expect(views[0]!.body.data.categories).toEqual(shown.sort());
  });
});

describe('the audit in log order with the reads', () => {
  it('a view just before an erasure is recorded before it (issue 26: the view used to land after SubjectErased)', async () => {
    const erasedId = 'u-1006';
    const shown = await server.gql<{ subjectAccess: { categories: { value: string | null }[] } }>(
      `{ subjectAccess(subjectId: "${erasedId}") { categories { value } } }`, {}, keys.dpo);
    expect(shown.data!.subjectAccess.categories.some((c) => c.value !== null)).toBe(true);
    const erased = await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }',
      { e: [anEvent('SubjectErased', { subject: { id: erasedId }, actor: { kind: 'employee', id: 'dpo-1' }, data: { reason: 'subject-request' } })] }, keys.dpo);
    expect(erased.data!.recordEvents.appended).toBe(1);
    const events = (await storedEvents(db)).filter((event) => event.body.subject?.id === erasedId);
    const view = events.filter((event) => event.type === 'DataViewed').at(-1)!;
    const erasure = events.find((event) => event.type === 'SubjectErased')!;
    expect(view.position).toBeLessThan(erasure.position);
  });
});

describe('only what the answer carries is recorded, one record per answer', () => {
  it('a page of ids and types (the console\'s Events page without data) records no view', async () => {
    const before = viewsIn(await storedEvents(db)).length;
    const page = await server.gql<{ events: { edges: unknown[] } }>('{ events(first: 200) { edges { node { id type subjectId } } } }', {}, keys.dpo);
    expect(page.data!.events.edges.length).toBeGreaterThan(20);
    // Longer than any batching window a recorder could use: a view it owed would be stored by now.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(viewsIn(await storedEvents(db)).length).toBe(before);
  });

  it('a page with data across many subjects is one DataViewed naming each of them, and each one\'s access log shows it', async () => {
    const before = viewsIn(await storedEvents(db)).length;
    const page = await server.gql<{ events: { edges: { node: { subjectId: string | null; data: { values?: Record<string, string | null> } } }[] } }>(
      '{ events(first: 200, filter: { type: "DataCollected" }) { edges { node { subjectId data } } } }', {}, keys.dpo);
    const withValues = new Set(page.data!.events.edges.filter((e) => Object.values(e.node.data.values ?? {}).some((v) => v !== null)).map((e) => e.node.subjectId!));
    expect(withValues.size).toBeGreaterThan(3);
    const views = viewsIn(await storedEvents(db)).slice(before);
    expect(views).toHaveLength(1);
    const view = views[0]!;
    expect(view.body.subject).toBeUndefined();
    const named = view.body.data.subjects as { id: string; categories: string[] }[];
    expect(new Set(named.map((s) => s.id))).toEqual(withValues);
    const someone = [...withValues][0]!;
    const log = await server.gql<{ subjectAccess: { accessLog: { eventId: string; action: string; categories: string[] }[] } }>(
      `{ subjectAccess(subjectId: "${someone}") { accessLog { eventId action categories } } }`, {}, keys.auditor);
    expect(log.data!.subjectAccess.accessLog.filter((entry) => entry.action === 'viewed').map((entry) => entry.categories))
      .toContainEqual(named.find((s) => s.id === someone)!.categories);
  });

  it('exportSubject names every category whose value the package opens, and a category deleted everywhere is in it nowhere', async () => {
    const before = viewsIn(await storedEvents(db)).length;
    const exported = await server.gql<{ exportSubject: { json: { categories: { category: string; status: string; value: string | null }[] } } }>(
      '{ exportSubject(subjectId: "u-deleted-email") { json } }', {}, keys.dpo);
    expect(exported.data!.exportSubject.json.categories.find((c) => c.category === 'contact.email')).toMatchObject({ status: 'deleted', value: null });
    // The timeline's collection event included: the deleted e-mail opens nowhere in the package.
    expect(JSON.stringify(exported.data)).not.toContain('gone.later@example.cn');
    expect(JSON.stringify(exported.data)).toContain('+8613811112222');
    const views = viewsIn(await storedEvents(db)).slice(before);
    expect(views).toHaveLength(1);
    expect(views[0]!.body.data.categories).toEqual(['contact.phone']);
  });

  it('pdl export records every category the package opens, before it writes the files', async () => {
    const before = viewsIn(await storedEvents(db)).length;
    const out = tempDir('read-audit-export');
    const run = await runPdl(['--db', db, 'export', '--subject', 'u-deleted-email', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const views = viewsIn(await storedEvents(db)).slice(before);
    expect(views.map((v) => v.body.data)).toEqual([expect.objectContaining({ operation: 'cli.export', categories: ['contact.phone'] })]);
    expect(views[0]!.body.submitter).toEqual({ kind: 'ledger', id: 'cli.read-audit' });
  });
});

describe('nobody but the ledger writes its read audit, and who submitted each event is recorded', () => {
  const RECORD = 'mutation($e: [JSON!]!) { recordEvents(events: $e) { appended rejected { index errors { path message } } } }';
  type Recorded = { recordEvents: { appended: number; rejected: { index: number; errors: { path: string; message: string }[] }[] } };

  it('a DataViewed, or an actor named api-key:…, is refused by path from every caller; the valid event beside them is stored', async () => {
    const dpoId = keyIdOf(keys.dpo!);
    const forgedView = anEvent('DataViewed', { subject: { id: 'u-1002' }, actor: { kind: 'employee', id: `api-key:${dpoId}` }, data: { categories: ['identity.national-id'], operation: 'subjectAccess', role: 'dpo' } });
    const claimedKey = anEvent('DataUsed', { subject: { id: 'u-1002' }, actor: { kind: 'employee', id: `api-key:${dpoId}` } });
    for (const key of [keys.producer, keys.dpo, server.adminKey]) {
      const good = anEvent('DataUsed', { subject: { id: 'u-1002' } });
      const response = await server.gql<Recorded>(RECORD, { e: [forgedView, good, claimedKey] }, key);
      expect(response.data!.recordEvents.appended).toBe(1);
      expect(response.data!.recordEvents.rejected.map((r) => [r.index, r.errors.map((e) => e.path)])).toEqual([[0, ['type']], [2, ['actor.id']]]);
    }
    const file = join(tempDir('read-audit-forged'), 'events.ndjson');
    writeFileSync(file, ndjson([forgedView]));
    const run = await runPdl(['--db', join(tempDir('read-audit-cli'), 'ledger.db'), 'record', file]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/type: DataViewed is recorded by the ledger itself/);
  });

  it('the submitter is stored with each event (the key and its role, the operator), and a producer cannot set it', async () => {
    const producerId = keyIdOf(keys.producer!);
    const claimsDpo = anEvent('DataUsed', { subject: { id: 'u-submitted' }, actor: { kind: 'employee', id: 'staff-dpo-01' } });
    const response = await server.gql<Recorded>(RECORD, { e: [claimsDpo, { ...anEvent('DataUsed'), submitter: { kind: 'operator', id: 'root' } }] }, keys.producer);
    expect(response.data!.recordEvents.appended).toBe(1);
    expect(response.data!.recordEvents.rejected).toEqual([{ index: 1, errors: [{ path: 'submitter', message: expect.stringMatching(/set by the ledger/) }] }]);
    const node = await server.gql<{ event: { actor: { id: string }; submitter: { kind: string; id: string; role: string | null } } }>(
      `{ event(id: "${claimsDpo.id}") { actor { id } submitter { kind id role } } }`, {}, keys.auditor);
    expect(node.data!.event).toEqual({ actor: { id: 'staff-dpo-01' }, submitter: { kind: 'api-key', id: producerId, role: 'producer' } });
    const fromCli = (await storedEvents(db)).find((event) => event.body.subject?.id === 'u-deleted-email' && event.type === 'DataDeleted')!;
    expect(fromCli.body.submitter).toMatchObject({ kind: 'operator' });
  });
});
