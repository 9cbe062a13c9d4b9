/** The forensics timeline's index: every event by subject, type, actor and time, and tagged by category and system. */
import { categoriesOf, systemsOf } from '../event-facts.js';
import { logProjection } from '../projection.js';
import { statement, type ReadSource } from '../projection-context.js';
import { ValidationError } from '../../services/errors.js';

export const eventIndex = logProjection({
  name: 'event-index',
  version: 4,
  table: 'rm_event_index',
  // Both clocks: when it happened (as its producer says) and when the ledger recorded it — as milliseconds since
  // 1970 (6 bytes, not 24 of text; the log keeps both normalised to UTC milliseconds, so nothing is lost).
  columns: ['position', 'event_id', 'type', 'subject_id', 'occurred_at', 'recorded_at', 'actor_kind', 'actor_id'],
  uniqueBy: ['position'],
  integers: ['occurred_at', 'recorded_at'],
  // The timeline's filters; nothing reads them while applying events.
  queryIndexes: `CREATE INDEX IF NOT EXISTS rm_event_index_by_subject ON rm_event_index (subject_id, position);
CREATE INDEX IF NOT EXISTS rm_event_index_by_type ON rm_event_index (type, position);
CREATE INDEX IF NOT EXISTS rm_event_index_by_actor ON rm_event_index (actor_id, position);
CREATE INDEX IF NOT EXISTS rm_event_index_by_time ON rm_event_index (occurred_at);
CREATE INDEX IF NOT EXISTS rm_event_index_by_id ON rm_event_index (event_id);`,
  rowsOf: ({ position, recordedAt, event }) => [{
    position, event_id: event.id, type: event.type, subject_id: event.subject?.id ?? null, occurred_at: Date.parse(event.occurredAt), recorded_at: Date.parse(recordedAt),
    actor_kind: event.actor.kind, actor_id: event.actor.id,
  }],
});

export const eventTags = logProjection({
  name: 'event-tags',
  version: 2,
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

/** An event's two clocks: when it happened, and when the ledger recorded it (README "Two clocks"). */
export interface EventTimes { readonly eventId: string; readonly type: string; readonly position: number; readonly occurredAt: string; readonly recordedAt: string }

/** The two clocks of each of these events the index holds. */
export function readEventTimes(db: ReadSource, eventIds: readonly string[]): Map<string, EventTimes> {
  if (eventIds.length === 0) return new Map();
  return new Map(statement<[string], { event_id: string; type: string; position: number; occurred_at: number; recorded_at: number }>(db,
    'SELECT event_id, type, position, occurred_at, recorded_at FROM rm_event_index WHERE event_id IN (SELECT value FROM json_each(?))')
    .all(JSON.stringify([...new Set(eventIds)]))
    .map((row) => [row.event_id, { eventId: row.event_id, type: row.type, position: row.position, occurredAt: isoOf(row.occurred_at), recordedAt: isoOf(row.recorded_at) }]));
}

/** What the forensics timeline filters by. */
export interface EventFilter {
  subjectId?: string | null;
  type?: string | null;
  category?: string | null;
  system?: string | null;
  actorId?: string | null;
  actorKind?: string | null;
  from?: string | null;
  to?: string | null;
}

/** Positions of events matching the filter, after a position, in order. */
export function readEventPositions(db: ReadSource, filter: EventFilter, after: number, limit: number): number[] {
  const { where, params } = filterSql(filter);
  return statement<unknown[], { position: number }>(db, 
    `SELECT i.position FROM rm_event_index i WHERE i.position > ? AND ${where} ORDER BY i.position LIMIT ?`)
    .all(after, ...params, limit).map((r) => r.position);
}

/** Positions of events matching the filter, before a position, newest first. */
export function readEventPositionsNewest(db: ReadSource, filter: EventFilter, before: number, limit: number): number[] {
  const { where, params } = filterSql(filter);
  return statement<unknown[], { position: number }>(db,
    `SELECT i.position FROM rm_event_index i WHERE i.position < ? AND ${where} ORDER BY i.position DESC LIMIT ?`)
    .all(before, ...params, limit).map((r) => r.position);
}

/** The ids that start with this prefix (at most `limit`): a short id shown on a page, resolved when it names one event. */
export function eventIdsStartingWith(db: ReadSource, prefix: string, limit = 2): string[] {
  return statement<[string, string, number], { event_id: string }>(db, 'SELECT event_id FROM rm_event_index WHERE event_id >= ? AND event_id < ? ORDER BY event_id LIMIT ?')
    .all(prefix, `${prefix}\uffff`, limit).map((row) => row.event_id);
}

export function countEvents(db: ReadSource, filter: EventFilter): number {
  const { where, params } = filterSql(filter);
  return statement<unknown[], { n: number }>(db, `SELECT COUNT(*) AS n FROM rm_event_index i WHERE ${where}`).get(...params)!.n;
}

function filterSql(filter: EventFilter): { where: string; params: (string | number)[] } {
  const where: string[] = ['1 = 1'];
  const params: (string | number)[] = [];
  const add = (clause: string, value: string | number | null | undefined) => {
    if (value === undefined || value === null) return;
    where.push(clause);
    params.push(value);
  };
  add('i.subject_id = ?', filter.subjectId);
  add('i.type = ?', filter.type);
  add('i.actor_id = ?', filter.actorId);
  add('i.actor_kind = ?', filter.actorKind);
  add('i.occurred_at >= ?', millisOf(filter.from, 'from'));
  add('i.occurred_at <= ?', millisOf(filter.to, 'to'));
  add("EXISTS (SELECT 1 FROM rm_event_tags t WHERE t.tag = 'category' AND t.value IN (?, 'all') AND t.position = i.position)", filter.category);
  add("EXISTS (SELECT 1 FROM rm_event_tags t WHERE t.tag = 'system' AND t.value = ? AND t.position = i.position)", filter.system);
  return { where: where.join(' AND '), params };
}

/** The position of an event by its id, or null. */
export function readEventPosition(db: ReadSource, eventId: string): number | null {
  return statement<[string], { position: number }>(db, 'SELECT position FROM rm_event_index WHERE event_id = ?').get(eventId)?.position ?? null;
}

/** What each of these events was, when and about whom, in log order (a report's evidence appendix). */
export function readCitedEvents(db: ReadSource, eventIds: readonly string[]): { eventId: string; position: number; type: string; occurredAt: string; subjectId: string | null }[] {
  return statement<[string], { event_id: string; position: number; type: string; occurred_at: number; subject_id: string | null }>(db,
    'SELECT event_id, position, type, occurred_at, subject_id FROM rm_event_index WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY position')
    .all(JSON.stringify([...new Set(eventIds)]))
    .map((row) => ({ eventId: row.event_id, position: row.position, type: row.type, occurredAt: isoOf(row.occurred_at), subjectId: row.subject_id }));
}

/** A time the index keeps (milliseconds since 1970), as the log writes it: ISO 8601 in UTC with milliseconds. */
const isoOf = (millis: number): string => new Date(millis).toISOString();

/** A filter's bound as the index compares it — the instant, whatever zone it was written in. */
function millisOf(at: string | null | undefined, name: string): number | null {
  if (at === undefined || at === null) return null;
  const millis = Date.parse(at);
  if (Number.isNaN(millis)) throw new ValidationError(`${name}: expected an ISO 8601 date-time, e.g. 2026-11-28T10:15:00Z`);
  return millis;
}
