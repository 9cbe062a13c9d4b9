/** Service shutdowns and the notices that went out about them (and about anything else). */
import { keyedProjection, logProjection } from '../projection.js';

export interface ShutdownState {
  lastPosition: number;
  systems: string[];
  announcedAt: string;
  effectiveAt: string;
  deletionDeadline: string;
  eventId: string;
}

export const shutdowns = keyedProjection<ShutdownState>({
  name: 'shutdowns',
  version: 1,
  table: 'rm_shutdowns',
  key: ['service'],
  keysOf: ({ event }) => (event.type === 'ServiceShutdownAnnounced' ? [[event.data.service]] : []),
  evolve(state, { position, event }) {
    if (event.type !== 'ServiceShutdownAnnounced') return state;
    return {
      lastPosition: position, systems: [...event.data.systems].sort(), announcedAt: event.occurredAt, effectiveAt: event.data.effectiveAt,
      deletionDeadline: event.data.deletionDeadline, eventId: event.id,
    };
  },
});

export const notices = logProjection({
  name: 'notices',
  version: 2,
  table: 'rm_notices',
  columns: ['position', 'event_id', 'subject_id', 'service', 'topic', 'channel', 'occurred_at'],
  uniqueBy: ['position'],
  indexes: 'CREATE INDEX IF NOT EXISTS rm_notices_by_topic ON rm_notices (topic, service);',
  rowsOf: ({ position, event }) => event.type !== 'SubjectNotified' ? [] : [{
    position, event_id: event.id, subject_id: event.subject?.id ?? null, service: event.data.service ?? null, topic: event.data.topic,
    channel: event.data.channel, occurred_at: event.occurredAt,
  }],
});
