/** Consents per subject: given, withdrawn by id or by purpose, refused; what a withdrawal reaches and what it leaves alone. */
import { describe, expect, it } from 'vitest';
import { consents, consentStatus } from '../../../projections/consents/consents.js';
import { anEvent } from '../../fixtures/events.js';
import { keyedSpecification } from '../../fixtures/projection-specification.js';

const S = { id: 'u-1' };
const consent = (consentId: string, purposes: string[], at = '2026-03-01T00:00:00Z', subject = S) =>
  anEvent('ConsentGiven', { subject, occurredAt: at, data: { consentId, purposes, categories: undefined, disclosures: undefined } });
const withdrawal = (data: Record<string, unknown>, at = '2026-03-10T00:00:00Z') => anEvent('ConsentWithdrawn', { subject: S, occurredAt: at, data });
const spec = keyedSpecification(consents);

describe('consents', () => {
  it('a withdrawal by consent id withdraws all of it, and says when and by which event', () => {
    const given = consent('c-1', ['personalization', 'marketing']);
    const withdrawn = withdrawal({ consentId: 'c-1' });
    spec.given([given]).when([withdrawn]).then(({ state }) => {
      const row = state('u-1', 'c-1')!;
      expect(row).toMatchObject({ consentId: 'c-1', givenAt: '2026-03-01T00:00:00.000Z', purposes: ['marketing', 'personalization'], givenBy: given.id, lastPosition: 2 });
      expect(row.withdrawals).toEqual([{ at: '2026-03-10T00:00:00.000Z', purposes: 'all', eventId: withdrawn.id }]);
      expect(consentStatus(row)).toBe('withdrawn');
    });
  });

  it('a withdrawal by purpose reaches every consent of the subject that covers it — one given in the same batch too — and no one else\'s', () => {
    const withdrawn = withdrawal({ consentId: undefined, purposes: ['marketing'] });
    spec.given([consent('c-1', ['marketing', 'personalization']), consent('c-other', ['marketing'], '2026-03-01T00:00:00Z', { id: 'u-2' })])
      .when([consent('c-2', ['marketing'], '2026-03-05T00:00:00Z'), consent('c-3', ['analytics'], '2026-03-05T00:00:00Z'), withdrawn])
      .then(({ state, rows }) => {
        expect(rows.map((row) => row.key)).toEqual([['u-1', 'c-1'], ['u-1', 'c-2'], ['u-1', 'c-3'], ['u-2', 'c-other']]);
        expect(consentStatus(state('u-1', 'c-1')!)).toBe('partially-withdrawn');
        expect(state('u-1', 'c-1')!.withdrawals).toEqual([{ at: '2026-03-10T00:00:00.000Z', purposes: ['marketing'], eventId: withdrawn.id }]);
        expect(consentStatus(state('u-1', 'c-2')!)).toBe('withdrawn');
        // A consent that never covered the purpose is not touched by its withdrawal.
        expect(state('u-1', 'c-3')).toMatchObject({ withdrawals: [], lastPosition: 4 });
        expect(consentStatus(state('u-2', 'c-other')!)).toBe('active');
      });
  });

  it('refusing a purpose nothing was consented to (cookies) is recorded as a refusal at its position', () => {
    const refusal = withdrawal({ consentId: undefined, purposes: ['personalization'] });
    spec.given([consent('c-other', ['marketing'], '2026-03-01T00:00:00Z', { id: 'u-2' })]).when([refusal]).then(({ state }) => {
      const row = state('u-1', 'refusal@2')!;
      expect(row).toMatchObject({ consentId: 'refusal@2', givenAt: null, purposes: ['personalization'], givenBy: null,
        withdrawals: [{ at: '2026-03-10T00:00:00.000Z', purposes: ['personalization'], eventId: refusal.id }] });
      expect(consentStatus(row)).toBe('refused');
    });
  });
});
