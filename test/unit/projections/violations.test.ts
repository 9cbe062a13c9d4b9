/**
 * The violations model: each act judged when it is applied, against the models as they stood at
 * that very event — within a batch too — and kept: a verdict does not change when a later policy
 * is published. What each rule finds is specified in test/unit/act-rules.test.ts; here, that the
 * model stores exactly that, when and under which version.
 */
import { describe, expect, it } from 'vitest';
import { storedViolations, violations } from '../../../projections/compliance/violations.js';
import { defaultPolicy } from '../../../schemas/default-policy.js';
import { judge } from '../../fixtures/act-specification.js';
import { anEvent } from '../../fixtures/events.js';
import { projectionSpecification } from '../../fixtures/projection-specification.js';

const S = { id: 'u-1' };
const cookieConsent = anEvent('ConsentGiven', { subject: S, occurredAt: '2026-03-01T00:00:00Z', data: { consentId: 'c-1', purposes: ['personalization'], categories: ['behavior.browsing'], disclosures: undefined } });
const withdrawal = anEvent('ConsentWithdrawn', { subject: S, occurredAt: '2026-03-10T12:00:00Z', data: { consentId: 'c-1' } });
const personalise = (at: string) => anEvent('DataUsed', { subject: S, occurredAt: at, data: { categories: ['behavior.browsing'], purpose: 'personalization', legalBasis: 'consent', system: 'recommender' } });
const storedInUs = (at: string) => anEvent('DataCollected', { subject: S, occurredAt: at, data: {
  categories: ['device.info'], values: undefined, source: 'automatic', method: 'sdk', purposes: ['service-security'], legalBasis: 'legitimate-interest',
  storage: { system: 'crash-reports', kind: 'database', region: 'US' } } });
const toUs = (at: string) => anEvent('DataTransferredAbroad', { subject: S, occurredAt: at, data: { categories: ['device.info'], consentId: undefined } });
const rulesOf = (db: Parameters<typeof storedViolations>[0]) => storedViolations(db).map((v) => v.rule);

describe('violations', () => {
  it('stores what the act rules find, with when it happened, when the ledger knew it, and the policy version', () => {
    const use = personalise('2026-03-10T12:00:01Z');
    projectionSpecification(violations).given([cookieConsent, withdrawal]).when([use], { recordedAt: '2026-04-01T00:00:00.000Z' }).then(({ db }) => {
      const [found] = judge([cookieConsent, withdrawal, use]);
      expect(storedViolations(db)).toEqual([{
        rule: 'consent-missing', subjectId: 'u-1', eventIds: [use.id, cookieConsent.id, withdrawal.id], occurredAt: '2026-03-10T12:00:01.000Z',
        // An act's breach is the act itself: it ends when it happened.
        breachEnd: '2026-03-10T12:00:01.000Z', detectedAt: '2026-04-01T00:00:00.000Z', policyVersion: 'default', message: found!.message,
      }]);
    });
  });

  it('within one batch, each act is judged against the models as of that event: a consent or a transfer just before it counts, one just after it does not', () => {
    projectionSpecification(violations).given([]).when([cookieConsent, personalise('2026-03-02T00:00:00Z'), withdrawal, personalise('2026-03-11T00:00:00Z')])
      .then(({ db, when }) => {
        expect(storedViolations(db).map((v) => [v.rule, v.eventIds[0]])).toEqual([['consent-missing', when[3]!.event.id]]);
      });
    projectionSpecification(violations).given([]).when([toUs('2026-05-31T00:00:00Z'), storedInUs('2026-06-01T00:00:00Z')])
      .then(({ db }) => expect(rulesOf(db)).not.toContain('storage-region'));
    projectionSpecification(violations).given([]).when([storedInUs('2026-06-01T00:00:00Z'), toUs('2026-05-31T00:00:00Z')])
      .then(({ db }) => expect(rulesOf(db)).toContain('storage-region'));
  });

  it('a verdict stands when a later policy allows what was judged; the acts after it are judged by that policy', () => {
    const allowsUs = anEvent('PolicyPublished', { occurredAt: '2026-07-01T00:00:00Z', data: {
      version: 'us-ok', effectiveFrom: '2026-01-01T00:00:00Z', policy: { ...structuredClone(defaultPolicy), storage: { ...defaultPolicy.storage, regions: ['CN', 'US'] } } } });
    const before = storedInUs('2026-06-01T00:00:00Z');
    projectionSpecification(violations).given([before]).when([allowsUs, storedInUs('2026-06-02T00:00:00Z')]).then(({ db }) => {
      expect(storedViolations(db).filter((v) => v.rule === 'storage-region').map((v) => [v.eventIds[0], v.policyVersion])).toEqual([[before.id, 'default']]);
    });
  });

  it('only acts are judged: a consent, a deletion or a request is no act', () => {
    projectionSpecification(violations).given([]).when([withdrawal, anEvent('DataDeleted', { subject: S }), anEvent('SubjectRequestReceived', { subject: S })])
      .then(({ db }) => expect(storedViolations(db)).toEqual([]));
  });
});
