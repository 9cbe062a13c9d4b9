/** The transparency report: legal requests by id, and every disclosure to an authority — only to an authority. */
import { describe, expect, it } from 'vitest';
import { disclosures, legalRequests, readDisclosures, readLegalRequests } from '../../../projections/legal-requests/legal-requests.js';
import { anEvent } from '../../fixtures/events.js';
import { keyedSpecification, projectionSpecification } from '../../fixtures/projection-specification.js';

const request = anEvent('LegalRequestReceived', { occurredAt: '2026-04-01T00:00:00Z', data: { categories: ['contact.phone', 'contact.email'] } });
const toPolice = anEvent('DataShared', { subject: { id: 'u-1' }, occurredAt: '2026-04-02T00:00:00Z' });
const toAdNetwork = anEvent('DataShared', { subject: { id: 'u-2' }, occurredAt: '2026-04-03T00:00:00Z', data: {
  recipient: { id: 'ads', name: 'Ad Network', kind: 'third-party', region: 'CN' }, purpose: 'marketing', legalBasis: 'consent', legalRequestId: undefined } });
const unasked = anEvent('DataShared', { subject: { id: 'u-3' }, occurredAt: '2026-04-04T00:00:00Z', data: { legalRequestId: undefined } });

describe('legal requests', () => {
  it('a request: its authority, instrument, reference and categories, when received, with its evidence', () => {
    keyedSpecification(legalRequests).given([]).when([request]).then(({ rows }) => {
      expect(rows).toEqual([{ key: ['lr-1'], state: {
        lastPosition: 1, authority: 'Shanghai PSB', instrument: 'subpoena', reference: '(2026) No. 17', categories: ['contact.email', 'contact.phone'],
        receivedAt: '2026-04-01T00:00:00.000Z', subjectId: null, evidence: [request.id],
      } }]);
    });
  });

  it('disclosures: every share with an authority, in log order, with the request it answered (or none); a share with anyone else is not one', () => {
    projectionSpecification(legalRequests, disclosures).given([request]).when([toPolice, toAdNetwork, unasked]).then(({ db }) => {
      expect(readLegalRequests(db).map((r) => r.requestId)).toEqual(['lr-1']);
      expect(readDisclosures(db)).toEqual([
        { position: 2, eventId: toPolice.id, subjectId: 'u-1', occurredAt: '2026-04-02T00:00:00.000Z', recipientId: 'psb-sh', recipientName: 'Shanghai PSB',
          recipientRegion: 'CN', legalRequestId: 'lr-1', categories: ['contact.phone'], purpose: 'legal-compliance', legalBasis: 'legal-obligation' },
        expect.objectContaining({ position: 4, eventId: unasked.id, subjectId: 'u-3', legalRequestId: null }),
      ]);
    });
  });
});
