/** The transparency report: legal requests by authority and instrument, and every disclosure to an authority. */
import { json, keyedProjection, logProjection } from '../projection.js';

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
  version: 1,
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
