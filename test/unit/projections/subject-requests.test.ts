/** Subject requests: when received, when answered, with what outcome — by a completion or by the rectification that names them. */
import { describe, expect, it } from 'vitest';
import { subjectRequests } from '../../../projections/subject-requests/subject-requests.js';
import { anEvent } from '../../fixtures/events.js';
import { keyedSpecification } from '../../fixtures/projection-specification.js';

const S = { id: 'u-1' };
const received = (requestId: string, kind: string, at = '2026-05-01T00:00:00Z') => anEvent('SubjectRequestReceived', { subject: S, occurredAt: at, data: { requestId, kind } });
const spec = keyedSpecification(subjectRequests);

describe('subject requests', () => {
  it('received, then completed: its kind, both times, and "fulfilled" when the completion names no outcome', () => {
    const request = received('r-1', 'access');
    const done = anEvent('SubjectRequestCompleted', { subject: S, occurredAt: '2026-05-10T00:00:00Z', data: { requestId: 'r-1', outcome: undefined } });
    spec.given([request]).when([done]).then(({ rows }) => {
      expect(rows).toEqual([{ key: ['u-1', 'r-1'], state: {
        lastPosition: 2, kind: 'access', receivedAt: '2026-05-01T00:00:00.000Z', completedAt: '2026-05-10T00:00:00.000Z', outcome: 'fulfilled',
        evidence: [request.id, done.id],
      } }]);
    });
  });

  it('a refusal keeps its reason; a later completion without one drops it', () => {
    const refused = anEvent('SubjectRequestCompleted', { subject: S, occurredAt: '2026-05-10T00:00:00Z', data: { requestId: 'r-1', outcome: 'rejected', refusalReason: 'identity-not-verified' } });
    const redone = anEvent('SubjectRequestCompleted', { subject: S, occurredAt: '2026-05-12T00:00:00Z', data: { requestId: 'r-1', outcome: 'fulfilled' } });
    spec.given([received('r-1', 'access')]).when([refused]).then(({ state }) => {
      expect(state('u-1', 'r-1')).toMatchObject({ outcome: 'rejected', refusalReason: 'identity-not-verified' });
    });
    spec.given([received('r-1', 'access'), refused]).when([redone]).then(({ state }) => {
      expect(state('u-1', 'r-1')).toMatchObject({ outcome: 'fulfilled' });
      expect(state('u-1', 'r-1')).not.toHaveProperty('refusalReason');
    });
  });

  it('still open: no completion yet', () => {
    spec.given([received('r-1', 'erasure')]).when([received('r-2', 'access', '2026-05-02T00:00:00Z')]).then(({ state }) => {
      expect(state('u-1', 'r-1')).toMatchObject({ kind: 'erasure', completedAt: null, outcome: null });
      expect(state('u-1', 'r-2')).toMatchObject({ kind: 'access', completedAt: null });
    });
  });

  it('a rectification naming the request answers it; a completion after it may restate the outcome', () => {
    const rectified = anEvent('DataRectified', { subject: S, occurredAt: '2026-05-03T00:00:00Z', data: { requestId: 'r-rect' } });
    spec.given([received('r-rect', 'rectification')]).when([rectified]).then(({ state }) => {
      expect(state('u-1', 'r-rect')).toMatchObject({ completedAt: '2026-05-03T00:00:00.000Z', outcome: 'fulfilled' });
    });
    const refused = anEvent('SubjectRequestCompleted', { subject: S, occurredAt: '2026-05-04T00:00:00Z', data: { requestId: 'r-rect', outcome: 'partially-fulfilled' } });
    spec.given([received('r-rect', 'rectification'), rectified]).when([refused]).then(({ state }) => {
      expect(state('u-1', 'r-rect')).toMatchObject({ completedAt: '2026-05-04T00:00:00.000Z', outcome: 'partially-fulfilled' });
    });
    // A rectification with no request received before it still answers one, of kind rectification.
    spec.given([]).when([rectified]).then(({ state }) => {
      expect(state('u-1', 'r-rect')).toMatchObject({ kind: 'rectification', receivedAt: null, completedAt: '2026-05-03T00:00:00.000Z' });
    });
  });

  it('a rectification naming no request touches none', () => {
    spec.given([received('r-1', 'access')]).when([anEvent('DataRectified', { subject: S, data: { requestId: undefined } })]).then(({ rows }) => {
      expect(rows.map(({ key, state }) => [key, state.completedAt])).toEqual([[['u-1', 'r-1'], null]]);
    });
  });
});
