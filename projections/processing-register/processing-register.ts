/**
 * The record of processing activities (GDPR Art. 30, PIPL Art. 54/55 records), derived from
 * what actually happened rather than declared: per purpose, the categories, legal bases,
 * systems, recipients, transfers abroad and retention periods seen in the log.
 */
import { fromJson, keyedProjection, logProjection, union } from '../projection.js';
import { statement, type ReadSource } from '../projection-context.js';

export interface PurposeState {
  lastPosition: number;
  categories: string[];
  legalBases: string[];
  sources: string[];
  systems: string[];
  storageRegions: string[];
  recipients: string[];
  transferRegions: string[];
  retentions: string[];
  firstSeenAt: string;
  lastSeenAt: string;
}

const purposesOf = (event: { type: string; data: unknown }): string[] => {
  const data = event.data as { purposes?: string[]; purpose?: string };
  if (event.type === 'DataCollected' || event.type === 'ConsentGiven') return data.purposes ?? [];
  if (['DataUsed', 'DataShared', 'DataTransferredAbroad'].includes(event.type) && data.purpose) return [data.purpose];
  return [];
};

export const processingRegister = keyedProjection<PurposeState>({
  name: 'processing-register',
  version: 1,
  table: 'rm_processing_register',
  key: ['purpose'],
  keysOf: ({ event }) => (event.type === 'ConsentGiven' ? [] : purposesOf(event).map((purpose) => [purpose])),
  evolve(state, { position, event }) {
    const at = event.occurredAt;
    const s: PurposeState = state ?? {
      lastPosition: 0, categories: [], legalBases: [], sources: [], systems: [], storageRegions: [], recipients: [], transferRegions: [],
      retentions: [], firstSeenAt: at, lastSeenAt: at,
    };
    const next = { ...s, lastPosition: position, firstSeenAt: at < s.firstSeenAt ? at : s.firstSeenAt, lastSeenAt: at > s.lastSeenAt ? at : s.lastSeenAt };
    switch (event.type) {
      case 'DataCollected':
        return {
          ...next, categories: union(s.categories, event.data.categories), legalBases: union(s.legalBases, [event.data.legalBasis]),
          sources: union(s.sources, [event.data.source]), systems: union(s.systems, [event.data.storage.system]),
          storageRegions: union(s.storageRegions, [event.data.storage.region]),
          retentions: union(s.retentions, event.data.retention ? [event.data.retention] : []),
        };
      case 'DataUsed':
        return { ...next, categories: union(s.categories, event.data.categories), legalBases: union(s.legalBases, [event.data.legalBasis]), systems: union(s.systems, [event.data.system]) };
      case 'DataShared':
        return {
          ...next, categories: union(s.categories, event.data.categories), legalBases: union(s.legalBases, [event.data.legalBasis]),
          recipients: union(s.recipients, [`${event.data.recipient.kind}:${event.data.recipient.name} [${event.data.recipient.region}]`]),
        };
      case 'DataTransferredAbroad':
        return {
          ...next, categories: union(s.categories, event.data.categories),
          recipients: union(s.recipients, [`${event.data.recipient.kind}:${event.data.recipient.name} [${event.data.recipient.region}]`]),
          transferRegions: union(s.transferRegions, [event.data.toRegion]),
        };
      default:
        return state;
    }
  },
});

/** Which subjects each purpose touched, to count them without holding sets in one row. */
export const purposeSubjects = logProjection({
  name: 'purpose-subjects',
  version: 1,
  table: 'rm_purpose_subjects',
  columns: ['purpose', 'subject_id'],
  uniqueBy: ['purpose', 'subject_id'],
  rowsOf: ({ event }) => (event.subject && event.type !== 'ConsentGiven' ? purposesOf(event).map((purpose) => ({ purpose, subject_id: event.subject!.id })) : []),
});

/** The register: per purpose, what was seen, and how many subjects it touched (one query). */
export function readRegister(db: ReadSource): (PurposeState & { purpose: string; subjectCount: number })[] {
  return statement<[], { purpose: string; state: string; subjects: number }>(db,
    `SELECT r.purpose, r.state, (SELECT COUNT(*) FROM rm_purpose_subjects s WHERE s.purpose = r.purpose) AS subjects
     FROM rm_processing_register r ORDER BY r.purpose`).all()
    .map((row) => ({ ...fromJson<PurposeState>(row.state), purpose: row.purpose, subjectCount: row.subjects }));
}
