/** The forensics timeline's index: every event by subject, type, actor and time, and tagged by category and system. */
import { categoriesOf, systemsOf } from '../event-facts.js';
import { logProjection } from '../projection.js';

export const eventIndex = logProjection({
  name: 'event-index',
  version: 1,
  table: 'rm_event_index',
  columns: ['position', 'event_id', 'type', 'subject_id', 'occurred_at', 'actor_kind', 'actor_id'],
  uniqueBy: ['position'],
  indexes: `CREATE INDEX IF NOT EXISTS rm_event_index_by_subject ON rm_event_index (subject_id, position);
CREATE INDEX IF NOT EXISTS rm_event_index_by_type ON rm_event_index (type, position);
CREATE INDEX IF NOT EXISTS rm_event_index_by_actor ON rm_event_index (actor_id, position);
CREATE INDEX IF NOT EXISTS rm_event_index_by_time ON rm_event_index (occurred_at);`,
  rowsOf: ({ position, event }) => [{
    position, event_id: event.id, type: event.type, subject_id: event.subject?.id ?? null, occurred_at: event.occurredAt,
    actor_kind: event.actor.kind, actor_id: event.actor.id,
  }],
});

export const eventTags = logProjection({
  name: 'event-tags',
  version: 1,
  table: 'rm_event_tags',
  columns: ['tag', 'value', 'position'],
  uniqueBy: ['tag', 'value', 'position'],
  rowsOf: ({ position, event }) => {
    const categories = categoriesOf(event);
    return [
      ...(categories === 'all' ? ['all'] : categories).map((value) => ({ tag: 'category', value, position })),
      ...systemsOf(event).map((value) => ({ tag: 'system', value, position })),
    ];
  },
});
