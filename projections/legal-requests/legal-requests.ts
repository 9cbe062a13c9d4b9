/** The transparency report: legal requests by authority and instrument, and every disclosure to an authority. */
import { fromJson, json, keyedProjection, logProjection } from '../projection.js';
import { statement, type ReadSource } from '../projection-context.js';

export interface LegalRequestState {
  lastPosition: number;
  authority: string | null;
  instrument: string | null;
  reference: string | null;
  categories: string[];
  receivedAt: string | null;
  subjectId: string | null;
  evidence: string[];
}

export const legalRequests = keyedProjection<LegalRequestState>({
  name: 'legal-requests',
  version: 1,
  table: 'rm_legal_requests',
  key: ['request_id'],
  keysOf: ({ event }) => (event.type === 'LegalRequestReceived' ? [[event.data.requestId]] : []),
  evolve(state, { position, event }) {
    if (event.type !== 'LegalRequestReceived') return state;
    return {
      lastPosition: position, authority: event.data.authority, instrument: event.data.instrument, reference: event.data.reference,
      categories: [...event.data.categories].sort(), receivedAt: event.occurredAt, subjectId: event.subject?.id ?? null,
      evidence: [...(state?.evidence ?? []), event.id],
    };
  },
});

export const disclosures = logProjection({
  name: 'disclosures',
  version: 2,
  table: 'rm_disclosures',
  columns: ['position', 'event_id', 'subject_id', 'occurred_at', 'recipient_id', 'recipient_name', 'recipient_kind', 'recipient_region',
    'legal_request_id', 'categories', 'purpose', 'legal_basis'],
  uniqueBy: ['position'],
  indexes: 'CREATE INDEX IF NOT EXISTS rm_disclosures_by_request ON rm_disclosures (legal_request_id);',
  rowsOf: ({ position, event }) => event.type !== 'DataShared' || event.data.recipient.kind !== 'authority' ? [] : [{
    position, event_id: event.id, subject_id: event.subject.id, occurred_at: event.occurredAt, recipient_id: event.data.recipient.id,
    recipient_name: event.data.recipient.name, recipient_kind: event.data.recipient.kind, recipient_region: event.data.recipient.region,
    legal_request_id: event.data.legalRequestId ?? null, categories: json(event.data.categories), purpose: event.data.purpose,
    legal_basis: event.data.legalBasis,
  }],
});

/** Every legal request, by request id. */
export function readLegalRequests(db: ReadSource): (LegalRequestState & { requestId: string })[] {
  return legalRequests.readPrefix(db, []).map(({ key, state }) => ({ ...state, requestId: String(key[0]) }));
}

export interface DisclosureRow {
  position: number; eventId: string; subjectId: string; occurredAt: string; recipientId: string; recipientName: string;
  recipientRegion: string; legalRequestId: string | null; categories: string[]; purpose: string; legalBasis: string;
}

interface DisclosureTableRow {
  position: number; event_id: string; subject_id: string; occurred_at: string; recipient_id: string; recipient_name: string;
  recipient_region: string; legal_request_id: string | null; categories: string; purpose: string; legal_basis: string;
}

/** Every disclosure to an authority, in log order. */
export function readDisclosures(db: ReadSource): DisclosureRow[] {
  return statement<[], DisclosureTableRow>(db, 'SELECT * FROM rm_disclosures ORDER BY position').all().map((r) => ({
    position: r.position, eventId: r.event_id, subjectId: r.subject_id, occurredAt: r.occurred_at, recipientId: r.recipient_id,
    recipientName: r.recipient_name, recipientRegion: r.recipient_region, legalRequestId: r.legal_request_id,
    categories: fromJson(r.categories), purpose: r.purpose, legalBasis: r.legal_basis,
  }));
}

/** A disclosure as the reports show it: the recipient named with its region. */
export const shownDisclosure = (d: DisclosureRow) => ({ ...d, recipient: `${d.recipientName} [${d.recipientRegion}]` });

/** Each legal request with the disclosures made under it, of those given (the reports pick which: all, or a period's). */
export function withDisclosures<R extends { requestId: string }>(requests: readonly R[], disclosures: readonly DisclosureRow[]) {
  return requests.map((request) => ({ ...request, disclosures: disclosures.filter((d) => d.legalRequestId === request.requestId).map(shownDisclosure) }));
}
