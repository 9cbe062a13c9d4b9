/** Subject requests (access, erasure…): when received, when completed, with what outcome. */
import { keyedProjection } from '../projection.js';

export interface SubjectRequestState {
  lastPosition: number;
  kind: string | null;
  receivedAt: string | null;
  completedAt: string | null;
  outcome: string | null;
  evidence: string[];
}

export const subjectRequests = keyedProjection<SubjectRequestState>({
  name: 'subject-requests',
  version: 1,
  table: 'rm_subject_requests',
  key: ['subject_id', 'request_id'],
  keysOf: ({ event }) =>
    (event.type === 'SubjectRequestReceived' || event.type === 'SubjectRequestCompleted') ? [[event.subject.id, event.data.requestId]] : [],
  evolve(state, { position, event }) {
    const base: SubjectRequestState = state ?? { lastPosition: 0, kind: null, receivedAt: null, completedAt: null, outcome: null, evidence: [] };
    if (event.type === 'SubjectRequestReceived') {
      return { ...base, lastPosition: position, kind: event.data.kind, receivedAt: event.occurredAt, evidence: [...base.evidence, event.id] };
    }
    if (event.type === 'SubjectRequestCompleted') {
      return {
        ...base, lastPosition: position, kind: base.kind ?? event.data.kind ?? null, completedAt: event.occurredAt,
        outcome: event.data.outcome ?? 'fulfilled', evidence: [...base.evidence, event.id],
      };
    }
    return state;
  },
});
