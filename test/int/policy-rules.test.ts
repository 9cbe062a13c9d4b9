/**
 * The time rules (and verdicts across policy versions) given/when/then on a real ledger: a
 * scenario that breaks a rule yields exactly one violation with exactly the right evidence; a near
 * miss yields none. The rules that judge one act are specified in memory (test/unit/act-rules.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../schemas/default-policy.js';
import { anEvent } from '../fixtures/events.js';
import { given } from '../fixtures/compliance.js';

const S = { id: 'u-1' };
let opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.map((o) => o.close()));
  opened = [];
});
async function scenario(events: readonly unknown[]) {
  const g = await given(events);
  opened.push(g);
  return g;
}

// The rules that judge one act are specified in memory: test/unit/act-rules.test.ts.

const collectIn = (region: string, at = '2026-06-01T00:00:00Z') => anEvent('DataCollected', { subject: S, occurredAt: at, data: {
  categories: ['device.info'], values: undefined, source: 'automatic', method: 'sdk', purposes: ['service-security'], legalBasis: 'legitimate-interest',
  storage: { system: 'crash-reports', kind: 'database', region }, retention: 'P3Y' } });

describe('retention-overdue', () => {
  const collected = anEvent('DataCollected', { subject: S, occurredAt: '2026-01-01T00:00:00Z', data: { retention: 'P30D' } });
  const deletedAt = (at: string) => anEvent('DataDeleted', { subject: S, occurredAt: at, data: { categories: ['contact.email'], systems: undefined } });
  it('data held past its retention period breaks the rule as of any later moment, not before', async () => {
    const g = await scenario([collected]);
    expect(g.whenJudgedAsOf('2026-01-30T23:59:59Z').violations).toEqual([]);
    const judged = g.whenJudgedAsOf('2026-03-01T00:00:00Z');
    expect(judged.violations).toHaveLength(1);
    expect(judged.violations[0]).toMatchObject({ rule: 'retention-overdue', subjectId: 'u-1', eventIds: [collected.id], detectedAt: '2026-01-31T00:00:00.000Z' });
    expect(judged.violations[0]!.message).toContain('held 29 days past its retention period');
  });
  it('near miss: deleted one day before the period ends', async () => {
    expect((await scenario([collected, deletedAt('2026-01-30T00:00:00Z')])).whenJudgedAsOf('2026-12-01').violations).toEqual([]);
  });
  it('deleted late: the violation stands, with the deletion as evidence', async () => {
    const late = deletedAt('2026-02-10T00:00:00Z');
    const judged = (await scenario([collected, late])).whenJudgedAsOf('2026-12-01');
    expect(judged.violations.map((v) => [v.rule, v.eventIds])).toEqual([['retention-overdue', [collected.id, late.id]]]);
  });
  it('with no retention in the event, the policy decides: six months for browsing logs', async () => {
    const logs = anEvent('DataCollected', { subject: S, occurredAt: '2026-01-01T00:00:00Z', data: {
      categories: ['behavior.browsing'], values: undefined, source: 'automatic', method: 'server-log', purposes: ['service-security'], legalBasis: 'legitimate-interest',
      storage: { system: 'web-log', kind: 'server-log', region: 'CN' }, retention: undefined } });
    const g = await scenario([logs]);
    expect(g.whenJudgedAsOf('2026-06-30T00:00:00Z').violations).toEqual([]);
    expect(g.whenJudgedAsOf('2026-07-02T00:00:00Z').of('retention-overdue')).toHaveLength(1);
  });
});

describe('shutdown rules', () => {
  const profile = anEvent('DataCollected', { subject: S, occurredAt: '2026-05-01T00:00:00Z', data: {
    categories: ['device.identifier'], values: undefined, source: 'automatic', method: 'sdk', purposes: ['service-provision'], legalBasis: 'contract',
    storage: { system: 'minigame-db', kind: 'database', region: 'CN' }, retention: undefined } });
  const shutdown = anEvent('ServiceShutdownAnnounced', { occurredAt: '2026-05-20T00:00:00Z' }); // effective 06-09, deadline 07-09
  const notice = (at: string) => anEvent('SubjectNotified', { subject: S, occurredAt: at, data: { channel: 'push', topic: 'service-shutdown', service: 'mini-game' } });
  const deletion = (at: string) => anEvent('DataDeleted', { subject: S, occurredAt: at, data: { categories: 'all', method: 'anonymize', reason: 'service-shutdown', systems: ['minigame-db'] } });

  it('shutdown-notice-missing: a subject never told before the shutdown took effect', async () => {
    const judged = (await scenario([profile, shutdown, deletion('2026-06-20T00:00:00Z')])).whenJudgedAsOf('2026-12-01');
    expect(judged.violations).toHaveLength(1);
    expect(judged.violations[0]).toMatchObject({ rule: 'shutdown-notice-missing', subjectId: 'u-1', eventIds: [shutdown.id, profile.id], detectedAt: '2026-06-09T00:00:00.000Z' });
  });
  it('near miss: notified one second before it took effect; a notice after it is too late', async () => {
    expect((await scenario([profile, shutdown, notice('2026-06-08T23:59:59Z'), deletion('2026-06-20T00:00:00Z')])).whenJudgedAsOf('2026-12-01').violations).toEqual([]);
    expect((await scenario([profile, shutdown, notice('2026-06-09T00:00:01Z'), deletion('2026-06-20T00:00:00Z')])).whenJudgedAsOf('2026-12-01').of('shutdown-notice-missing')).toHaveLength(1);
  });
  it('shutdown-deletion-overdue: data still held after the deadline, and only after it', async () => {
    const g = await scenario([profile, shutdown, notice('2026-05-21T00:00:00Z')]);
    expect(g.whenJudgedAsOf('2026-07-08T00:00:00Z').violations).toEqual([]);
    const judged = g.whenJudgedAsOf('2026-07-10T00:00:00Z');
    expect(judged.violations.map((v) => [v.rule, v.eventIds])).toEqual([['shutdown-deletion-overdue', [shutdown.id, profile.id]]]);
  });
  it('near miss: anonymized one day before the deadline', async () => {
    expect((await scenario([profile, shutdown, notice('2026-05-21T00:00:00Z'), deletion('2026-07-08T00:00:00Z')])).whenJudgedAsOf('2026-12-01').violations).toEqual([]);
  });
});

describe('request-overdue', () => {
  const received = anEvent('SubjectRequestReceived', { subject: S, occurredAt: '2026-07-01T00:00:00Z', data: { requestId: 'r-1', kind: 'access' } });
  const completed = (at: string) => anEvent('SubjectRequestCompleted', { subject: S, occurredAt: at, data: { requestId: 'r-1', outcome: 'fulfilled' } });
  it('a request still open past the policy deadline (15 days)', async () => {
    const g = await scenario([received]);
    expect(g.whenJudgedAsOf('2026-07-15T23:59:59Z').violations).toEqual([]);
    const judged = g.whenJudgedAsOf('2026-07-17T00:00:00Z');
    expect(judged.violations).toHaveLength(1);
    expect(judged.violations[0]).toMatchObject({ rule: 'request-overdue', eventIds: [received.id], detectedAt: '2026-07-16T00:00:00.000Z' });
  });
  it('near miss: completed one day before the deadline', async () => {
    expect((await scenario([received, completed('2026-07-15T00:00:00Z')])).whenJudgedAsOf('2026-12-01').violations).toEqual([]);
  });
  it('completed late: the violation stands', async () => {
    const late = completed('2026-07-20T00:00:00Z');
    const judged = (await scenario([received, late])).whenJudgedAsOf('2026-12-01');
    expect(judged.violations.map((v) => [v.rule, v.eventIds])).toEqual([['request-overdue', [received.id, late.id]]]);
  });
});

describe('policy versions', () => {
  const v1 = anEvent('PolicyPublished', { occurredAt: '2026-01-01T00:00:00Z', data: { version: '1', policy: defaultPolicy } });
  const v2 = anEvent('PolicyPublished', { occurredAt: '2026-06-15T00:00:00Z', data: {
    version: '2', effectiveFrom: '2026-07-01T00:00:00Z',
    policy: { ...defaultPolicy, storage: { regions: ['CN', 'US'], source: 'v2: we also store data in the US' }, subjectRequests: { deadline: 'P30D', source: 'v2' } } } });

  it('an event judged under version 1 keeps its verdict after version 2 is published; events after it are judged under version 2', async () => {
    const before = collectIn('US', '2026-06-01T00:00:00Z');
    const g = await scenario([v1, before]);
    const underV1 = g.whenJudgedAsOf('2026-12-01').violations;
    // Stored abroad with no transfer: judged as data gone abroad (no consent) and as stored outside.
    expect(underV1.map((v) => [v.rule, v.eventIds, v.policyVersion])).toEqual([
      ['cross-border-without-consent', [before.id], '1'], ['storage-region', [before.id], '1'],
    ]);

    const after = collectIn('US', '2026-07-02T00:00:00Z');
    const betweenPublicationAndEffect = collectIn('US', '2026-06-20T00:00:00Z');
    await g.record([v2, after, betweenPublicationAndEffect]);
    const judged = g.whenJudgedAsOf('2026-12-01').violations;
    expect(judged.map((v) => [v.rule, v.eventIds[0], v.policyVersion])).toEqual([
      ['cross-border-without-consent', before.id, '1'], ['storage-region', before.id, '1'],
      ['cross-border-without-consent', betweenPublicationAndEffect.id, '1'], ['storage-region', betweenPublicationAndEffect.id, '1'],
    ]);
  });

  it('a version published again with new content judges the acts after it by that content (the parsed policy is not reused)', async () => {
    const original = anEvent('PolicyPublished', { occurredAt: '2026-01-01T00:00:00Z', data: { version: 'same', policy: defaultPolicy } });
    const first = collectIn('US', '2026-02-01T00:00:00Z');
    const g = await scenario([original, first]);
    expect(g.whenJudgedAsOf('2026-12-01').of('storage-region').map((v) => v.eventIds[0])).toEqual([first.id]);
    // In the same batch: republished allowing US storage, then an act judged by it.
    const relaxed = anEvent('PolicyPublished', { occurredAt: '2026-03-01T00:00:00Z', data: {
      version: 'same', policy: { ...defaultPolicy, storage: { regions: ['CN', 'US'], source: 'republished: we also store data in the US' } } } });
    const second = collectIn('US', '2026-03-02T00:00:00Z');
    await g.record([relaxed, second]);
    expect(g.whenJudgedAsOf('2026-12-01').of('storage-region').map((v) => v.eventIds[0])).toEqual([first.id]);
  });

  it('a deadline runs by the version in force when the request was received', async () => {
    const early = anEvent('SubjectRequestReceived', { subject: S, occurredAt: '2026-06-20T00:00:00Z', data: { requestId: 'r-early', kind: 'access' } });
    const late = anEvent('SubjectRequestReceived', { subject: S, occurredAt: '2026-07-02T00:00:00Z', data: { requestId: 'r-late', kind: 'access' } });
    const judged = (await scenario([v1, v2, early, late])).whenJudgedAsOf('2026-07-25T00:00:00Z');
    // r-early: 15 days under v1 → overdue on 07-05. r-late: 30 days under v2 → due 08-01, not yet.
    expect(judged.violations.map((v) => [v.rule, v.eventIds, v.policyVersion])).toEqual([['request-overdue', [early.id], '1']]);
  });
});

describe('incident-notification-overdue (GDPR Art. 33–34; PIPL Art. 57)', () => {
  const logs = anEvent('DataCollected', { subject: S, occurredAt: '2026-04-01T00:00:00Z', data: {
    categories: ['network.ip-address'], values: undefined, source: 'automatic', method: 'server-log', purposes: ['service-security'], legalBasis: 'legitimate-interest',
    storage: { system: 'web-log', kind: 'server-log', region: 'CN' }, retention: 'P6M' } });
  const opened = anEvent('IncidentOpened', { occurredAt: '2026-04-16T08:00:00Z', data: { incidentId: 'inc-9', systems: ['web-log'], window: { from: '2026-04-10T00:00:00Z', to: '2026-04-15T00:00:00Z' }, description: 'bucket exposed' } });
  const toAuthority = (at: string) => anEvent('IncidentReported', { occurredAt: at, data: { incidentId: 'inc-9', audience: 'authority', authority: 'CAC', channel: 'form' } });
  const toSubjects = (at: string, subject?: { id: string }) => anEvent('IncidentReported', { occurredAt: at, ...(subject ? { subject } : {}), data: { incidentId: 'inc-9', audience: 'subjects', authority: undefined, channel: 'email' } });

  it('near miss on the clock: reported to both at 71 h is fine; the authority at 73 h breaks the rule, with the late report as evidence', async () => {
    expect((await scenario([logs, opened, toAuthority('2026-04-19T07:00:00Z'), toSubjects('2026-04-19T07:00:00Z')])).whenJudgedAsOf('2026-09-01').violations).toEqual([]);
    const late = toAuthority('2026-04-19T09:00:00Z');
    const judged = (await scenario([logs, opened, late, toSubjects('2026-04-19T07:00:00Z')])).whenJudgedAsOf('2026-09-01');
    expect(judged.violations).toHaveLength(1);
    expect(judged.violations[0]).toMatchObject({ rule: 'incident-notification-overdue', subjectId: null, eventIds: [opened.id, late.id], detectedAt: '2026-04-19T08:00:00.000Z' });
    expect(judged.violations[0]!.message).toContain('reported to the authority on 2026-04-19T09:00:00.000Z, after the deadline 2026-04-19T08:00:00.000Z');
  });

  it('not told at all: as of 71 h nothing is wrong yet; as of 73 h the authority and the person affected each break it', async () => {
    const g = await scenario([logs, opened]);
    expect(g.whenJudgedAsOf('2026-04-19T07:00:00Z').violations).toEqual([]);
    const judged = g.whenJudgedAsOf('2026-04-19T09:00:00Z');
    expect(judged.violations.map((v) => [v.rule, v.subjectId, v.eventIds])).toEqual([
      ['incident-notification-overdue', null, [opened.id]], ['incident-notification-overdue', 'u-1', [opened.id]],
    ]);
  });

  it('a report to one person covers that person; an incident that exposed nobody needs no report', async () => {
    const judged = (await scenario([logs, opened, toAuthority('2026-04-17T00:00:00Z'), toSubjects('2026-04-17T00:00:00Z', S)])).whenJudgedAsOf('2026-09-01');
    expect(judged.violations).toEqual([]);
    const elsewhere = anEvent('IncidentOpened', { occurredAt: '2026-04-16T08:00:00Z', data: { incidentId: 'inc-9', systems: ['crm'], window: { from: '2026-04-10T00:00:00Z', to: '2026-04-15T00:00:00Z' }, description: 'x' } });
    expect((await scenario([logs, elsewhere])).whenJudgedAsOf('2026-09-01').violations).toEqual([]);
  });

  it('a published policy version changes the period from its date: 24 hours makes 30 h late', async () => {
    const strict = anEvent('PolicyPublished', { occurredAt: '2026-03-01T00:00:00Z', data: { version: 'strict', policy: { ...defaultPolicy, incidentNotification: { period: 'PT24H', source: 'test' } } } });
    const at30h = '2026-04-17T14:00:00Z';
    const judged = (await scenario([strict, logs, opened, toAuthority(at30h), toSubjects(at30h)])).whenJudgedAsOf('2026-09-01');
    expect(judged.violations.map((v) => [v.rule, v.subjectId, v.policyVersion])).toEqual([
      ['incident-notification-overdue', null, 'strict'], ['incident-notification-overdue', 'u-1', 'strict'],
    ]);
    expect((await scenario([logs, opened, toAuthority(at30h), toSubjects(at30h)])).whenJudgedAsOf('2026-09-01').violations).toEqual([]);
  });
});

describe('declared vs actual (processingDrift)', () => {
  const policy = anEvent('PolicyPublished', { occurredAt: '2026-01-01T00:00:00Z', data: { version: 'declared', policy: { ...defaultPolicy, declared: [
    { purpose: 'service-provision', categories: ['contact.email'], recipientKinds: [], regions: ['CN'], source: 'we use your e-mail to run the service' },
    { purpose: 'service-security', categories: ['network.ip-address'], source: 'logs keep the service safe' },
  ] } } });
  const collect = anEvent('DataCollected', { subject: S, occurredAt: '2026-02-01T00:00:00Z', data: {
    categories: ['contact.email'], values: { 'contact.email': 'a@example.cn' }, purposes: ['service-provision'], storage: { system: 'user-db', kind: 'database', region: 'CN' } } });
  const crm = anEvent('DataShared', { subject: S, occurredAt: '2026-03-01T00:00:00Z', data: {
    categories: ['contact.email'], recipient: { id: 'crm', name: 'CRM', kind: 'processor', region: 'US' }, purpose: 'service-provision', legalBasis: 'contract', legalRequestId: undefined } });
  const ads = anEvent('DataUsed', { subject: S, occurredAt: '2026-03-02T00:00:00Z', data: { categories: ['behavior.click'], purpose: 'marketing', legalBasis: 'consent', system: 'ads' } });

  it('lists what was seen but not declared, each with its evidence, and what was declared but never seen', async () => {
    const g = await scenario([policy, collect, crm, ads]);
    const { processingDrift } = await import('../../projections/compliance/drift.js');
    const drift = processingDrift(g.opened.readModelsDb, '2026-06-01T00:00:00.000Z');
    expect(drift).toMatchObject({ policyVersion: 'declared', declared: true });
    expect(drift.undeclared.map((d) => [d.purpose, d.dimension, d.value, d.evidence])).toEqual([
      ['marketing', 'purpose', 'marketing', [ads.id]],
      ['service-provision', 'recipientKind', 'processor', [crm.id]],
      ['service-provision', 'region', 'US', [crm.id]],
    ]);
    // Systems are not declared for service-provision: user-db is not drift. The security purpose was never seen.
    expect(drift.unobserved).toEqual([{ purpose: 'service-security', dimension: 'purpose', value: 'service-security', source: 'logs keep the service safe' }]);
  });

  it('as of before the share, the share is not drift yet; a policy that declares nothing compares nothing', async () => {
    const g = await scenario([policy, collect, crm, ads]);
    const { processingDrift } = await import('../../projections/compliance/drift.js');
    expect(processingDrift(g.opened.readModelsDb, '2026-02-15T00:00:00.000Z').undeclared).toEqual([]);
    const silent = anEvent('PolicyPublished', { occurredAt: '2026-01-01T00:00:00Z', data: { version: 'silent', policy: { ...defaultPolicy, declared: undefined } } });
    const h = await scenario([silent, collect, crm]);
    expect(processingDrift(h.opened.readModelsDb, '2026-06-01T00:00:00.000Z')).toEqual({ asOf: '2026-06-01T00:00:00.000Z', policyVersion: 'silent', declared: false, undeclared: [], unobserved: [] });
  });
});
