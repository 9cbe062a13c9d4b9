/** Impact assessments by id: what each covers, its conclusion and when it was completed (a later one under the same id replaces it). */
import type { EventOf } from '../../schemas/event.js';
import { keyedProjection } from '../projection.js';

export interface AssessmentState {
  lastPosition: number;
  assessmentId: string;
  completedAt: string;
  scope: EventOf<'ImpactAssessmentCompleted'>['data']['scope'];
  conclusion: EventOf<'ImpactAssessmentCompleted'>['data']['conclusion'];
  reference: string | null;
  eventId: string;
}

export const impactAssessments = keyedProjection<AssessmentState>({
  name: 'impact-assessments',
  version: 1,
  table: 'rm_impact_assessments',
  key: ['assessment_id'],
  keysOf: ({ event }) => (event.type === 'ImpactAssessmentCompleted' ? [[event.data.assessmentId]] : []),
  evolve(state, { position, event }) {
    if (event.type !== 'ImpactAssessmentCompleted') return state;
    return {
      lastPosition: position, assessmentId: event.data.assessmentId, completedAt: event.occurredAt, scope: event.data.scope,
      conclusion: event.data.conclusion, reference: event.data.reference ?? null, eventId: event.id,
    };
  },
});
