/**
 * Reads over the read models, shaped for the questions people ask: what do you hold about
 * me, who got it, who was affected, what is our register of processing.
 */
import { statement } from './statements.js';
import type Database from 'better-sqlite3';
import type { ConsentState } from './consents/consents.js';
import { incidents, type IncidentState, type StorageIntervalsState } from './incidents/incidents.js';
import type { LegalRequestState } from './legal-requests/legal-requests.js';
import type { PurposeState } from './processing-register/processing-register.js';
import type { RecipientState } from './recipients/recipients.js';
import type { CategoryState } from './subject-profile/categories.js';
import { subjects, type SubjectState } from './subject-profile/subjects.js';
import type { SubjectRequestState } from './subject-requests/subject-requests.js';

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

import type { TransferRow } from './recipients/recipients.js';

export type { TransferRow };

export interface DisclosureRow {
  position: number; eventId: string; subjectId: string; occurredAt: string; recipientId: string; recipientName: string;
  recipientRegion: string; legalRequestId: string | null; categories: string[]; purpose: string; legalBasis: string;
}

export interface AccessRow {
  eventId: string; occurredAt: string; actor: { kind: string; id: string }; action: string; target: string; purpose: string | null; categories: string[];
}

export interface AffectedSubject { subjectId: string; categories: string[]; systems: string[]; evidence: string[] }

const parse = <T>(text: string): T => JSON.parse(text) as T;

export class ReadModels {
  constructor(private readonly db: Database.Database) {}

  subject(subjectId: string): SubjectState | null {
    return subjects.read(this.db, [subjectId]);
  }

  categories(subjectId: string): (CategoryState & { category: string })[] {
    return this.keyed<CategoryState, 'category'>('rm_subject_categories', 'category', subjectId);
  }

  consents(subjectId: string): (ConsentState & { consentId: string })[] {
    return statement<[string], { state: string }>(this.db, 'SELECT state FROM rm_consents WHERE subject_id = ? ORDER BY consent_id').all(subjectId)
      .map((row) => parse<ConsentState>(row.state));
  }

  recipients(subjectId: string): (RecipientState & { id: string })[] {
    return this.keyed<RecipientState, 'id'>('rm_recipients', 'id', subjectId, 'recipient_id');
  }

  requests(subjectId: string): (SubjectRequestState & { requestId: string; subjectId: string })[] {
    return statement<[string], { request_id: string; state: string }>(this.db, 
      'SELECT request_id, state FROM rm_subject_requests WHERE subject_id = ? ORDER BY request_id').all(subjectId)
      .map((row) => ({ ...parse<SubjectRequestState>(row.state), requestId: row.request_id, subjectId }));
  }

  transfers(subjectId?: string): TransferRow[] {
    const rows = subjectId === undefined
      ? statement<[], Record<string, string | number | null>>(this.db, 'SELECT * FROM rm_transfers ORDER BY position').all()
      : statement<[string], Record<string, string | number | null>>(this.db, 'SELECT * FROM rm_transfers WHERE subject_id = ? ORDER BY position').all(subjectId);
    return rows.map((r) => ({
      position: r.position as number, eventId: r.event_id as string, subjectId: r.subject_id as string, occurredAt: r.occurred_at as string,
      recipient: parse(r.recipient as string), fromRegion: r.from_region as string, toRegion: r.to_region as string,
      categories: parse(r.categories as string), purpose: r.purpose as string, mechanism: r.mechanism as string,
      securityMeasures: parse(r.security_measures as string), risks: parse(r.risks as string), consentId: r.consent_id as string | null,
    }));
  }

  accessLog(subjectId: string): AccessRow[] {
    return statement<[string], Record<string, string | number>>(this.db, 'SELECT * FROM rm_access_log WHERE subject_id = ? ORDER BY position').all(subjectId)
      .map((r) => ({
        eventId: r.event_id as string, occurredAt: r.occurred_at as string, actor: { kind: r.actor_kind as string, id: r.actor_id as string },
        action: r.action as string, target: r.target as string, purpose: (r.purpose as string | null) ?? null, categories: parse<string[]>(r.categories as string),
      }));
  }

  legalRequests(): (LegalRequestState & { requestId: string })[] {
    return statement<[], { request_id: string; state: string }>(this.db, 'SELECT request_id, state FROM rm_legal_requests ORDER BY request_id').all()
      .map((row) => ({ ...parse<LegalRequestState>(row.state), requestId: row.request_id }));
  }

  disclosures(): DisclosureRow[] {
    return statement<[], Record<string, string | number | null>>(this.db, 'SELECT * FROM rm_disclosures ORDER BY position').all().map((r) => ({
      position: r.position as number, eventId: r.event_id as string, subjectId: r.subject_id as string, occurredAt: r.occurred_at as string,
      recipientId: r.recipient_id as string, recipientName: r.recipient_name as string, recipientRegion: r.recipient_region as string,
      legalRequestId: r.legal_request_id as string | null, categories: parse(r.categories as string), purpose: r.purpose as string,
      legalBasis: r.legal_basis as string,
    }));
  }

  register(): (PurposeState & { purpose: string; subjectCount: number })[] {
    return statement<[], { purpose: string; state: string; subjects: number }>(this.db, 
      `SELECT r.purpose, r.state, (SELECT COUNT(*) FROM rm_purpose_subjects s WHERE s.purpose = r.purpose) AS subjects
       FROM rm_processing_register r ORDER BY r.purpose`).all()
      .map((row) => ({ ...parse<PurposeState>(row.state), purpose: row.purpose, subjectCount: row.subjects }));
  }

  incident(incidentId: string): IncidentState | null {
    return incidents.read(this.db, [incidentId]);
  }

  /**
   * Whose data was in the incident's systems during its window: stored there at some moment of
   * it (collected before its end, not deleted before its start), or used by those systems in it.
   */
  incidentImpact(incident: IncidentState): AffectedSubject[] {
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
    const stored = statement<[string], { subject_id: string; system: string; category: string; state: string }>(this.db, 
      'SELECT subject_id, system, category, state FROM rm_storage_intervals WHERE system IN (SELECT value FROM json_each(?))').all(systems);
    for (const row of stored) {
      for (const interval of parse<StorageIntervalsState>(row.state).intervals) {
        if (interval.from <= to && (interval.to === null || interval.to > from)) touch(row.subject_id, row.system, [row.category], interval.collectedBy);
      }
    }
    const used = statement<[string, string, string], { subject_id: string; system: string; categories: string; event_id: string }>(this.db, 
      `SELECT subject_id, system, categories, event_id FROM rm_system_uses
       WHERE system IN (SELECT value FROM json_each(?)) AND occurred_at >= ? AND occurred_at <= ?`).all(systems, from, to);
    for (const row of used) touch(row.subject_id, row.system, parse(row.categories), row.event_id);
    return [...affected].sort(([a], [b]) => a.localeCompare(b)).map(([subjectId, e]) => ({
      subjectId, categories: [...e.categories].sort(), systems: [...e.systems].sort(), evidence: [...e.evidence].sort(),
    }));
  }

  /** Positions of events matching the filter, after a position, in order. */
  eventPositions(filter: EventFilter, after: number, limit: number): number[] {
    const { where, params } = filterSql(filter);
    return statement<unknown[], { position: number }>(this.db, 
      `SELECT i.position FROM rm_event_index i WHERE i.position > ? AND ${where} ORDER BY i.position LIMIT ?`)
      .all(after, ...params, limit).map((r) => r.position);
  }

  countEvents(filter: EventFilter): number {
    const { where, params } = filterSql(filter);
    return statement<unknown[], { n: number }>(this.db, `SELECT COUNT(*) AS n FROM rm_event_index i WHERE ${where}`).get(...params)!.n;
  }

  private keyed<S, K extends string>(table: string, as: K, subjectId: string, column = as === 'category' ? 'category' : as): (S & Record<K, string>)[] {
    return statement<[string], Record<string, string>>(this.db, `SELECT ${column} AS k, state FROM ${table} WHERE subject_id = ? ORDER BY ${column}`)
      .all(subjectId)
      .map((row) => ({ ...parse<S>(row.state!), [as]: row.k } as S & Record<K, string>));
  }
}

function filterSql(filter: EventFilter): { where: string; params: string[] } {
  const where: string[] = ['1 = 1'];
  const params: string[] = [];
  const add = (clause: string, value: string | null | undefined) => {
    if (value === undefined || value === null) return;
    where.push(clause);
    params.push(value);
  };
  add('i.subject_id = ?', filter.subjectId);
  add('i.type = ?', filter.type);
  add('i.actor_id = ?', filter.actorId);
  add('i.actor_kind = ?', filter.actorKind);
  add('i.occurred_at >= ?', filter.from);
  add('i.occurred_at <= ?', filter.to);
  add("EXISTS (SELECT 1 FROM rm_event_tags t WHERE t.tag = 'category' AND t.value IN (?, 'all') AND t.position = i.position)", filter.category);
  add("EXISTS (SELECT 1 FROM rm_event_tags t WHERE t.tag = 'system' AND t.value = ? AND t.position = i.position)", filter.system);
  return { where: where.join(' AND '), params };
}
