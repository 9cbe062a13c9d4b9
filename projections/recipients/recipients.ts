/** Everyone a subject's data went to — third parties, processors, authorities, abroad — and each transfer abroad. */
import { fromJson, json, keyedProjection, logProjection, union, withEvidence } from '../projection.js';
import { statement, type ReadSource } from '../projection-context.js';
import type { LogRow, ProjectedEvent } from '../projection.js';

export interface RecipientState {
  lastPosition: number;
  name: string;
  kind: string;
  region: string;
  categories: string[];
  purposes: string[];
  legalBases: string[];
  firstSharedAt: string;
  lastSharedAt: string;
  shares: number;
  abroad: boolean;
  legalRequestIds: string[];
  evidence: string[];
}

export const recipients = keyedProjection<RecipientState>({
  name: 'recipients',
  version: 2,
  table: 'rm_recipients',
  key: ['subject_id', 'recipient_id'],
  indexes: 'CREATE INDEX IF NOT EXISTS rm_recipients_by_recipient ON rm_recipients (recipient_id);',
  keysOf: ({ event }) =>
    (event.type === 'DataShared' || event.type === 'DataTransferredAbroad') ? [[event.subject.id, event.data.recipient.id]] : [],
  evolve(state, { position, event }) {
    if (event.type !== 'DataShared' && event.type !== 'DataTransferredAbroad') return state;
    const at = event.occurredAt;
    const { recipient } = event.data;
    return {
      lastPosition: position,
      name: recipient.name,
      kind: recipient.kind,
      region: recipient.region,
      categories: union(state?.categories, event.data.categories),
      purposes: union(state?.purposes, [event.data.purpose]),
      legalBases: union(state?.legalBases, event.type === 'DataShared' ? [event.data.legalBasis] : []),
      firstSharedAt: state && state.firstSharedAt < at ? state.firstSharedAt : at,
      lastSharedAt: state && state.lastSharedAt > at ? state.lastSharedAt : at,
      shares: (state?.shares ?? 0) + 1,
      abroad: (state?.abroad ?? false) || event.type === 'DataTransferredAbroad',
      legalRequestIds: union(state?.legalRequestIds, event.type === 'DataShared' && event.data.legalRequestId ? [event.data.legalRequestId] : []),
      evidence: withEvidence(state?.evidence ?? [], event.id),
    };
  },
});

/** A transfer abroad as the rules and the API see it. */
export interface TransferRow {
  position: number; eventId: string; subjectId: string; occurredAt: string;
  recipient: { id: string; name: string; kind: string; region: string };
  fromRegion: string; toRegion: string; categories: string[]; purpose: string; mechanism: string;
  securityMeasures: string[]; risks: string[]; consentId: string | null;
}

/** The transfer an event records, if it records one. */
export function transferOf({ position, event }: ProjectedEvent): TransferRow | null {
  if (event.type !== 'DataTransferredAbroad') return null;
  return {
    position, eventId: event.id, subjectId: event.subject.id, occurredAt: event.occurredAt, recipient: event.data.recipient,
    fromRegion: event.data.fromRegion, toRegion: event.data.toRegion, categories: event.data.categories, purpose: event.data.purpose,
    mechanism: event.data.mechanism, securityMeasures: event.data.securityMeasures, risks: event.data.risks, consentId: event.data.consentId ?? null,
  };
}

export const transfers = logProjection({
  name: 'transfers',
  version: 2,
  table: 'rm_transfers',
  columns: ['position', 'event_id', 'subject_id', 'occurred_at', 'recipient', 'from_region', 'to_region', 'categories', 'purpose',
    'mechanism', 'security_measures', 'risks', 'consent_id'],
  uniqueBy: ['position'],
  indexes: 'CREATE INDEX IF NOT EXISTS rm_transfers_by_subject ON rm_transfers (subject_id, position);',
  rowsOf: (projected) => {
    const transfer = transferOf(projected);
    return transfer === null ? [] : [{
      position: transfer.position, event_id: transfer.eventId, subject_id: transfer.subjectId, occurred_at: transfer.occurredAt,
      recipient: json(transfer.recipient), from_region: transfer.fromRegion, to_region: transfer.toRegion, categories: json(transfer.categories),
      purpose: transfer.purpose, mechanism: transfer.mechanism, security_measures: json(transfer.securityMeasures), risks: json(transfer.risks),
      consent_id: transfer.consentId,
    }];
  },
});

/** Every recipient of a subject's data, by recipient id. */
export function readRecipients(db: ReadSource, subjectId: string): (RecipientState & { id: string })[] {
  return recipients.readPrefix(db, [subjectId]).map(({ key, state }) => ({ ...state, id: String(key[1]) }));
}

interface TransferTableRow {
  position: number; event_id: string; subject_id: string; occurred_at: string; recipient: string; from_region: string; to_region: string;
  categories: string; purpose: string; mechanism: string; security_measures: string; risks: string; consent_id: string | null;
}

/** Transfers abroad, in log order: a subject's, or everyone's. */
export function readTransfers(db: ReadSource, subjectId?: string): TransferRow[] {
  const stored = subjectId === undefined
    ? statement<[], TransferTableRow>(db, 'SELECT * FROM rm_transfers ORDER BY position').all()
    : statement<[string], TransferTableRow>(db, 'SELECT * FROM rm_transfers WHERE subject_id = ? ORDER BY position').all(subjectId);
  // Within a batch (the violations model reads a subject's transfers as of each act), the batch's own rows come after the table's.
  const positions = new Set(stored.map((row) => row.position));
  const held = transfers.pendingRows(db)
    .filter((row) => (subjectId === undefined || row.subject_id === subjectId) && !positions.has(Number(row.position))).map(tableRowOf);
  const rows = held.length === 0 ? stored : [...stored, ...held].sort((a, b) => a.position - b.position);
  return rows.map((r) => ({
    position: r.position, eventId: r.event_id, subjectId: r.subject_id, occurredAt: r.occurred_at, recipient: fromJson(r.recipient),
    fromRegion: r.from_region, toRegion: r.to_region, categories: fromJson(r.categories), purpose: r.purpose, mechanism: r.mechanism,
    securityMeasures: fromJson(r.security_measures), risks: fromJson(r.risks), consentId: r.consent_id,
  }));
}

/** A row the batch holds, as the table would give it back. */
function tableRowOf(row: LogRow): TransferTableRow {
  const text = (column: string): string => String(row[column]);
  return {
    position: Number(row.position), event_id: text('event_id'), subject_id: text('subject_id'), occurred_at: text('occurred_at'), recipient: text('recipient'),
    from_region: text('from_region'), to_region: text('to_region'), categories: text('categories'), purpose: text('purpose'), mechanism: text('mechanism'),
    security_measures: text('security_measures'), risks: text('risks'), consent_id: row.consent_id === null || row.consent_id === undefined ? null : String(row.consent_id),
  };
}
