/**
 * What a hostile probe found, each kept closed over real HTTP against `pdl serve` on real files:
 * one test per finding (see README "Security model").
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';

let server: PdlServer;
const keys: Record<string, string> = {};
const PLANTED_EMAIL = 'planted.secret.7731@example.cn';
const PLANTED_PHONE = '+8613899990000';

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

beforeAll(async () => {
  const dir = tempDir('probe');
  const db = join(dir, 'ledger.db');
  expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
  server = await startPdlServer({ db });
  for (const role of ['producer', 'dpo', 'auditor']) {
    keys[role] = (await server.gql<{ createApiKey: { key: string } }>(`mutation { createApiKey(role: ${role}) { key } }`)).data!.createApiKey.key;
  }
  keys.admin = server.adminKey;
  const planted = anEvent('DataCollected', {
    subject: { id: 'u-planted', identifiers: [{ kind: 'email', value: PLANTED_EMAIL }] },
    data: { ...anEvent('DataCollected').data, categories: ['contact.email', 'contact.phone'], values: { 'contact.email': PLANTED_EMAIL, 'contact.phone': PLANTED_PHONE } },
  });
  const recorded = await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: [planted] }, keys.producer);
  expect(recorded.data!.recordEvents.appended).toBe(1);
});
afterAll(async () => {
  await server?.stop();
});

const RECORD = 'mutation($e: [JSON!]!) { recordEvents(events: $e) { appended duplicates rejected { index id errors { path message } } } }';
type Recorded = { recordEvents: { appended: number; duplicates: number; rejected: { index: number; id: string | null; errors: { path: string; message: string }[] }[] } };

describe('1. one malformed string never drops a batch', () => {
  it('a lone UTF-16 surrogate in one event of 100: 99 stored, that one refused by path', async () => {
    const events: unknown[] = Array.from({ length: 99 }, (_, i) => anEvent('DataUsed', { subject: { id: `surrogate-${i}` } }));
    const bad = anEvent('IncidentOpened', { data: { ...anEvent('IncidentOpened').data, incidentId: 'inc-surrogate', description: 'leak \ud800 here' } });
    events.splice(40, 0, bad);
    const response = await server.gql<Recorded>(RECORD, { e: events }, keys.producer);
    expect(response.errors).toBeUndefined();
    expect(response.data!.recordEvents.appended).toBe(99);
    expect(response.data!.recordEvents.rejected).toEqual([{ index: 40, id: bad.id, errors: [{ path: 'data.description', message: expect.stringMatching(/well-formed/) }] }]);
  });

  it('pdl record: the same line refused, the others stored, and no part of a malformed line echoed', async () => {
    const db = join(tempDir('probe-record'), 'ledger.db');
    const good = anEvent('DataUsed');
    const file = join(tempDir('probe-file'), 'events.ndjson');
    writeFileSync(file, `${ndjson([good, anEvent('DataUsed', { actor: { kind: 'system', id: 'svc \ud800' } })])}{"value": secret.person@example.cn}\n`);
    const run = await runPdl(['--db', db, 'record', file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/appended 1, duplicates 0, rejected 2/);
    expect(run.stdout).toMatch(/line 2 .*actor\.id/);
    expect(run.stdout).toMatch(/line 3: \(root\): not valid JSON( \(at character \d+\))?\n/);
    expect(run.stdout + run.stderr).not.toContain('secret.person');
  });
});

describe('2. an auditor cannot learn values by guessing', () => {
  it('identifier look-ups are FORBIDDEN to an auditor, allowed to a dpo', async () => {
    const query = '{ subjectAccess(identifier: { kind: "email", value: "planted.secret.7731@example.cn" }) { subjectId } }';
    const asAuditor = await server.gql(query, {}, keys.auditor);
    expect(asAuditor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(asAuditor.data?.subjectAccess ?? null).toBeNull();
    const asDpo = await server.gql<{ subjectAccess: { subjectId: string } }>(query, {}, keys.dpo);
    expect(asDpo.data!.subjectAccess.subjectId).toBe('u-planted');
  });

  it('look-ups are rate-limited per key: guessing stops with RATE_LIMITED', async () => {
    const dpo = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: dpo, label: "guesser") { key } }')).data!.createApiKey.key;
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 40; i += 1) {
      const response = await server.gql(`{ subjectAccess(identifier: { kind: "phone", value: "+86138000000${String(i).padStart(2, '0')}" }) { subjectId } }`, {}, dpo);
      codes.push(response.errors?.[0]?.extensions?.code);
    }
    expect(codes.slice(0, 30).every((code) => code === undefined)).toBe(true);
    expect(codes.slice(30)).toContain('RATE_LIMITED');
    // Verifications have a bucket of their own: a key out of look-ups may still verify the ledger.
    const verified = await server.gql<{ verify: { ok: boolean } }>('{ verify { ok } }', {}, dpo);
    expect(verified.errors).toBeUndefined();
    expect(verified.data!.verify.ok).toBe(true);
  });
});

describe('3. actor ids are identifiers, not personal data', () => {
  it('an e-mail or a control character in actor.id is refused by path; a "subject" actor must be the subject', async () => {
    const events = [
      anEvent('DataUsed', { actor: { kind: 'employee', id: 'ops.lead@corp.cn' } }),
      anEvent('DataUsed', { actor: { kind: 'employee', id: 'ops\u001b[2Jlead' } }),
      anEvent('DataUsed', { subject: { id: 'u-self' }, actor: { kind: 'subject', id: 'u-other' } }),
      anEvent('DataUsed', { subject: { id: 'u-self' }, actor: { kind: 'subject', id: 'u-self' } }),
    ];
    const response = await server.gql<Recorded>(RECORD, { e: events }, keys.producer);
    expect(response.data!.recordEvents.appended).toBe(1);
    expect(response.data!.recordEvents.rejected.map((r) => [r.index, r.errors.map((e) => e.path)])).toEqual([[0, ['actor.id']], [1, ['actor.id']], [2, ['actor.id']]]);
  });
});

describe('4. authentication before parsing, and bounded operations', () => {
  it('no key and a typo: 401 with nothing about the schema', async () => {
    const response = await post(JSON.stringify({ query: '{ subjectAcess(subjectId: "x") { subjectId } }' }));
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(text).toMatch(/UNAUTHENTICATED/);
    expect(text).not.toMatch(/Did you mean|subjectAccess|Cannot query/);
  });

  it('with a key, a typo gets no suggestion either', async () => {
    const response = await server.gql('{ subjectAcess(subjectId: "x") { subjectId } }', {}, keys.auditor);
    expect(JSON.stringify(response.errors)).not.toMatch(/Did you mean/);
  });

  it('1,000 aliases are refused in well under a second, with code OPERATION_LIMIT', async () => {
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: complianceReport { violations { rule } }`).join(' ')} }`;
    const started = Date.now();
    const response = await server.gql(query, {}, keys.auditor);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT');
  });

  it.each([
    ['Aliases limit', `{ ${Array.from({ length: 16 }, (_, i) => `h${i}: ledgerHead { position }`).join(' ')} }`],
    ['Root fields limit', `{ ledgerHead { position } ${Array.from({ length: 10 }, () => '__typename').join(' ')} }`],
    // 5,000 nested fragments once raised a RangeError; the token limit stops them at parse time.
    ['Token limit', `{ ...F0 } ${Array.from({ length: 5000 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} }`).join(' ')} fragment F5000 on Query { ledgerHead { position } }`],
  ])('%s: refused with OPERATION_LIMIT and said', async (limit, query) => {
    const response = await server.gql(query, {}, keys.auditor);
    expect(response.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT');
    expect(response.errors?.[0]?.message).toContain(limit);
  });

  it('the limits leave real work alone: a full subject-access query passes them', async () => {
    const response = await server.gql(`{ subjectAccess(subjectId: "u-1003") {
      subjectId erased purposes categories { category status purposes legalBases storage { system region } retainedUntil value }
      recipients { name kind region abroad categories } transfers { toRegion mechanism securityMeasures risks consentId }
      consents { consentId status purposes } requests { requestId status deadline } accessLog { action target categories actor { id } }
      timeline(first: 5) { edges { node { id type actor { kind id } data } } pageInfo { hasNextPage endCursor } } } }`, {}, keys.dpo);
    expect(response.errors).toBeUndefined();
    expect(response.data?.subjectAccess).toBeTruthy();
  });

  it('a request body over the limit is refused with 413 before it is read', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.producer}`, 'content-length': String(64 * 1024 * 1024) }, body: '{}',
    }).catch((error: unknown) => error);
    // The server answers before the (announced) body arrives; fetch may see the answer or a reset.
    if (response instanceof Response) expect(response.status).toBe(413);
  });
});

describe('5. who may erase or publish', () => {
  it("a producer's SubjectErased and PolicyPublished are refused by path, and the subject is intact", async () => {
    const erase = anEvent('SubjectErased', { subject: { id: 'u-planted' } });
    const policy = anEvent('PolicyPublished');
    const response = await server.gql<Recorded>(RECORD, { e: [erase, policy] }, keys.producer);
    expect(response.data!.recordEvents.appended).toBe(0);
    expect(response.data!.recordEvents.rejected.map((r) => r.errors[0]!.path)).toEqual(['type', 'type']);
    const access = await server.gql<{ subjectAccess: { erased: boolean; categories: { category: string; value: string | null }[] } }>(
      '{ subjectAccess(subjectId: "u-planted") { erased categories { category value } } }', {}, keys.dpo);
    expect(access.data!.subjectAccess.erased).toBe(false);
    expect(access.data!.subjectAccess.categories.find((c) => c.category === 'contact.email')?.value).toBe(PLANTED_EMAIL);
  });

  it('a dpo may record an erasure', async () => {
    const erase = anEvent('SubjectErased', { subject: { id: 'u-1004' }, actor: { kind: 'employee', id: 'dpo' } });
    const response = await server.gql<Recorded>(RECORD, { e: [erase] }, keys.dpo);
    expect(response.data!.recordEvents).toMatchObject({ appended: 1, rejected: [] });
  });
});

describe('6. no oracle in answers, one id in any case', () => {
  it('the same UUID in upper case is a duplicate; different content under a known id says nothing about the original', async () => {
    const event = anEvent('DataUsed', { subject: { id: 'u-case' } });
    expect((await server.gql<Recorded>(RECORD, { e: [event] }, keys.producer)).data!.recordEvents.appended).toBe(1);
    const upper = await server.gql<Recorded>(RECORD, { e: [{ ...event, id: event.id.toUpperCase() }] }, keys.producer);
    expect(upper.data!.recordEvents).toMatchObject({ appended: 0, duplicates: 1 });
    const changed = await server.gql<Recorded>(RECORD, { e: [{ ...event, data: { ...event.data, purpose: 'analytics' } }] }, keys.producer);
    const message = changed.data!.recordEvents.rejected[0]!.errors[0]!.message;
    expect(message).toMatch(/recorded before with different content/);
    expect(message).not.toMatch(/u-case|position|stream/);
  });

  it('a 1 MB field comes back in an error of at most 200 characters', async () => {
    const event = anEvent('DataUsed', { data: { ...anEvent('DataUsed').data, purpose: 'x'.repeat(1_000_000) } });
    const response = await server.gql<Recorded>(RECORD, { e: [event] }, keys.producer);
    const errors = response.data!.recordEvents.rejected[0]!.errors;
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.message.length).toBeLessThanOrEqual(200);
  });

  it('a phone value that is an e-mail, and __proto__ as a key, are refused by path', async () => {
    const base = anEvent('DataCollected');
    const phone = { ...base, id: randomUUID(), data: { ...base.data, categories: ['contact.phone'], values: { 'contact.phone': 'someone@example.cn' } } };
    const proto = JSON.parse(`{"id":"${randomUUID()}","type":"DataUsed","occurredAt":"2026-11-28T10:00:00Z","subject":{"id":"u-proto"},"actor":{"kind":"system","id":"svc"},` +
      '"data":{"categories":["contact.phone"],"purpose":"service-security","legalBasis":"legitimate-interest","system":"risk-engine","__proto__":{"x":1}}}');
    const response = await server.gql<Recorded>(RECORD, { e: [phone, proto] }, keys.producer);
    expect(response.data!.recordEvents.rejected.map((r) => r.errors.map((e) => e.path))).toEqual([['data.values["contact.phone"]'], ['data.__proto__']]);
  });
});

describe('7. reads are audited, logs hold no secret, files are private, no CORS', () => {
  it('a dpo shown values leaves a DataViewed event (key id and role, the categories) in the subject\'s access log', async () => {
    const dpoId = /^pdl_([0-9a-f]+)_/.exec(keys.dpo!)![1]!;
    await server.gql('{ subjectAccess(subjectId: "u-1002") { categories { category value } } }', {}, keys.dpo);
    await server.gql('{ subjectAccess(subjectId: "u-1002") { categories { category value } } }', {}, keys.auditor);
    let viewed: { node: { actor: { id: string }; data: { categories: string[]; role: string; operation: string } } }[] = [];
    for (let i = 0; i < 50 && viewed.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const response = await server.gql<{ events: { edges: typeof viewed } }>(
        '{ events(filter: { subjectId: "u-1002", type: "DataViewed" }) { edges { node { actor { id } data } } } }', {}, keys.auditor);
      viewed = response.data!.events.edges;
    }
    expect(viewed).toHaveLength(1);
    expect(viewed[0]!.node.actor.id).toBe(`api-key:${dpoId}`);
    expect(viewed[0]!.node.data).toMatchObject({ role: 'dpo', operation: 'subjectAccess' });
    expect(viewed[0]!.node.data.categories).toContain('contact.phone');
    const log = await server.gql<{ subjectAccess: { accessLog: { action: string; actor: { id: string } }[] } }>(
      '{ subjectAccess(subjectId: "u-1002") { accessLog { action actor { id } } } }', {}, keys.auditor);
    expect(log.data!.subjectAccess.accessLog).toContainEqual({ action: 'viewed', actor: { id: `api-key:${dpoId}` } });
  });

  it('the log is JSON lines with key ids, and holds no planted value, no key and no query string', async () => {
    const query = encodeURIComponent(`{ subjectAccess(identifier: { kind: "email", value: "${PLANTED_EMAIL}" }) { subjectId } }`);
    await fetch(`${server.url}/graphql?query=${query}`, { headers: { authorization: 'Bearer wrong' } });
    await fetch(`${server.url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${keys.dpo}` } });
    await server.gql('{ subjectAccess(subjectId: "nobody") { subjectId } }', {}, keys.producer); // FORBIDDEN: a client error
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = server.stdout().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const text = server.stdout();
    for (const secret of [PLANTED_EMAIL, encodeURIComponent(PLANTED_EMAIL), PLANTED_PHONE, keys.dpo!, keys.producer!, server.adminKey]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/"stack"|\u001b\[/);
    const requests = lines.map((line) => JSON.parse(line) as { msg: string; keyId?: string | null; path?: string }).filter((entry) => entry.msg === 'request');
    expect(requests.some((entry) => typeof entry.keyId === 'string' && keys.dpo!.includes(entry.keyId))).toBe(true);
    expect(requests.every((entry) => !entry.path?.includes('?'))).toBe(true);
  });

  it('every file of the ledger is 0600 and its folder 0700; wider modes are tightened at open', async () => {
    const dir = tempDir('probe-modes');
    const db = join(dir, 'ledger.db');
    chmodSync(dir, 0o755);
    expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
    chmodSync(db, 0o644);
    chmodSync(dir, 0o755);
    const other = await startPdlServer({ db, adminKey: null });
    await other.stop();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['ledger.db', 'ledger.keys.db', 'ledger.api-keys.db', 'ledger.master.key', 'ledger.admin.key']));
    for (const file of files) expect([file, statSync(join(dir, file)).mode & 0o777]).toEqual([file, 0o600]);
  });

  it('no CORS for a foreign origin; only the one given with --cors', async () => {
    const preflight = (url: string, origin: string) => fetch(`${url}/graphql`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    const foreign = await preflight(server.url, 'https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const answered = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json', authorization: `Bearer ${keys.auditor}` }, body: '{"query":"{ ledgerHead { position } }"}' });
    expect(answered.headers.get('access-control-allow-origin')).toBeNull();
    const withCors = await startPdlServer({ args: ['--cors', 'https://privacy.example.com'] });
    try {
      expect((await preflight(withCors.url, 'https://privacy.example.com')).headers.get('access-control-allow-origin')).toBe('https://privacy.example.com');
      expect((await preflight(withCors.url, 'https://evil.example')).headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    } finally {
      await withCors.stop();
    }
  });

  it('API keys are listed without secrets and revoked at once (GraphQL and pdl keys)', async () => {
    const created = (await server.gql<{ createApiKey: { id: string; key: string } }>('mutation { createApiKey(role: auditor, label: "temp") { id key } }')).data!.createApiKey;
    const listed = await server.gql<{ apiKeys: { id: string; role: string; label: string }[] }>('{ apiKeys { id role label createdAt } }');
    expect(listed.data!.apiKeys).toContainEqual(expect.objectContaining({ id: created.id, role: 'auditor', label: 'temp' }));
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect((await server.gql('{ ledgerHead { position } }', {}, created.key)).status).toBe(200);
    expect((await server.gql<{ revokeApiKey: boolean }>(`mutation { revokeApiKey(id: "${created.id}") }`)).data!.revokeApiKey).toBe(true);
    expect((await server.gql('{ ledgerHead { position } }', {}, created.key)).status).toBe(401);
    const cli = await runPdl(['--db', server.db, 'keys', 'list']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/ dpo /);
    expect(cli.stdout).not.toContain(created.id);
    const dpoId = /^pdl_([0-9a-f]+)_/.exec(keys.auditor!)![1]!;
    expect((await runPdl(['--db', server.db, 'keys', 'revoke', dpoId])).code).toBe(0);
    expect((await server.gql('{ ledgerHead { position } }', {}, keys.auditor)).status).toBe(401);
  });
});
