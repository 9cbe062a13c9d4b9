/** The GraphQL API over real HTTP, against `pdl serve` on the demo scenario. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registration, anEvent } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { runPdl } from './run-pdl.js';
import { DEMO_PEOPLE, demoEventId } from '../../services/demo/scenario.js';

let server: PdlServer;
let dpoKey: string;
let auditorKey: string;

const SUBJECT_ACCESS = `query($id: ID, $identifier: IdentifierInput) {
  subjectAccess(subjectId: $id, identifier: $identifier) {
    subjectId erased purposes
    categories { category status purposes legalBases sources methods storage { system kind region } usedBy
                 firstCollectedAt lastUsedAt retention retainedUntil deletedAt value }
    recipients { id name kind region abroad categories legalRequestIds firstShared lastShared }
    transfers { toRegion fromRegion mechanism securityMeasures risks consentId recipient { id } }
    consents { consentId status purposes policyVersion disclosures { purpose recipient securityMeasures risks } }
    requests { requestId kind status deadline }
    accessLog { action target purpose categories actor { id } }
  }
}`;

beforeAll(async () => {
  const db = `${(await import('./run-pdl.js')).tempDir('api')}/ledger.db`;
  expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
  server = await startPdlServer({ db });
  const key = async (role: string) => {
    const created = await server.gql<{ createApiKey: { key: string } }>(`mutation { createApiKey(role: ${role}) { key } }`);
    return created.data!.createApiKey.key;
  };
  dpoKey = await key('dpo');
  auditorKey = await key('auditor');
});
afterAll(async () => {
  expect(await server.stop()).toBe(0);
});

type Report = { subjectAccess: Record<string, unknown> & { categories: Record<string, unknown>[] } | null };

describe('subjectAccess', () => {
  it('answers for a subject by id with exactly what was recorded', async () => {
    const { data, errors } = await server.gql<Report>(SUBJECT_ACCESS, { id: 'u-1003' }, dpoKey);
    expect(errors).toBeUndefined();
    const report = data!.subjectAccess!;
    expect(report).toMatchObject({ subjectId: 'u-1003', erased: false });
    expect(report.purposes).toEqual(['account-registration', 'personalization', 'service-provision', 'service-security']);
    const byCategory = Object.fromEntries(report.categories.map((c) => [c.category, c]));
    expect(Object.keys(byCategory).sort()).toEqual([
      'behavior.browsing', 'behavior.click', 'contact.email', 'contact.phone', 'device.cookie-id', 'device.info', 'network.ip-address',
    ]);
    expect(byCategory['contact.email']).toEqual({
      category: 'contact.email', status: 'held', purposes: ['account-registration', 'service-provision'], legalBases: ['contract'],
      sources: ['subject'], methods: ['registration'], storage: [{ system: 'user-db', kind: 'database', region: 'CN' }], usedBy: [],
      firstCollectedAt: '2026-02-03T09:00:00.000Z', lastUsedAt: null, retention: 'P3Y', retainedUntil: '2029-02-03T09:00:00.000Z',
      deletedAt: null, value: 'zhang.min@example.cn',
    });
    expect(byCategory['contact.phone']).toMatchObject({ value: '+8613800001003', usedBy: ['risk-engine'], lastUsedAt: '2026-03-03T12:00:00.000Z' });
    expect(byCategory['network.ip-address']).toMatchObject({
      status: 'deleted', deletedAt: '2026-08-01T00:00:00.000Z', storage: [], legalBases: ['consent', 'legitimate-interest'], value: null,
      purposes: ['personalization', 'service-security'],
      retainedUntil: '2026-08-03T09:05:00.000Z',
    });
    expect(report.recipients).toEqual([
      { id: 'crm-us', name: 'CRM Inc', kind: 'processor', region: 'US', abroad: true, categories: ['contact.email'], legalRequestIds: [],
        firstShared: '2026-04-11T09:00:00.000Z', lastShared: '2026-04-11T09:00:00.000Z' },
      { id: 'psb-sh', name: 'Shanghai Public Security Bureau', kind: 'authority', region: 'CN', abroad: false, categories: ['contact.phone'],
        legalRequestIds: [], firstShared: '2026-04-05T10:00:00.000Z', lastShared: '2026-04-05T10:00:00.000Z' },
    ]);
    expect(report.transfers).toEqual([{
      toRegion: 'US', fromRegion: 'CN', mechanism: 'standard-contract', consentId: 'c-xborder-u-1003', recipient: { id: 'crm-us' },
      securityMeasures: ['encryption in transit and at rest', 'access logging'], risks: ['access by foreign authorities', 'weaker remedies abroad'],
    }]);
    expect(report.consents).toEqual([
      { consentId: 'c-cookies-u-1003', status: 'active', purposes: ['personalization'], policyVersion: '1', disclosures: null },
      { consentId: 'c-xborder-u-1003', status: 'active', purposes: ['service-provision'], policyVersion: '1',
        disclosures: { purpose: 'CRM hosting for customer support', recipient: 'CRM Inc (US)', securityMeasures: ['encryption in transit and at rest', 'access logging'], risks: ['access by foreign authorities', 'weaker remedies abroad'] } },
    ]);
    expect(report.requests).toEqual([{ requestId: 'r-1003-access', kind: 'access', status: 'overdue', deadline: '2026-07-20T09:00:00.000Z' }]);
    // Views (DataViewed, recorded when a dpo was shown values) have their own test: security-probe.test.ts.
    expect((report.accessLog as { action: string }[]).filter((entry) => entry.action !== 'viewed')).toEqual([
      { action: 'used', target: 'risk-engine', purpose: 'service-security', categories: ['contact.phone', 'network.ip-address'], actor: { id: 'risk-engine' } },
      { action: 'shared', target: 'psb-sh', purpose: 'legal-compliance', categories: ['contact.phone'], actor: { id: 'support-agent-7' } },
      { action: 'transferred-abroad', target: 'crm-us', purpose: 'service-provision', categories: ['contact.email'], actor: { id: 'crm-sync' } },
    ]);
  });

  it('finds a subject by e-mail however it is written, and answers null for an unknown one', async () => {
    const byEmail = await server.gql<Report>(SUBJECT_ACCESS, { identifier: { kind: 'email', value: ' Zhang.Min@Example.CN ' } }, dpoKey);
    expect(byEmail.data!.subjectAccess!.subjectId).toBe('u-1003');
    const byPhone = await server.gql<Report>(SUBJECT_ACCESS, { identifier: { kind: 'phone', value: '138 0000 1003' } }, dpoKey);
    expect(byPhone.data!.subjectAccess!.subjectId).toBe('u-1003');
    expect((await server.gql<Report>(SUBJECT_ACCESS, { identifier: { kind: 'email', value: 'nobody@example.cn' } }, dpoKey)).data!.subjectAccess).toBeNull();
    expect((await server.gql<Report>(SUBJECT_ACCESS, { id: 'u-none' }, dpoKey)).data!.subjectAccess).toBeNull();
  });

  it('shows an erased subject with its history and no value, and the old e-mail finds nothing', async () => {
    const report = (await server.gql<Report>(SUBJECT_ACCESS, { id: 'u-1005' }, dpoKey)).data!.subjectAccess!;
    expect(report.erased).toBe(true);
    expect(report.categories.length).toBeGreaterThan(0);
    expect(report.categories.every((c) => c.status === 'erased' && c.value === null)).toBe(true);
    expect(report.categories.find((c) => c.category === 'contact.email')).toMatchObject({ purposes: ['account-registration', 'service-provision'] });
    expect((await server.gql<Report>(SUBJECT_ACCESS, { identifier: { kind: 'email', value: 'liu.yang@example.cn' } }, dpoKey)).data!.subjectAccess).toBeNull();
  });

  it('never gives an auditor a decrypted value', async () => {
    const report = (await server.gql<Report>(SUBJECT_ACCESS, { id: 'u-1003' }, auditorKey)).data!.subjectAccess!;
    expect(report.categories.map((c) => c.value)).toEqual(report.categories.map(() => null));
    const timeline = await server.gql<{ events: { edges: { node: { data: { values?: Record<string, unknown> } } }[] } }>(
      '{ events(filter: { subjectId: "u-1003", type: "DataCollected" }) { edges { node { data } } } }', {}, auditorKey);
    const values = timeline.data!.events.edges.map((e) => e.node.data.values);
    expect(JSON.stringify(values)).not.toContain('zhang.min');
    expect(values[0]).toEqual({ 'contact.email': null, 'contact.phone': null });
  });
});

describe('timeline pagination', () => {
  it('walks a subject timeline page by page without gaps or repeats', async () => {
    const events = [registration('u-pages', 'pages@example.cn', '+8613800009999'),
      ...Array.from({ length: 22 }, (_, i) => anEvent('DataUsed', { subject: { id: 'u-pages' }, occurredAt: `2026-09-01T10:${String(i).padStart(2, '0')}:00Z` }))];
    const recorded = await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: events });
    expect(recorded.data!.recordEvents.appended).toBe(23);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: { data?: { subjectAccess: { timeline: { totalCount: number; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } } } =
        await server.gql(`query($after: String) { subjectAccess(subjectId: "u-pages") { timeline(first: 5, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } }`, { after }, dpoKey);
      const timeline = page.data!.subjectAccess.timeline;
      expect(timeline.totalCount).toBe(23);
      seen.push(...timeline.edges.map((e) => e.node.id));
      pages += 1;
      if (!timeline.pageInfo.hasNextPage) break;
      after = timeline.pageInfo.endCursor;
    }
    expect(pages).toBe(5);
    expect(seen).toEqual(events.map((e) => e.id));
  });

  it('refuses a forged cursor with a clear error', async () => {
    const response = await server.gql('{ events(after: "bm90LWEtY3Vyc29y") { totalCount } }', {}, dpoKey);
    expect(response.errors![0]).toMatchObject({ extensions: { code: 'VALIDATION' } });
    expect(response.errors![0]!.message).toContain('invalid cursor');
  });
});

describe('recordEvents', () => {
  it('answers each event: appended, duplicate, or rejected with every error by path', async () => {
    const good = anEvent('DataUsed', { subject: { id: 'u-1001' } });
    const result = await server.gql<{ recordEvents: { appended: number; duplicates: number; rejected: { index: number; errors: { path: string }[] }[]; outcomes: { status: string }[] } }>(
      'mutation($e: [JSON!]!) { recordEvents(events: $e) { appended duplicates rejected { index errors { path message } } outcomes { status } } }',
      { e: [good, good, { ...good, id: undefined, data: { ...good.data, categories: ['contact.fax'] } }] });
    expect(result.data!.recordEvents).toMatchObject({ appended: 1, duplicates: 1 });
    expect(result.data!.recordEvents.outcomes.map((o) => o.status)).toEqual(['appended', 'duplicate', 'rejected']);
    expect(result.data!.recordEvents.rejected[0]!.errors.map((e) => e.path)).toEqual(['id', 'data.categories[0]']);
  });
});

describe('health', () => {
  it('reports the store reachable and the read models caught up (to a key; without one, only the status)', async () => {
    // Read models are kept after each append: once a read has seen the head, /health must say they hold it.
    const { store } = await (await fetch(`${server.url}/health`, { headers: { authorization: `Bearer ${server.adminKey}` } })).json() as { store: { position: number } };
    expect((await server.gql('{ __typename }', {}, server.adminKey, { 'PDL-At-Least': String(store.position) })).errors).toBeUndefined();
    const response = await fetch(`${server.url}/health`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    const body = await response.json() as { status: string; store: { position: number }; readModels: { behind: number } };
    expect(response.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.store.position).toBeGreaterThan(50);
    expect(body.readModels.behind).toBe(0);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('proofs of what a report cites', () => {
  it('complianceReport and incidentImpact carry an inclusion bundle of every event they cite, which verifies against the checkpoint key', async () => {
    const { verifyInclusionBundle } = await import('../../services/proofs/verifier/verify-proof.js');
    const answer = await server.gql<{
      checkpoint: { verifierKey: string };
      complianceReport: { violations: { eventIds: string[] }[]; proof: Parameters<typeof verifyInclusionBundle>[0] };
      incidentImpact: { subjects: { evidence: string[] }[]; proof: Parameters<typeof verifyInclusionBundle>[0] };
    }>('{ checkpoint { verifierKey } complianceReport { violations { eventIds } proof } incidentImpact(incidentId: "inc-2026-04") { subjects { evidence } proof } }',
      undefined, auditorKey);
    expect(answer.errors).toBeUndefined();
    const { checkpoint, complianceReport, incidentImpact } = answer.data!;
    for (const [proof, cited] of [
      [complianceReport.proof, complianceReport.violations.flatMap((v) => v.eventIds)],
      [incidentImpact.proof, incidentImpact.subjects.flatMap((s) => s.evidence)],
    ] as const) {
      expect(cited.length).toBeGreaterThan(0);
      const report = await verifyInclusionBundle(proof, { verifierKey: checkpoint.verifierKey });
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(new Set(report.entries.map((e) => e.eventId))).toEqual(new Set(cited));
    }
  });
});

describe('rectification (GDPR Art. 16; PIPL Art. 46)', () => {
  it('a DataRectified answers the request, the answer shows the corrected value (as given) and when, and the new e-mail, written any way, finds the subject', async () => {
    const request = anEvent('SubjectRequestReceived', { subject: { id: 'u-1006' }, occurredAt: '2026-10-01T09:00:00Z', data: { requestId: 'r-rect-1006', kind: 'rectification' } });
    const rectified = anEvent('DataRectified', { subject: { id: 'u-1006' }, occurredAt: '2026-10-02T09:00:00Z', data: {
      categories: ['contact.email'], values: { 'contact.email': 'Zhao.Lei.New@Example.cn' }, requestId: 'r-rect-1006' } });
    const recorded = await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: [request, rectified] });
    expect(recorded.data?.recordEvents.appended).toBe(2);
    const answer = await server.gql<{ subjectAccess: { subjectId: string; categories: { category: string; value: string | null; rectifiedAt: string | null }[]; requests: { requestId: string; status: string }[] } }>(
      '{ subjectAccess(identifier: { kind: "email", value: "zhao.lei.new@example.cn" }) { subjectId categories { category value rectifiedAt } requests { requestId status } } }',
      undefined, dpoKey);
    expect(answer.errors).toBeUndefined();
    const { subjectId, categories, requests } = answer.data!.subjectAccess;
    expect(subjectId).toBe('u-1006');
    expect(categories.find((c) => c.category === 'contact.email')).toEqual({ category: 'contact.email', value: 'Zhao.Lei.New@Example.cn', rectifiedAt: '2026-10-02T09:00:00.000Z' });
    expect(categories.find((c) => c.category === 'contact.phone')?.rectifiedAt).toBeNull();
    expect(requests.find((r) => r.requestId === 'r-rect-1006')?.status).toBe('completed');
  });

  it('refuses a rectification that lists a category without its corrected value, by path', async () => {
    const bad = anEvent('DataRectified', { subject: { id: 'u-1006' }, data: { categories: ['contact.email', 'contact.phone'], values: { 'contact.email': 'x@example.cn' }, requestId: undefined } });
    const result = await server.gql<{ recordEvents: { rejected: { errors: { path: string; message: string }[] }[] } }>(
      'mutation($e: [JSON!]!) { recordEvents(events: $e) { rejected { errors { path message } } } }', { e: [bad] });
    expect(result.data!.recordEvents.rejected[0]!.errors).toEqual([{ path: 'data.values["contact.phone"]', message: 'a rectification gives the corrected value of every category it lists' }]);
  });
});

describe('automated decisions (GDPR Art. 15(1)(h), 22)', () => {
  it('a DataUsed marked automatedDecision is listed among the subject\'s automated decisions; an ordinary use is not', async () => {
    const decision = anEvent('DataUsed', { subject: { id: 'u-1004' }, occurredAt: '2026-10-05T09:00:00Z', data: {
      categories: ['behavior.click'], purpose: 'service-security', legalBasis: 'legitimate-interest', system: 'fraud-scoring', automatedDecision: true } });
    await server.gql('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: [decision] });
    const answer = await server.gql<{ subjectAccess: { automatedDecisions: { eventId: string; action: string; target: string }[]; accessLog: { action: string }[] } }>(
      '{ subjectAccess(subjectId: "u-1004") { automatedDecisions { eventId action target } accessLog { action } } }', undefined, auditorKey);
    expect(answer.data!.subjectAccess.automatedDecisions).toEqual([{ eventId: decision.id, action: 'decided', target: 'fraud-scoring' }]);
    expect(answer.data!.subjectAccess.accessLog.filter((entry) => entry.action === 'used').length).toBeGreaterThan(0);
  });
});

describe('the workflow queries a DPO starts from', () => {
  it('subjects: by id prefix page by page, and by e-mail written any way (dpo), never by e-mail for an auditor', async () => {
    type Page = { subjects: { edges: { node: { subjectId: string; erased: boolean } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
    const first = await server.gql<Page>('{ subjects(search: "u-100", first: 4) { edges { node { subjectId erased } } pageInfo { hasNextPage endCursor } } }', undefined, auditorKey);
    expect(first.data!.subjects.edges.map((e) => e.node.subjectId)).toEqual(['u-1001', 'u-1002', 'u-1003', 'u-1004']);
    expect(first.data!.subjects.pageInfo.hasNextPage).toBe(true);
    const second = await server.gql<Page>('query($after: String) { subjects(search: "u-100", first: 4, after: $after) { edges { node { subjectId erased } } pageInfo { hasNextPage } } }',
      { after: first.data!.subjects.pageInfo.endCursor }, auditorKey);
    expect(second.data!.subjects.edges.map((e) => [e.node.subjectId, e.node.erased])).toEqual([['u-1005', true], ['u-1006', false]]);
    expect(second.data!.subjects.pageInfo.hasNextPage).toBe(false);
    const byEmail = await server.gql<Page>('{ subjects(search: "LI.WEI@example.CN") { edges { node { subjectId } } } }', undefined, dpoKey);
    expect(byEmail.data!.subjects.edges.map((e) => e.node.subjectId)).toEqual(['u-1001']);
    const asAuditor = await server.gql('{ subjects(search: "li.wei@example.cn") { edges { node { subjectId } } } }', undefined, auditorKey);
    expect(asAuditor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('incidents, legal requests and subject requests are listed; an event is found by id', async () => {
    const answer = await server.gql<{
      incidents: { incidentId: string; subjectCount: number; reports: { audience: string }[] }[];
      legalRequests: { requestId: string; disclosures: { subjectId: string }[] }[];
      overdue: { requestId: string; status: string; daysLeft: number }[];
      event: { id: string; type: string; position: number } | null;
      missing: unknown;
    }>(`{ incidents { incidentId subjectCount reports { audience } } legalRequests { requestId disclosures { subjectId } }
          overdue: subjectRequests(status: "overdue") { requestId status daysLeft }
          event(id: "${demoEventId('u-1003 phone given to police without request')}") { id type position }
          missing: event(id: "00000000-0000-4000-8000-000000000000") { id } }`, undefined, auditorKey);
    expect(answer.errors).toBeUndefined();
    const data = answer.data!;
    expect(data.incidents).toEqual([{ incidentId: 'inc-2026-04', subjectCount: 6, reports: [{ audience: 'subjects' }, { audience: 'authority' }] }]);
    expect(data.legalRequests).toEqual([{ requestId: 'lr-2026-17', disclosures: [{ subjectId: 'u-1002' }] }]);
    expect(data.overdue.map((r) => [r.requestId, r.status])).toEqual([['r-1003-access', 'overdue']]);
    expect(data.event).toMatchObject({ id: demoEventId('u-1003 phone given to police without request'), type: 'DataShared' });
    expect(data.missing).toBeNull();
  });

  it('verify: the chain and the signed checkpoints hold, checked on the server', async () => {
    await server.gql('{ checkpoint { size } }');
    const answer = await server.gql<{ verify: { ok: boolean; checked: number; headPosition: number; checkpoints: number; firstBreak: unknown } }>(
      '{ verify { ok checked headPosition checkpoints firstBreak { position } } }', undefined, auditorKey);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.verify).toMatchObject({ ok: true, firstBreak: null });
    expect(answer.data!.verify.checked).toBe(answer.data!.verify.headPosition);
    expect(answer.data!.verify.checkpoints).toBeGreaterThanOrEqual(1);
    const bad = await server.gql('{ verify(anchor: "1:zz") { ok } }', undefined, auditorKey);
    expect(bad.errors?.[0]?.extensions?.code).toBe('VALIDATION');
  });

  it('exportSubject: every Art. 15(1) item for each demo subject, values for a dpo, a proof that verifies; refused to an auditor', async () => {
    const { verifyInclusionBundle } = await import('../../services/proofs/verifier/verify-proof.js');
    // The key the operator publishes, read on the ledger's side rather than from the answer checked.
    const publishedKey = (await runPdl(['--db', server.db, 'checkpoint', '--verifier-key'])).stdout.trim();
    expect(publishedKey).toMatch(/\+[0-9a-f]{8}\+/);
    for (const person of DEMO_PEOPLE) {
      const answer = await server.gql<{ exportSubject: { json: Record<string, unknown> & {
        purposes: unknown[]; categories: { category: string; value: string | null; sources: string[]; retention: string | null }[]; recipients: unknown[];
        rights: string[]; automatedDecisions: unknown[]; timeline: { eventId: string }[]; proof: Parameters<typeof verifyInclusionBundle>[0] | null;
      }; html: string } }>(`{ exportSubject(subjectId: "${person.id}") { json html } }`, undefined, dpoKey);
      expect(answer.errors).toBeUndefined();
      const pkg = answer.data!.exportSubject.json;
      for (const item of ['purposes', 'categories', 'recipients', 'transfersAbroad', 'rights', 'automatedDecisions', 'consents', 'requests', 'timeline', 'proof']) {
        expect(pkg, `${person.id}: ${item}`).toHaveProperty(item);
      }
      expect(pkg.purposes.length, person.id).toBeGreaterThan(0);
      expect(pkg.categories.every((c) => c.sources.length > 0), `${person.id}: source of each category`).toBe(true);
      expect(pkg.rights.join(' ')).toContain('GDPR Art. 22');
      const email = pkg.categories.find((c) => c.category === 'contact.email')!;
      // u-1005 is erased; u-1006's e-mail was corrected by the rectification test above.
      expect(email.value, person.id).toBe(person.id === 'u-1005' ? null : person.id === 'u-1006' ? 'Zhao.Lei.New@Example.cn' : person.email);
      const proof = await verifyInclusionBundle(pkg.proof!, { verifierKey: publishedKey });
      expect(proof.ok, person.id).toBe(true);
      expect(proof.entries.map((e) => e.eventId).sort()).toEqual(pkg.timeline.map((t) => t.eventId).sort());
      expect(answer.data!.exportSubject.html).toContain('<h1>Your personal data</h1>');
    }
    const asAuditor = await server.gql('{ exportSubject(subjectId: "u-1001") { html } }', undefined, auditorKey);
    expect(asAuditor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('/metrics (Prometheus text format)', () => {
  const scrape = async (key: string | null) => {
    const response = await fetch(`${server.url}/metrics`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
  };
  const value = (text: string, metric: string) => Number(new RegExp(`^${metric.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

  it('needs a key; counts appends, refusals and API errors by code; shows the head and read-model lag; names no person', async () => {
    expect((await scrape(null)).status).toBe(401);
    const before = await scrape(auditorKey);
    expect(before.status).toBe(200);
    expect(before.type).toContain('text/plain');
    const good = anEvent('DataUsed', { subject: { id: 'u-1002' }, occurredAt: '2026-10-20T00:00:00Z' });
    const bad = anEvent('DataUsed', { subject: { id: 'u-1002' }, data: { categories: ['contact.fax'] } });
    await server.gql('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: [good, bad] });
    await server.gql('{ exportSubject(subjectId: "u-1002") { html } }', undefined, auditorKey); // FORBIDDEN
    const after = await scrape(auditorKey);
    expect(value(after.text, 'pdl_events_appended_total') - (value(before.text, 'pdl_events_appended_total') || 0)).toBe(1);
    expect(value(after.text, 'pdl_events_rejected_total') - (value(before.text, 'pdl_events_rejected_total') || 0)).toBe(1);
    expect(value(after.text, 'pdl_api_errors_total{code="FORBIDDEN"}')).toBeGreaterThanOrEqual(1);
    expect(value(after.text, 'pdl_ledger_head_position')).toBeGreaterThan(60);
    expect(value(after.text, 'pdl_read_models_lag_events')).toBe(0);
    expect(after.text).toMatch(/^pdl_record_seconds_count \d+$/m);
    expect(after.text).not.toMatch(/@|u-10\d\d/);
  });
});
