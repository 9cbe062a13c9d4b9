/**
 * Incident forensics, computed from the log as it stood at the time: for each subject, system
 * and category, the intervals during which the data was stored there, and every use by a
 * system. An incident's impact is whoever had data in its systems during its window.
 */
import { categoriesOf } from '../event-facts.js';
import { json, keyedProjection, logProjection, type Key } from '../projection.js';

export interface IncidentState {
  lastPosition: number;
  systems: string[];
  window: { from: string; to: string } | null;
  description: string | null;
  openedAt: string | null;
  closedAt: string | null;
  evidence: string[];
}

export const incidents = keyedProjection<IncidentState>({
  name: 'incidents',
  version: 1,
  table: 'rm_incidents',
  key: ['incident_id'],
  keysOf: ({ event }) => (event.type === 'IncidentOpened' || event.type === 'IncidentClosed' ? [[event.data.incidentId]] : []),
  evolve(state, { position, event }) {
    const base: IncidentState = state ?? { lastPosition: 0, systems: [], window: null, description: null, openedAt: null, closedAt: null, evidence: [] };
    if (event.type === 'IncidentOpened') {
      return {
        ...base, lastPosition: position, systems: [...event.data.systems].sort(), window: event.data.window, description: event.data.description,
        openedAt: event.occurredAt, evidence: [...base.evidence, event.id],
      };
    }
    if (event.type === 'IncidentClosed') {
      // A close may restate the final scope: it replaces what the opening said.
      return {
        ...base, lastPosition: position, systems: event.data.systems ? [...event.data.systems].sort() : base.systems,
        window: event.data.window ?? base.window, description: event.data.description ?? base.description,
        closedAt: event.occurredAt, evidence: [...base.evidence, event.id],
      };
    }
    return state;
  },
});

export interface Interval {
  from: string;
  to: string | null;
  collectedBy: string;
  endedBy: string | null;
  /** What the collection said, for the retention rule: its retention (else the policy's) and purposes. */
  retention: string | null;
  purposes: string[];
}
export interface StorageIntervalsState { lastPosition: number; intervals: Interval[] }

export const storageIntervals = keyedProjection<StorageIntervalsState>({
  name: 'storage-intervals',
  version: 2,
  table: 'rm_storage_intervals',
  key: ['subject_id', 'system', 'category'],
  keysOf({ event }, existing): Key[] {
    if (!event.subject) return [];
    const subject = event.subject.id;
    if (event.type === 'DataCollected') return event.data.categories.map((c) => [subject, event.data.storage.system, c]);
    if (event.type === 'SubjectErased') return existing([subject]);
    if (event.type !== 'DataDeleted') return [];
    const categories = categoriesOf(event);
    const systems = event.data.systems;
    return existing([subject]).filter(([, system, category]) =>
      (systems === undefined || systems.includes(system as string)) && (categories === 'all' || categories.includes(category as string)));
  },
  evolve(state, { position, event }) {
    const intervals = state?.intervals ?? [];
    const open = intervals.find((i) => i.to === null);
    if (event.type === 'DataCollected') {
      if (open) return { lastPosition: position, intervals };
      return {
        lastPosition: position,
        intervals: [...intervals, {
          from: event.occurredAt, to: null, collectedBy: event.id, endedBy: null, retention: event.data.retention ?? null, purposes: [...event.data.purposes].sort(),
        }],
      };
    }
    if (event.type === 'DataDeleted' || event.type === 'SubjectErased') {
      return {
        lastPosition: position,
        intervals: intervals.map((i) => (i.to === null ? { ...i, to: event.occurredAt, endedBy: event.id } : i)),
      };
    }
    return state;
  },
});

export const systemUses = logProjection({
  name: 'system-uses',
  version: 1,
  table: 'rm_system_uses',
  columns: ['position', 'event_id', 'subject_id', 'system', 'categories', 'occurred_at'],
  uniqueBy: ['position'],
  indexes: 'CREATE INDEX IF NOT EXISTS rm_system_uses_by_system ON rm_system_uses (system, occurred_at);',
  rowsOf: ({ position, event }) => event.type !== 'DataUsed' ? [] : [{
    position, event_id: event.id, subject_id: event.subject.id, system: event.data.system, categories: json(event.data.categories),
    occurred_at: event.occurredAt,
  }],
});
