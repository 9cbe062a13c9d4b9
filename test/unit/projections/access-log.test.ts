/** Who used, shared, sent abroad, decided on or viewed a subject's data, in log order. */
import { describe, expect, it } from 'vitest';
import { accessLog, readAccessLog } from '../../../projections/access-log/access-log.js';
import { anEvent } from '../../fixtures/events.js';
import { projectionSpecification } from '../../fixtures/projection-specification.js';

const S = { id: 'u-1' };
const actor = { kind: 'system', id: 'signup-service' };

describe('access log', () => {
  it('a use, an automated decision, a share and a transfer abroad, each with its target and purpose; a collection is no access', () => {
    const used = anEvent('DataUsed', { subject: S, occurredAt: '2026-03-01T00:00:00Z' });
    const decided = anEvent('DataUsed', { subject: S, occurredAt: '2026-03-02T00:00:00Z', data: { system: 'fraud-scoring', automatedDecision: true } });
    const shared = anEvent('DataShared', { subject: S, occurredAt: '2026-03-03T00:00:00Z' });
    const abroad = anEvent('DataTransferredAbroad', { subject: S, occurredAt: '2026-03-04T00:00:00Z' });
    projectionSpecification(accessLog).given([anEvent('DataCollected', { subject: S }), used]).when([decided, shared, abroad]).then(({ db }) => {
      expect(readAccessLog(db, 'u-1')).toEqual([
        { eventId: used.id, occurredAt: '2026-03-01T00:00:00.000Z', actor, action: 'used', target: 'risk-engine', purpose: 'service-security', categories: ['contact.phone'] },
        { eventId: decided.id, occurredAt: '2026-03-02T00:00:00.000Z', actor, action: 'decided', target: 'fraud-scoring', purpose: 'service-security', categories: ['contact.phone'] },
        { eventId: shared.id, occurredAt: '2026-03-03T00:00:00.000Z', actor, action: 'shared', target: 'psb-sh', purpose: 'legal-compliance', categories: ['contact.phone'] },
        { eventId: abroad.id, occurredAt: '2026-03-04T00:00:00.000Z', actor, action: 'transferred-abroad', target: 'crm-us', purpose: 'service-provision', categories: ['contact.email'] },
      ]);
    });
  });

  it('a view of one person is theirs; a view naming many (a page of the timeline) is in each one\'s log with their own categories', () => {
    const viewer = { kind: 'employee', id: 'api-key:k-1' };
    const one = anEvent('DataViewed', { subject: S, actor: viewer, occurredAt: '2026-03-05T00:00:00Z' });
    const { subject: _, ...page } = anEvent('DataViewed', { actor: viewer, occurredAt: '2026-03-06T00:00:00Z', data: {
      categories: ['contact.email', 'contact.phone'], operation: 'events', subjects: [{ id: 'u-1', categories: ['contact.phone'] }, { id: 'u-2', categories: ['contact.email'] }] } });
    projectionSpecification(accessLog).given([one]).when([page]).then(({ db }) => {
      expect(readAccessLog(db, 'u-1').map((r) => [r.eventId, r.action, r.target, r.purpose, r.categories])).toEqual([
        [one.id, 'viewed', 'subjectAccess', null, ['contact.email']], [page.id, 'viewed', 'events', null, ['contact.phone']],
      ]);
      expect(readAccessLog(db, 'u-2').map((r) => [r.eventId, r.categories])).toEqual([[page.id, ['contact.email']]]);
    });
  });
});
