/** Everyone a subject's data went to, and each transfer abroad as the cross-border rules and the API read it. */
import { describe, expect, it } from 'vitest';
import { readRecipients, readTransfers, recipients, transfers } from '../../../projections/recipients/recipients.js';
import { anEvent } from '../../fixtures/events.js';
import { keyedSpecification, projectionSpecification } from '../../fixtures/projection-specification.js';

const S = { id: 'u-1' };
const shared = (at: string, data: Record<string, unknown> = {}) => anEvent('DataShared', { subject: S, occurredAt: at, data });
const abroad = (at: string, subject = S) => anEvent('DataTransferredAbroad', { subject, occurredAt: at });

describe('recipients', () => {
  it('one row per subject and recipient: every category, purpose and basis, first and last share, the requests answered, abroad once sent abroad', () => {
    const first = shared('2026-04-05T00:00:00Z');
    const second = shared('2026-04-01T00:00:00Z', { categories: ['contact.email'], legalRequestId: 'lr-2' });
    keyedSpecification(recipients).given([first]).when([second, abroad('2026-04-11T00:00:00Z')]).then(({ state, rows }) => {
      expect(rows.map((row) => row.key)).toEqual([['u-1', 'crm-us'], ['u-1', 'psb-sh']]);
      expect(state('u-1', 'psb-sh')).toEqual({
        lastPosition: 2, name: 'Shanghai PSB', kind: 'authority', region: 'CN', categories: ['contact.email', 'contact.phone'],
        purposes: ['legal-compliance'], legalBases: ['legal-obligation'], firstSharedAt: '2026-04-01T00:00:00.000Z', lastSharedAt: '2026-04-05T00:00:00.000Z',
        shares: 2, abroad: false, legalRequestIds: ['lr-1', 'lr-2'], evidence: [first.id, second.id],
      });
      // A transfer claims no legal basis of its own (its mechanism is in the transfer).
      expect(state('u-1', 'crm-us')).toMatchObject({ abroad: true, legalBases: [], shares: 1, region: 'US' });
    });
  });

  it('read per subject, by recipient id', () => {
    projectionSpecification(recipients).given([shared('2026-04-05T00:00:00Z'), abroad('2026-04-11T00:00:00Z', { id: 'u-2' })]).when([]).then(({ db }) => {
      expect(readRecipients(db, 'u-1').map((r) => r.id)).toEqual(['psb-sh']);
      expect(readRecipients(db, 'u-2').map((r) => [r.id, r.abroad])).toEqual([['crm-us', true]]);
    });
  });
});

describe('transfers', () => {
  it('each transfer abroad, in log order, a subject\'s or everyone\'s; a share at home is none', () => {
    const one = abroad('2026-04-11T00:00:00Z');
    const other = abroad('2026-04-12T00:00:00Z', { id: 'u-2' });
    projectionSpecification(transfers).given([one, shared('2026-04-05T00:00:00Z')]).when([other]).then(({ db }) => {
      expect(readTransfers(db, 'u-1')).toEqual([{
        position: 1, eventId: one.id, subjectId: 'u-1', occurredAt: '2026-04-11T00:00:00.000Z',
        recipient: { id: 'crm-us', name: 'CRM Inc', kind: 'processor', region: 'US' }, fromRegion: 'CN', toRegion: 'US',
        categories: ['contact.email'], purpose: 'service-provision', mechanism: 'standard-contract', securityMeasures: ['encryption at rest'],
        risks: ['foreign authority access'], consentId: 'c-2',
      }]);
      expect(readTransfers(db).map((t) => [t.position, t.subjectId])).toEqual([[1, 'u-1'], [3, 'u-2']]);
    });
  });
});
