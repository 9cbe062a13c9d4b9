/** Who used or passed on which subject's data, when, and for what. */
import { fromJson, json, logProjection } from '../projection.js';
import { statement, type ReadSource } from '../projection-context.js';

export const accessLog = logProjection({
  name: 'access-log',
  version: 4,
  table: 'rm_access_log',
  columns: ['position', 'subject_id', 'event_id', 'occurred_at', 'actor_kind', 'actor_id', 'action', 'target', 'purpose', 'categories'],
  uniqueBy: ['position', 'subject_id'],
  indexes: 'CREATE INDEX IF NOT EXISTS rm_access_log_by_subject ON rm_access_log (subject_id, position);',
  rowsOf({ position, event }) {
    const common = { position, event_id: event.id, occurred_at: event.occurredAt, actor_kind: event.actor.kind, actor_id: event.actor.id };
    switch (event.type) {
      case 'DataUsed':
        // An automated decision about the person (GDPR Art. 22, 15(1)(h); PIPL Art. 24) is told apart: they may ask about it.
        return [{ ...common, subject_id: event.subject.id, action: event.data.automatedDecision ? 'decided' : 'used', target: event.data.system, purpose: event.data.purpose, categories: json(event.data.categories) }];
      case 'DataShared':
        return [{ ...common, subject_id: event.subject.id, action: 'shared', target: event.data.recipient.id, purpose: event.data.purpose, categories: json(event.data.categories) }];
      case 'DataTransferredAbroad':
        return [{ ...common, subject_id: event.subject.id, action: 'transferred-abroad', target: event.data.recipient.id, purpose: event.data.purpose, categories: json(event.data.categories) }];
      case 'DataViewed':
        // Values shown by the ledger's own API: "who looked at my data" answers from here too.
        // One event may name many people (a page of the timeline): each gets their row.
        if (event.data.subjects) {
          return event.data.subjects.map(({ id, categories }) => ({ ...common, subject_id: id, action: 'viewed', target: event.data.operation, purpose: null, categories: json(categories) }));
        }
        return event.subject ? [{ ...common, subject_id: event.subject.id, action: 'viewed', target: event.data.operation, purpose: null, categories: json(event.data.categories) }] : [];
      default:
        return [];
    }
  },
});

export interface AccessRow {
  eventId: string; occurredAt: string; actor: { kind: string; id: string }; action: string; target: string; purpose: string | null; categories: string[];
}

interface AccessTableRow { event_id: string; occurred_at: string; actor_kind: string; actor_id: string; action: string; target: string; purpose: string | null; categories: string }

/** Who used, shared, sent abroad or viewed a subject's data, in log order. */
export function readAccessLog(db: ReadSource, subjectId: string): AccessRow[] {
  return statement<[string], AccessTableRow>(db, 'SELECT * FROM rm_access_log WHERE subject_id = ? ORDER BY position').all(subjectId).map((r) => ({
    eventId: r.event_id, occurredAt: r.occurred_at, actor: { kind: r.actor_kind, id: r.actor_id },
    action: r.action, target: r.target, purpose: r.purpose, categories: fromJson<string[]>(r.categories),
  }));
}
