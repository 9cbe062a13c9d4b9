/** Per subject: when first and last seen, whether and when erased, what arrived after erasure. */
import { keyedProjection } from '../projection.js';
import { statement, type ReadSource } from '../projection-context.js';

export interface SubjectState {
  lastPosition: number;
  firstSeenAt: string;
  lastSeenAt: string;
  events: number;
  erasedAt: string | null;
  erasureEventIds: string[];
  eventsAfterErasure: number;
}

export const subjects = keyedProjection<SubjectState>({
  name: 'subjects',
  version: 1,
  table: 'rm_subjects',
  key: ['subject_id'],
  keysOf: ({ event }) => (event.subject ? [[event.subject.id]] : []),
  evolve(state, { position, event }) {
    const at = event.occurredAt;
    const next: SubjectState = state ?? {
      lastPosition: 0, firstSeenAt: at, lastSeenAt: at, events: 0, erasedAt: null, erasureEventIds: [], eventsAfterErasure: 0,
    };
    const erasure = event.type === 'SubjectErased';
    return {
      lastPosition: position,
      firstSeenAt: at < next.firstSeenAt ? at : next.firstSeenAt,
      lastSeenAt: at > next.lastSeenAt ? at : next.lastSeenAt,
      events: next.events + 1,
      erasedAt: erasure ? at : next.erasedAt,
      erasureEventIds: erasure ? [...next.erasureEventIds, event.id] : next.erasureEventIds,
      eventsAfterErasure: !erasure && next.erasedAt !== null ? next.eventsAfterErasure + 1 : next.eventsAfterErasure,
    };
  },
});

/** Subjects whose id starts with `prefix`, after `after`, in id order (ids are ASCII by the contract: a range scan). */
export function readSubjectsByPrefix(db: ReadSource, prefix: string, after: string, limit: number): (SubjectState & { subjectId: string })[] {
  return statement<[string, string, string, number], { subject_id: string; state: string }>(db,
    'SELECT subject_id, state FROM rm_subjects WHERE subject_id >= ? AND subject_id < ? AND subject_id > ? ORDER BY subject_id LIMIT ?')
    .all(prefix, `${prefix}\u007f`, after, limit)
    .map((row) => ({ ...(JSON.parse(row.state) as SubjectState), subjectId: row.subject_id }));
}
