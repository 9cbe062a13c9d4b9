/**
 * The rules that judge one act, given / when / then, in memory: a scenario that breaks a rule
 * yields exactly that violation with exactly the right evidence; a near miss yields none.
 * (Time rules, and the verdicts kept across policy versions, are judged on a real ledger in
 * test/int/policy-rules.test.ts, where the ledger is the point.)
 */
import { describe, expect, it } from 'vitest';
import { actSpecification as spec } from '../fixtures/act-specification.js';
import { anEvent } from '../fixtures/events.js';
import { defaultPolicy } from '../../schemas/default-policy.js';

const S = { id: 'u-1' };
/**
 * A world with an impact assessment covering everything (an empty scope), recorded first: the
 * rules below are each judged apart from impact-assessment-missing, which has tests of its own.
 */
const assessedAll = anEvent('ImpactAssessmentCompleted', { occurredAt: '2026-01-01T00:00:00Z', data: { assessmentId: 'dpia-all', scope: {}, conclusion: 'acceptable' } });
const assessed = { given: (history: readonly unknown[]) => spec.given([assessedAll, ...history]) };

describe('consent-missing', () => {
  const cookieConsent = anEvent('ConsentGiven', { subject: S, occurredAt: '2026-03-01T00:00:00Z', data: { consentId: 'c-1', purposes: ['personalization'], categories: ['behavior.browsing'], disclosures: undefined } });
  const withdrawal = anEvent('ConsentWithdrawn', { subject: S, occurredAt: '2026-03-10T12:00:00Z', data: { consentId: 'c-1' } });
  const personalise = (at: string) => anEvent('DataUsed', { subject: S, occurredAt: at, data: { categories: ['behavior.browsing'], purpose: 'personalization', legalBasis: 'consent', system: 'recommender' } });

  it('given a withdrawal, a use one second after it breaks the rule, with the use, the consent and the withdrawal as evidence', () => {
    const after = personalise('2026-03-10T12:00:01Z');
    spec.given([cookieConsent, withdrawal]).when(after)
      .then([{ rule: 'consent-missing', subjectId: 'u-1', eventIds: [after.id, cookieConsent.id, withdrawal.id], policyVersion: 'default' }]);
  });

  it('near miss: a use one second before the withdrawal is fine', () => {
    spec.given([cookieConsent, withdrawal]).when(personalise('2026-03-10T11:59:59Z')).thenNothing();
  });

  it('cookies after refusal: collecting cookie data for personalization after refusing it breaks the rule, whatever basis is claimed', () => {
    const refusal = anEvent('ConsentWithdrawn', { subject: S, occurredAt: '2026-03-01T00:00:00Z', data: { consentId: undefined, purposes: ['personalization'] } });
    const collected = anEvent('DataCollected', { subject: S, occurredAt: '2026-03-02T00:00:00Z', data: {
      categories: ['device.cookie-id'], values: undefined, source: 'automatic', method: 'cookie', purposes: ['personalization'], legalBasis: 'legitimate-interest',
      storage: { system: 'web-log', kind: 'server-log', region: 'CN' } } });
    spec.given([refusal]).when(collected).then([{ rule: 'consent-missing', eventIds: [collected.id, refusal.id] }]);
  });

  it('near miss: a use on contract needs no consent', () => {
    spec.given([]).when(anEvent('DataUsed', { subject: S, data: { categories: ['contact.email'], purpose: 'service-provision', legalBasis: 'contract', system: 'mailer' } })).thenNothing();
  });
});

const transferConsent = (disclosures: Record<string, unknown>, separate: boolean | undefined = true) => anEvent('ConsentGiven', {
  subject: S, occurredAt: '2026-04-01T00:00:00Z', data: { consentId: 'c-x', purposes: ['service-provision'], categories: ['contact.email'], disclosures, separate },
});
const fullDisclosures = { purpose: 'CRM hosting', recipient: 'CRM Inc', securityMeasures: ['encryption'], risks: ['foreign authority access'] };
const transfer = anEvent('DataTransferredAbroad', { subject: S, occurredAt: '2026-04-02T00:00:00Z', data: { consentId: 'c-x' } });

describe('cross-border-without-consent', () => {
  it('a transfer under a consent with all four disclosures that was not given separately breaks the rule (PIPL Art. 39)', () => {
    const consent = transferConsent(fullDisclosures, false);
    const { judged } = assessed.given([consent]).when(transfer);
    expect(judged).toMatchObject([{ rule: 'cross-border-without-consent', eventIds: [transfer.id, consent.id] }]);
    expect(judged[0]!.message).toContain('was not given as a separate consent');
  });

  it('a transfer under a consent that lacks the risks disclosure breaks the rule, naming what is missing', () => {
    const consent = transferConsent({ ...fullDisclosures, risks: undefined });
    const { judged } = assessed.given([consent]).when(transfer);
    expect(judged).toHaveLength(1);
    expect(judged[0]).toMatchObject({ rule: 'cross-border-without-consent', eventIds: [transfer.id, consent.id] });
    expect(judged[0]!.message).toContain('did not disclose "risks"');
  });

  it('a transfer with no consent at all breaks the rule', () => {
    const bare = anEvent('DataTransferredAbroad', { subject: S, data: { consentId: undefined } });
    assessed.given([]).when(bare).then([{ rule: 'cross-border-without-consent', eventIds: [bare.id] }]);
  });

  it('near miss: a separate consent that disclosed purpose, recipient, security measures and risks', () => {
    assessed.given([transferConsent(fullDisclosures)]).when(transfer).thenNothing();
  });
});

describe('cross-border-without-consent, by any path abroad', () => {
  const shareWith = (region: string, kind = 'processor') => anEvent('DataShared', { subject: S, occurredAt: '2026-04-02T00:00:00Z', data: {
    categories: ['contact.email'], recipient: { id: 'crm-us', name: 'CRM Inc', kind, region }, purpose: 'service-provision', legalBasis: 'contract', legalRequestId: undefined } });

  it('e-mail handed to a processor in the US by a plain DataShared, with no consent, breaks the rule', () => {
    const share = shareWith('US');
    const { judged } = assessed.given([]).when(share);
    expect(judged.map((v) => [v.rule, v.eventIds])).toEqual([['cross-border-without-consent', [share.id]]]);
    expect(judged[0]!.message).toMatch(/DataShared of "contact.email" with CRM Inc \(US\), outside "CN"/);
  });
  it('near miss: the same share under a separate consent with the four disclosures', () => {
    assessed.given([transferConsent(fullDisclosures)]).when(shareWith('US')).thenNothing();
  });
  it('the same share under a consent missing a disclosure names it', () => {
    const consent = transferConsent({ ...fullDisclosures, securityMeasures: [] });
    const { judged } = assessed.given([consent]).when(shareWith('US'));
    expect(judged.map((v) => [v.rule, v.eventIds])).toEqual([['cross-border-without-consent', [judged[0]!.eventIds[0], consent.id]]]);
    expect(judged[0]!.message).toContain('did not disclose "securityMeasures"');
  });
  it('near miss: a processor at home is no path abroad', () => {
    assessed.given([]).when(shareWith('CN')).thenNothing();
  });
});

describe('third-party-share', () => {
  const share = (kind: string) => anEvent('DataShared', { subject: S, data: {
    categories: ['contact.phone'], recipient: { id: 'x', name: 'X Co', kind, region: 'CN' }, purpose: 'business-management', legalBasis: 'legitimate-interest', legalRequestId: undefined } });
  it('sharing with a third party breaks the rule', () => {
    const event = share('third-party');
    assessed.given([]).when(event).then([{ rule: 'third-party-share', eventIds: [event.id] }]);
  });
  it('near miss: a processor acting for us is not a third party', () => {
    assessed.given([]).when(share('processor')).thenNothing();
  });
});

describe('disclosure-without-legal-basis', () => {
  const request = anEvent('LegalRequestReceived', { occurredAt: '2026-05-01T00:00:00Z' });
  const disclose = (legalRequestId?: string, categories = ['contact.phone']) => anEvent('DataShared', { subject: S, occurredAt: '2026-05-02T00:00:00Z', data: { categories, legalRequestId } });
  it('near miss: a disclosure to an authority that cites a recorded legal request is fine', () => {
    assessed.given([request]).when(disclose('lr-1')).thenNothing();
  });
  it('the same disclosure without it breaks the rule', () => {
    const event = disclose(undefined);
    assessed.given([request]).when(event).then([{ rule: 'disclosure-without-legal-basis', eventIds: [event.id] }]);
  });
  it('a disclosure beyond what the request asked for breaks the rule, with the request as evidence', () => {
    const event = disclose('lr-1', ['contact.phone', 'contact.email']);
    const { judged } = assessed.given([request]).when(event);
    expect(judged).toHaveLength(1);
    expect(judged[0]).toMatchObject({ eventIds: [event.id, request.id] });
    expect(judged[0]!.message).toContain('did not ask for "contact.email"');
  });
  it('citing a request recorded only after the disclosure breaks the rule', () => {
    const late = anEvent('LegalRequestReceived', { occurredAt: '2026-05-03T00:00:00Z' });
    const { judged } = assessed.given([late]).when(disclose('lr-1'));
    expect(judged.filter((v) => v.rule === 'disclosure-without-legal-basis')).toHaveLength(1);
  });
});

const collectIn = (region: string, at = '2026-06-01T00:00:00Z') => anEvent('DataCollected', { subject: S, occurredAt: at, data: {
  categories: ['device.info'], values: undefined, source: 'automatic', method: 'sdk', purposes: ['service-security'], legalBasis: 'legitimate-interest',
  storage: { system: 'crash-reports', kind: 'database', region }, retention: 'P3Y' } });

describe('storage-region', () => {
  it('data stored in the US with no transfer recorded breaks the rule — and, having gone abroad with no consent, cross-border-without-consent too', () => {
    const event = collectIn('US');
    assessed.given([]).when(event).then([
      { rule: 'cross-border-without-consent', eventIds: [event.id] },
      { rule: 'storage-region', eventIds: [event.id] },
    ]);
  });
  it('near miss: stored in China', () => {
    assessed.given([]).when(collectIn('CN')).thenNothing();
  });
  it('near miss: stored in the US after a recorded transfer of that category there', () => {
    const consent = anEvent('ConsentGiven', { subject: S, occurredAt: '2026-05-01T00:00:00Z', data: { consentId: 'c-x', purposes: ['service-security'], categories: ['device.info'], disclosures: fullDisclosures } });
    const moved = anEvent('DataTransferredAbroad', { subject: S, occurredAt: '2026-05-02T00:00:00Z', data: { categories: ['device.info'], purpose: 'service-security', consentId: 'c-x' } });
    assessed.given([consent, moved]).when(collectIn('US')).thenNothing();
  });
  it('judged by the policy in force when the act happened: allowed once a published version lists the region', () => {
    const v2 = anEvent('PolicyPublished', { occurredAt: '2026-06-15T00:00:00Z', data: {
      version: '2', effectiveFrom: '2026-07-01T00:00:00Z', policy: { ...defaultPolicy, storage: { regions: ['CN', 'US'], source: 'v2' } } } });
    const before = collectIn('US', '2026-06-20T00:00:00Z');
    assessed.given([v2]).when(before).then([
      { rule: 'cross-border-without-consent', eventIds: [before.id], policyVersion: 'default' },
      { rule: 'storage-region', eventIds: [before.id], policyVersion: 'default' },
    ]);
    assessed.given([v2]).when(collectIn('US', '2026-07-02T00:00:00Z')).thenNothing();
  });
});

describe('sensitive-without-separate-consent (PIPL Art. 28–29)', () => {
  const faceConsent = (separate: boolean | undefined, categories: string[] | undefined = ['biometric.face']) => anEvent('ConsentGiven', {
    subject: S, occurredAt: '2026-05-01T00:00:00Z',
    data: { consentId: 'c-face', purposes: ['service-security'], categories, disclosures: undefined, separate },
  });
  const faceCheck = (at = '2026-05-02T00:00:00Z', categories = ['biometric.face']) => anEvent('DataUsed', {
    subject: S, occurredAt: at, data: { categories, purpose: 'service-security', legalBasis: 'legitimate-interest', system: 'face-check' },
  });

  it('a use of a face print under a consent that is not separate breaks the rule, with the consent as evidence', () => {
    const consent = faceConsent(undefined);
    const use = faceCheck();
    assessed.given([consent]).when(use).then([{ rule: 'sensitive-without-separate-consent', subjectId: 'u-1', eventIds: [use.id, consent.id] }]);
    expect(assessed.given([consent]).when(use).judged[0]!.message).toContain('not a separate one');
  });

  it('near miss: the same use under a separate consent naming the category is fine', () => {
    assessed.given([faceConsent(true)]).when(faceCheck()).thenNothing();
  });

  it('a separate consent that does not name the category does not cover it', () => {
    const use = faceCheck();
    assessed.given([faceConsent(true, ['contact.email'])]).when(use).then([{ rule: 'sensitive-without-separate-consent', eventIds: [use.id] }]);
  });

  it('near miss on time: one second before the separate consent breaks the rule; one second after it does not', () => {
    const consent = faceConsent(true);
    assessed.given([consent]).when(faceCheck('2026-04-30T23:59:59Z')).then([{ rule: 'sensitive-without-separate-consent' }]);
    assessed.given([consent]).when(faceCheck('2026-05-01T00:00:01Z')).thenNothing();
  });

  it('collecting a national id at registration on contract, with no consent, breaks it (and only it)', () => {
    const collected = anEvent('DataCollected', { subject: S, data: {
      categories: ['identity.national-id'], values: { 'identity.national-id': '110101199003071234' }, purposes: ['account-registration'] } });
    assessed.given([]).when(collected).then([{ rule: 'sensitive-without-separate-consent', eventIds: [collected.id] }]);
  });

  it('near miss: a category that is not sensitive needs no separate consent', () => {
    assessed.given([faceConsent(undefined, ['contact.phone'])]).when(faceCheck(undefined, ['contact.phone'])).thenNothing();
  });

  it('a policy version that turns the rule off is obeyed from its date', () => {
    const off = anEvent('PolicyPublished', { occurredAt: '2026-04-01T00:00:00Z', data: { version: 'no-sensitive-rule', policy: { ...defaultPolicy, sensitive: { ...defaultPolicy.sensitive, requireSeparateConsent: false } } } });
    assessed.given([off]).when(faceCheck()).thenNothing();
    // A version that says nothing of sensitive data leaves the law's default on.
    const silent = anEvent('PolicyPublished', { occurredAt: '2026-04-01T00:00:00Z', data: { version: 'silent', policy: { ...defaultPolicy, sensitive: undefined } } });
    assessed.given([silent]).when(faceCheck()).then([{ rule: 'sensitive-without-separate-consent', policyVersion: 'silent' }]);
  });
});

describe('impact-assessment-missing (PIPL Art. 55–56)', () => {
  const separateConsent = anEvent('ConsentGiven', { subject: S, occurredAt: '2026-06-01T00:00:00Z', data: {
    consentId: 'c-us', purposes: ['service-provision'], categories: ['contact.email'], separate: true,
    disclosures: { purpose: 'CRM hosting', recipient: 'CRM Inc', securityMeasures: ['encryption'], risks: ['foreign authority access'] } } });
  const toUS = anEvent('DataTransferredAbroad', { subject: S, occurredAt: '2026-06-10T12:00:00Z', data: { consentId: 'c-us' } });
  const dpia = (at: string, scope: Record<string, unknown>, conclusion = 'acceptable') => anEvent('ImpactAssessmentCompleted', {
    occurredAt: at, data: { assessmentId: `dpia-${at}`, scope, conclusion } });
  const usCrm = { purposes: ['service-provision'], recipientKinds: ['processor'], toRegions: ['US'] };

  it('a transfer abroad with no assessment breaks the rule (and only it: the consent is in order)', () => {
    spec.given([separateConsent]).when(toUS).then([{ rule: 'impact-assessment-missing', subjectId: 'u-1', eventIds: [toUS.id] }]);
  });

  it('near miss on time: an assessment one second before the transfer covers it; one second after does not', () => {
    spec.given([separateConsent, dpia('2026-06-10T11:59:59Z', usCrm)]).when(toUS).thenNothing();
    const late = dpia('2026-06-10T12:00:01Z', usCrm);
    spec.given([separateConsent, late]).when(toUS).then([{ rule: 'impact-assessment-missing', eventIds: [toUS.id] }]);
  });

  it('an assessment whose scope names another region does not cover it; one that concluded not-acceptable is cited', () => {
    spec.given([separateConsent, dpia('2026-06-01T00:00:00Z', { ...usCrm, toRegions: ['SG'] })]).when(toUS).then([{ rule: 'impact-assessment-missing' }]);
    const refused = dpia('2026-06-01T00:00:00Z', usCrm, 'not-acceptable');
    const { judged } = spec.given([separateConsent, refused]).when(toUS);
    expect(judged).toMatchObject([{ rule: 'impact-assessment-missing', eventIds: [toUS.id, refused.id] }]);
    expect(judged[0]!.message).toContain('concluded "not-acceptable"');
  });

  it('a share with a processor at home needs one too; a use by our own system does not', () => {
    const share = anEvent('DataShared', { subject: S, data: { recipient: { id: 'mailer', name: 'Mail Co', kind: 'processor', region: 'CN' }, purpose: 'service-provision', legalBasis: 'contract' } });
    spec.given([]).when(share).then([{ rule: 'impact-assessment-missing', eventIds: [share.id] }]);
    spec.given([]).when(anEvent('DataUsed', { subject: S })).thenNothing();
  });

  describe('a scope that names regions covers only acts that put data in them', () => {
    const onlySG = dpia('2026-06-01T00:00:00Z', { toRegions: ['SG'] });
    const cnProcessor = anEvent('DataShared', { subject: S, occurredAt: '2026-06-10T00:00:00Z', data: {
      recipient: { id: 'mailer', name: 'Mail Co', kind: 'processor', region: 'CN' }, purpose: 'service-provision', legalBasis: 'contract' } });
    const accountConsent = anEvent('ConsentGiven', { subject: S, occurredAt: '2026-06-01T00:00:00Z', data: {
      consentId: 'c-acct', purposes: ['service-provision'], categories: ['financial.account'], separate: true, disclosures: undefined } });
    const accountCollected = anEvent('DataCollected', { subject: S, occurredAt: '2026-06-10T00:00:00Z', data: {
      categories: ['financial.account'], values: undefined, source: 'subject', method: 'form', purposes: ['service-provision'], legalBasis: 'consent',
      consentId: 'c-acct', storage: { system: 'user-db', kind: 'database', region: 'CN' } } });

    it('given an assessment of Singapore only, a share with a processor in CN breaks the rule', () => {
      spec.given([onlySG]).when(cnProcessor).then([{ rule: 'impact-assessment-missing', subjectId: 'u-1', eventIds: [cnProcessor.id] }]);
    });

    it('given an assessment of Singapore only, a sensitive collection stored in CN breaks the rule', () => {
      spec.given([accountConsent, onlySG]).when(accountCollected).then([{ rule: 'impact-assessment-missing', subjectId: 'u-1', eventIds: [accountCollected.id] }]);
    });

    it('near miss: a scope naming CN covers both; one that leaves regions out covers both; Singapore still covers a transfer there', () => {
      spec.given([dpia('2026-06-01T00:00:00Z', { toRegions: ['CN', 'SG'] })]).when(cnProcessor).thenNothing();
      spec.given([accountConsent, dpia('2026-06-01T00:00:00Z', { toRegions: ['CN'] })]).when(accountCollected).thenNothing();
      spec.given([accountConsent, dpia('2026-06-01T00:00:00Z', { categories: ['financial.account'] })]).when(accountCollected).thenNothing();
      const toSG = anEvent('DataTransferredAbroad', { subject: S, occurredAt: '2026-06-10T12:00:00Z', data: {
        consentId: 'c-us', toRegion: 'SG', recipient: { id: 'crm-sg', name: 'CRM Pte', kind: 'processor', region: 'SG' } } });
      spec.given([separateConsent, onlySG]).when(toSG).thenNothing();
    });

    it('a use puts data nowhere: a scope naming regions does not cover an automated decision; one leaving them out does', () => {
      const decision = anEvent('DataUsed', { subject: S, occurredAt: '2026-06-10T00:00:00Z', data: { automatedDecision: true } });
      spec.given([dpia('2026-06-01T00:00:00Z', { toRegions: ['CN'] })]).when(decision).then([{ rule: 'impact-assessment-missing', eventIds: [decision.id] }]);
      spec.given([dpia('2026-06-01T00:00:00Z', { purposes: ['service-security'] })]).when(decision).thenNothing();
    });
  });

  describe('automatedDecision: left out covers any act; named, only acts with that value', () => {
    const decision = anEvent('DataUsed', { subject: S, occurredAt: '2026-06-10T00:00:00Z', data: { automatedDecision: true } });

    it('a scope that leaves automatedDecision out covers an automated decision', () => {
      spec.given([dpia('2026-06-01T00:00:00Z', { purposes: ['service-security'] })]).when(decision).thenNothing();
    });

    it('a scope with automatedDecision: false does not cover one; the same scope with true does', () => {
      spec.given([dpia('2026-06-01T00:00:00Z', { purposes: ['service-security'], automatedDecision: false })]).when(decision)
        .then([{ rule: 'impact-assessment-missing', subjectId: 'u-1', eventIds: [decision.id] }]);
      spec.given([dpia('2026-06-01T00:00:00Z', { purposes: ['service-security'], automatedDecision: true })]).when(decision).thenNothing();
    });

    it('near miss: automatedDecision: true does not cover a transfer, which decides nothing', () => {
      spec.given([separateConsent, dpia('2026-06-01T00:00:00Z', { ...usCrm, automatedDecision: true })]).when(toUS)
        .then([{ rule: 'impact-assessment-missing', eventIds: [toUS.id] }]);
      spec.given([separateConsent, dpia('2026-06-01T00:00:00Z', { ...usCrm, automatedDecision: false })]).when(toUS).thenNothing();
    });
  });

  it('a scope naming recipient kinds covers only acts that give data to one: not a sensitive collection', () => {
    const face = anEvent('DataCollected', { subject: S, occurredAt: '2026-06-10T00:00:00Z', data: {
      categories: ['biometric.face'], values: undefined, source: 'subject', method: 'form', purposes: ['service-security'], legalBasis: 'consent',
      consentId: 'c-face', storage: { system: 'user-db', kind: 'database', region: 'CN' } } });
    const faceConsent = anEvent('ConsentGiven', { subject: S, occurredAt: '2026-06-01T00:00:00Z', data: {
      consentId: 'c-face', purposes: ['service-security'], categories: ['biometric.face'], separate: true, disclosures: undefined } });
    spec.given([faceConsent, dpia('2026-06-01T00:00:00Z', { categories: ['biometric.face'], recipientKinds: ['processor'] })]).when(face)
      .then([{ rule: 'impact-assessment-missing', eventIds: [face.id] }]);
    spec.given([faceConsent, dpia('2026-06-01T00:00:00Z', { categories: ['biometric.face'] })]).when(face).thenNothing();
  });

  it('a policy version that turns the rule off is obeyed', () => {
    const off = anEvent('PolicyPublished', { occurredAt: '2026-05-01T00:00:00Z', data: { version: 'no-dpia', policy: { ...defaultPolicy, impactAssessment: { required: false, source: 'test' } } } });
    spec.given([off, separateConsent]).when(toUS).thenNothing();
  });
});
