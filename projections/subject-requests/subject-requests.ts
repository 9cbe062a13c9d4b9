/**
 * Subject requests (access, erasure…): when received, when completed, with what outcome — and,
 * beside the model, its readers: each request's deadline by the policy in force when it came in,
 * the schedule of those received by a moment, and one view of where a request stands.
 */
import type { ReadSource } from '../projection-context.js';
import { addDuration } from '../../schemas/duration.js';
import { policyAt } from '../policies/policy-in-force.js';
import { keyedProjection } from '../projection.js';

export interface SubjectRequestState {
  lastPosition: number;
  kind: string | null;
  receivedAt: string | null;
  completedAt: string | null;
  outcome: string | null;
  /** Present only when a refusal said why (absent on every row before the field existed, so rebuilds stay identical). */
  refusalReason?: string;
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
      const { refusalReason: _earlier, ...rest } = base;
      return {
        ...rest, lastPosition: position, kind: base.kind ?? event.data.kind ?? null, completedAt: event.occurredAt,
        outcome: event.data.outcome ?? 'fulfilled', ...(event.data.refusalReason ? { refusalReason: event.data.refusalReason } : {}), evidence: [...base.evidence, event.id],
      };
    }
    // A rectification that names a request answers it (a later SubjectRequestCompleted may still restate the outcome).
    if (event.type === 'DataRectified' && base.completedAt === null) {
      return { ...base, lastPosition: position, kind: base.kind ?? 'rectification', completedAt: event.occurredAt, outcome: 'fulfilled', evidence: [...base.evidence, event.id] };
    }
    return state;
  },
});

export interface RequestEntry extends SubjectRequestState { subjectId: string; requestId: string; deadline: string; policyVersion: string }

/** A subject request's deadline, by the policy in force when it was received. */
export function requestDeadline(db: ReadSource, receivedAt: string): { deadline: string; policyVersion: string } {
  const policy = policyAt(db, receivedAt);
  return { deadline: addDuration(receivedAt, policy.document.subjectRequests.deadline), policyVersion: policy.version };
}

/** Every request received by `asOf`, with its deadline, in (subject, request) order. */
export function readRequestSchedule(db: ReadSource, asOf: string): RequestEntry[] {
  return subjectRequests.readPrefix(db, []).flatMap(({ key, state }): RequestEntry[] => (state.receivedAt === null || state.receivedAt > asOf ? []
    : [{ ...state, subjectId: String(key[0]), requestId: String(key[1]), ...requestDeadline(db, state.receivedAt) }]));
}

/** Whole days from `now` until `deadline`; negative once it has passed. */
export const daysUntil = (deadline: string, now: string): number => Math.floor((Date.parse(deadline) - Date.parse(now)) / 86_400_000);

export type RequestStatus = 'open' | 'overdue' | 'completed';

/** Where a request stands at `now`: completed, or open with the whole days left until its deadline (negative: overdue). */
export function requestView(request: Pick<SubjectRequestState, 'completedAt'>, deadline: string | null, now: string): { deadline: string | null; status: RequestStatus; daysLeft: number | null } {
  const completed = request.completedAt !== null && request.completedAt <= now;
  const status: RequestStatus = completed ? 'completed' : deadline !== null && deadline < now ? 'overdue' : 'open';
  const daysLeft = deadline !== null && !completed ? daysUntil(deadline, now) : null;
  return { deadline, status, daysLeft };
}
