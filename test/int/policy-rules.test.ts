/**
 * Every rule of the policy, given/when/then: a scenario that breaks it yields exactly one
 * violation with exactly the right evidence; a near miss yields none.
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

const cookieConsent = anEvent('ConsentGiven', { subject: S, occurredAt: '2026-03-01T00:00:00Z', data: { consentId: 'c-1', purposes: ['personalization'], categories: ['behavior.browsing'], disclosures: undefined } });
const withdrawal = anEvent('ConsentWithdrawn', { subject: S, occurredAt: '2026-03-10T12:00:00Z', data: { consentId: 'c-1' } });
const personalise = (at: string) => anEvent('DataUsed', { subject: S, occurredAt: at, data: { categories: ['behavior.browsing'], purpose: 'personalization', legalBasis: 'consent', system: 'recommender' } });

describe('consent-missing', () => {
  it('given a withdrawal, a use one second after it breaks the rule, with the use, the consent and the withdrawal as evidence', async () => {
    const after = personalise('2026-03-10T12:00:01Z');
    const judged = (await scenario([cookieConsent, withdrawal, after])).whenJudgedAsOf('2026-12-01');
    expect(judged.violations).toHaveLength(1);
    expect(judged.violations[0]).toMatchObject({ rule: 'consent-missing', subjectId: 'u-1', eventIds: [after.id, cookieConsent.id, withdrawal.id], policyVersion: 'default' });
  });

  it('near miss: a use one second before the withdrawal is fine', async () => {
    const judged = (await scenario([cookieConsent, withdrawal, personalise('2026-03-10T11:59:59Z')])).whenJudgedAsOf('2026-12-01');
    expect(judged.violations).toEqual([]);
  });

  it('cookies after refusal: collecting cookie data for personalization after refusing it breaks the rule, whatever basis is claimed', async () => {
    const refusal = anEvent('ConsentWithdrawn', { subject: S, occurredAt: '2026-03-01T00:00:00Z', data: { consentId: undefined, purposes: ['personalization'] } });
    const collected = anEvent('DataCollected', { subject: S, occurredAt: '2026-03-02T00:00:00Z', data: {
      categories: ['device.cookie-id'], values: undefined, source: 'automatic', method: 'cookie', purposes: ['personalization'], legalBasis: 'legitimate-interest',
      storage: { system: 'web-log', kind: 'server-log', region: 'CN' } } });
    const judged = (await scenario([refusal, collected])).whenJudgedAsOf('2026-12-01');
    expect(judged.of('consent-missing')).toHaveLength(1);
    expect(judged.of('consent-missing')[0]!.eventIds).toEqual([collected.id, refusal.id]);
  });

  it('near miss: a use on contract needs no consent', async () => {
    const use = anEvent('DataUsed', { subject: S, data: { categories: ['contact.email'], purpose: 'service-provision', legalBasis: 'contract', system: 'mailer' } });
    expect((await scenario([use])).whenJudgedAsOf('2026-12-01').violations).toEqual([]);
  });
});

const transferConsent = (disclosures: Record<string, unknown>) => anEvent('ConsentGiven', {
  subject: S, occurredAt: '2026-04-01T00:00:00Z', data: { consentId: 'c-x', purposes: ['service-provision'], categories: ['contact.email'], disclosures },
});
const fullDisclosures = { purpose: 'CRM hosting', recipient: 'CRM Inc', securityMeasures: ['encryption'], risks: ['foreign authority access'] };
const transfer = anEvent('DataTransferredAbroad', { subject: S, occurredAt: '2026-04-02T00:00:00Z', data: { consentId: 'c-x' } });

describe('cross-border-without-consent', () => {
  it('a transfer under a consent that lacks the risks disclosure breaks the rule, naming what is missing', async () => {
    const consent = transferConsent({ ...fullDisclosures, risks: undefined });
    const judged = (await scenario([consent, transfer])).whenJudgedAsOf('2026-12-01');
    expect(judged.violations).toHaveLength(1);
    expect(judged.violations[0]).toMatchObject({ rule: 'cross-border-without-consent', eventIds: [transfer.id, consent.id] });
    expect(judged.violations[0]!.message).toContain('did not disclose "risks"');
  });

  it('a transfer with no consent at all breaks the rule', async () => {
    const bare = anEvent('DataTransferredAbroad', { subject: S, data: { consentId: undefined } });
    const judged = (await scenario([bare])).whenJudgedAsOf('2026-12-01');
    expect(judged.violations.map((v) => [v.rule, v.eventIds])).toEqual([['cross-border-without-consent', [bare.id]]]);
  });

  it('near miss: a separate consent that disclosed purpose, recipient, security measures and risks', async () => {
    expect((await scenario([transferConsent(fullDisclosures), transfer])).whenJudgedAsOf('2026-12-01').violations).toEqual([]);
  });
});

describe('third-party-share', () => {
  const share = (kind: string) => anEvent('DataShared', { subject: S, data: {
    categories: ['contact.phone'], recipient: { id: 'x', name: 'X Co', kind, region: 'CN' }, purpose: 'business-management', legalBasis: 'legitimate-interest', legalRequestId: undefined } });
  it('sharing with a third party breaks the rule', async () => {
    const event = share('third-party');
    const judged = (await scenario([event])).whenJudgedAsOf('2026-12-01');
    expect(judged.violations.map((v) => [v.rule, v.eventIds])).toEqual([['third-party-share', [event.id]]]);
  });
  it('near miss: a processor acting for us is not a third party', async () => {
    expect((await scenario([share('processor')])).whenJudgedAsOf('2026-12-01').violations).toEqual([]);
  });
});

describe('disclosure-without-legal-basis', () => {
  const request = anEvent('LegalRequestReceived', { occurredAt: '2026-05-01T00:00:00Z' });
  const disclose = (legalRequestId?: string, categories = ['contact.phone']) => anEvent('DataShared', { subject: S, occurredAt: '2026-05-02T00:00:00Z', data: { categories, legalRequestId } });
  it('near miss: a disclosure to an authority that cites a recorded legal request is fine', async () => {
    expect((await scenario([request, disclose('lr-1')])).whenJudgedAsOf('2026-12-01').violations).toEqual([]);
  });
  it('the same disclosure without it breaks the rule', async () => {
    const event = disclose(undefined);
    const judged = (await scenario([request, event])).whenJudgedAsOf('2026-12-01');
    expect(judged.violations.map((v) => [v.rule, v.eventIds])).toEqual([['disclosure-without-legal-basis', [event.id]]]);
  });
  it('a disclosure beyond what the request asked for breaks the rule, with the request as evidence', async () => {
    const event = disclose('lr-1', ['contact.phone', 'contact.email']);
    const judged = (await scenario([request, event])).whenJudgedAsOf('2026-12-01');
    expect(judged.violations).toHaveLength(1);
    expect(judged.violations[0]).toMatchObject({ eventIds: [event.id, request.id] });
    expect(judged.violations[0]!.message).toContain('did not ask for "contact.email"');
  });
  it('citing a request recorded only after the disclosure breaks the rule', async () => {
    const late = anEvent('LegalRequestReceived', { occurredAt: '2026-05-03T00:00:00Z' });
    expect((await scenario([late, disclose('lr-1')])).whenJudgedAsOf('2026-12-01').of('disclosure-without-legal-basis')).toHaveLength(1);
  });
});

const collectIn = (region: string, at = '2026-06-01T00:00:00Z') => anEvent('DataCollected', { subject: S, occurredAt: at, data: {
  categories: ['device.info'], values: undefined, source: 'automatic', method: 'sdk', purposes: ['service-security'], legalBasis: 'legitimate-interest',
  storage: { system: 'crash-reports', kind: 'database', region }, retention: 'P3Y' } });

describe('storage-region', () => {
  it('data stored in the US with no transfer recorded breaks the rule', async () => {
    const event = collectIn('US');
    const judged = (await scenario([event])).whenJudgedAsOf('2026-12-01');
    expect(judged.violations.map((v) => [v.rule, v.eventIds])).toEqual([['storage-region', [event.id]]]);
  });
  it('near miss: stored in China', async () => {
    expect((await scenario([collectIn('CN')])).whenJudgedAsOf('2026-12-01').violations).toEqual([]);
  });
  it('near miss: stored in the US after a recorded transfer of that category there', async () => {
    const consent = anEvent('ConsentGiven', { subject: S, occurredAt: '2026-05-01T00:00:00Z', data: { consentId: 'c-x', purposes: ['service-security'], categories: ['device.info'], disclosures: fullDisclosures } });
    const moved = anEvent('DataTransferredAbroad', { subject: S, occurredAt: '2026-05-02T00:00:00Z', data: { categories: ['device.info'], purpose: 'service-security', consentId: 'c-x' } });
    expect((await scenario([consent, moved, collectIn('US')])).whenJudgedAsOf('2026-12-01').violations).toEqual([]);
  });
});

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
    expect(underV1.map((v) => [v.rule, v.eventIds, v.policyVersion])).toEqual([['storage-region', [before.id], '1']]);

    const after = collectIn('US', '2026-07-02T00:00:00Z');
    const betweenPublicationAndEffect = collectIn('US', '2026-06-20T00:00:00Z');
    await g.record([v2, after, betweenPublicationAndEffect]);
    const judged = g.whenJudgedAsOf('2026-12-01').violations;
    expect(judged.map((v) => [v.rule, v.eventIds[0], v.policyVersion])).toEqual([
      ['storage-region', before.id, '1'], ['storage-region', betweenPublicationAndEffect.id, '1'],
    ]);
  });

  it('a deadline runs by the version in force when the request was received', async () => {
    const early = anEvent('SubjectRequestReceived', { subject: S, occurredAt: '2026-06-20T00:00:00Z', data: { requestId: 'r-early', kind: 'access' } });
    const late = anEvent('SubjectRequestReceived', { subject: S, occurredAt: '2026-07-02T00:00:00Z', data: { requestId: 'r-late', kind: 'access' } });
    const judged = (await scenario([v1, v2, early, late])).whenJudgedAsOf('2026-07-25T00:00:00Z');
    // r-early: 15 days under v1 → overdue on 07-05. r-late: 30 days under v2 → due 08-01, not yet.
    expect(judged.violations.map((v) => [v.rule, v.eventIds, v.policyVersion])).toEqual([['request-overdue', [early.id], '1']]);
  });
});
