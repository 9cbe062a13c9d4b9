/** Impact assessments by id: what each covers and concludes; a later one under the same id replaces it. */
import { describe, expect, it } from 'vitest';
import { impactAssessments } from '../../../projections/impact-assessments/impact-assessments.js';
import { anEvent } from '../../fixtures/events.js';
import { keyedSpecification } from '../../fixtures/projection-specification.js';

describe('impact assessments', () => {
  it('one row per assessment id, the latest completion standing', () => {
    const first = anEvent('ImpactAssessmentCompleted', { occurredAt: '2026-01-01T00:00:00Z', data: { conclusion: 'not-acceptable' } });
    const other = anEvent('ImpactAssessmentCompleted', { occurredAt: '2026-01-02T00:00:00Z', data: { assessmentId: 'dpia-2', scope: {}, reference: 'DPIA-2026-2' } });
    const redone = anEvent('ImpactAssessmentCompleted', { occurredAt: '2026-02-01T00:00:00Z' });
    keyedSpecification(impactAssessments).given([first, other]).when([redone]).then(({ rows }) => {
      expect(rows).toEqual([
        { key: ['dpia-1'], state: {
          lastPosition: 3, assessmentId: 'dpia-1', completedAt: '2026-02-01T00:00:00.000Z', conclusion: 'acceptable', reference: null, eventId: redone.id,
          scope: { purposes: ['service-provision'], recipientKinds: ['processor'], toRegions: ['US'] },
        } },
        { key: ['dpia-2'], state: {
          lastPosition: 2, assessmentId: 'dpia-2', completedAt: '2026-01-02T00:00:00.000Z', conclusion: 'acceptable', reference: 'DPIA-2026-2', eventId: other.id, scope: {},
        } },
      ]);
    });
  });
});
