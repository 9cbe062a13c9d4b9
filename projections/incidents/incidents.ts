/**
 * Incident forensics, computed from the log as it stood at the time: for each subject, system
 * and category, the intervals during which the data was stored there, and every use by a
 * system. An incident's impact is whoever had data in its systems during its window.
 */
import { categoriesOf } from '../event-facts.js';
import { fromJson, json, keyedProjection, logProjection, type Key } from '../projection.js';
import { statement, type ReadSource } from '../projection-context.js';

export interface IncidentState {
  lastPosition: number;
  systems: string[];
  window: { from: string; to: string } | null;
  description: string | null;
  openedAt: string | null;
  closedAt: string | null;
  evidence: string[];
  /** Who was told, when: the authority, one subject (`subjectId`), or everybody affected (`subjectId` null). */
  reports: { audience: 'authority' | 'subjects'; at: string; subjectId: string | null; eventId: string }[];
}

export const incidents = keyedProjection<IncidentState>({
  name: 'incidents',
  version: 2,
  table: 'rm_incidents',
  key: ['incident_id'],
  keysOf: ({ event }) => (event.type === 'IncidentOpened' || event.type === 'IncidentClosed' || event.type === 'IncidentReported' ? [[event.data.incidentId]] : []),
  evolve(state, { position, event }) {
    const base: IncidentState = state ?? { lastPosition: 0, systems: [], window: null, description: null, openedAt: null, closedAt: null, evidence: [], reports: [] };
    if (event.type === 'IncidentReported') {
      return {
        ...base, lastPosition: position,
        reports: [...base.reports, { audience: event.data.audience, at: event.occurredAt, subjectId: event.subject?.id ?? null, eventId: event.id }],
      };
    }
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
  version: 2,
  table: 'rm_system_uses',
  columns: ['position', 'event_id', 'subject_id', 'system', 'categories', 'occurred_at'],
  uniqueBy: ['position'],
  indexes: 'CREATE INDEX IF NOT EXISTS rm_system_uses_by_system ON rm_system_uses (system, occurred_at);',
  rowsOf: ({ position, event }) => event.type !== 'DataUsed' ? [] : [{
    position, event_id: event.id, subject_id: event.subject.id, system: event.data.system, categories: json(event.data.categories),
    occurred_at: event.occurredAt,
  }],
});

export interface AffectedSubject { subjectId: string; categories: string[]; systems: string[]; evidence: string[] }

/**
 * Whose data was in the incident's systems during its window: stored there at some moment of
 * it (collected before its end, not deleted before its start), or used by those systems in it.
 */
export function readIncidentImpact(db: ReadSource, incident: IncidentState): AffectedSubject[] {
  if (!incident.window || incident.systems.length === 0) return [];
  const { from, to } = incident.window;
  const systems = JSON.stringify(incident.systems);
  const affected = new Map<string, { categories: Set<string>; systems: Set<string>; evidence: Set<string> }>();
  const touch = (subjectId: string, system: string, categories: string[], evidence: string) => {
    const entry = affected.get(subjectId) ?? { categories: new Set(), systems: new Set(), evidence: new Set() };
    categories.forEach((c) => entry.categories.add(c));
    entry.systems.add(system);
    entry.evidence.add(evidence);
    affected.set(subjectId, entry);
  };
  const stored = statement<[string], { subject_id: string; system: string; category: string; state: string }>(db,
    'SELECT subject_id, system, category, state FROM rm_storage_intervals WHERE system IN (SELECT value FROM json_each(?))').all(systems);
  for (const row of stored) {
    for (const interval of fromJson<StorageIntervalsState>(row.state).intervals) {
      if (interval.from <= to && (interval.to === null || interval.to > from)) touch(row.subject_id, row.system, [row.category], interval.collectedBy);
    }
  }
  const used = statement<[string, string, string], { subject_id: string; system: string; categories: string; event_id: string }>(db,
    `SELECT subject_id, system, categories, event_id FROM rm_system_uses
     WHERE system IN (SELECT value FROM json_each(?)) AND occurred_at >= ? AND occurred_at <= ?`).all(systems, from, to);
  for (const row of used) touch(row.subject_id, row.system, fromJson<string[]>(row.categories), row.event_id);
  return [...affected].sort(([a], [b]) => a.localeCompare(b)).map(([subjectId, e]) => ({
    subjectId, categories: [...e.categories].sort(), systems: [...e.systems].sort(), evidence: [...e.evidence].sort(),
  }));
}

export interface IntervalRow { subjectId: string; system: string; category: string; interval: Interval }

/** Every storage interval, of every subject, category and system (of these systems only, when named). */
export function readStorageIntervals(db: ReadSource, systems?: readonly string[]): IntervalRow[] {
  const rows = systems
    ? statement<[string], { subject_id: string; system: string; category: string; state: string }>(db,
      'SELECT * FROM rm_storage_intervals WHERE system IN (SELECT value FROM json_each(?)) ORDER BY subject_id, system, category').all(JSON.stringify(systems))
    : statement<[], { subject_id: string; system: string; category: string; state: string }>(db, 'SELECT * FROM rm_storage_intervals ORDER BY subject_id, system, category').all();
  return rows.flatMap((row) => fromJson<StorageIntervalsState>(row.state).intervals.map((interval) => ({
    subjectId: row.subject_id, system: row.system, category: row.category, interval,
  })));
}
