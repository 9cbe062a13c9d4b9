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
  version: 2,
  table: 'rm_subject_requests',
  key: ['subject_id', 'request_id'],
  keysOf: ({ event }) => {
    if (event.type === 'SubjectRequestReceived' || event.type === 'SubjectRequestCompleted') return [[event.subject.id, event.data.requestId]];
    return event.type === 'DataRectified' && event.data.requestId ? [[event.subject.id, event.data.requestId]] : [];
  },
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
    // A rectification that names a request answers it (a later SubjectRequestCompleted may still restate the outcome).
    if (event.type === 'DataRectified' && base.completedAt === null) {
      return { ...base, lastPosition: position, kind: base.kind ?? 'rectification', completedAt: event.occurredAt, outcome: 'fulfilled', evidence: [...base.evidence, event.id] };
    }
    return state;
  },
});
