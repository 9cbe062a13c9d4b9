/** Per subject: when first and last seen, whether and when erased, what arrived after erasure. */
import { keyedProjection } from '../projection.js';

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
