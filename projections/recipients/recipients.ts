/** Everyone a subject's data went to — third parties, processors, authorities, abroad — and each transfer abroad. */
import { json, keyedProjection, logProjection, union, withEvidence } from '../projection.js';

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

export const transfers = logProjection({
  name: 'transfers',
  version: 1,
  table: 'rm_transfers',
  columns: ['position', 'event_id', 'subject_id', 'occurred_at', 'recipient', 'from_region', 'to_region', 'categories', 'purpose',
    'mechanism', 'security_measures', 'risks', 'consent_id'],
  uniqueBy: ['position'],
  indexes: 'CREATE INDEX IF NOT EXISTS rm_transfers_by_subject ON rm_transfers (subject_id, position);',
  rowsOf: ({ position, event }) => event.type !== 'DataTransferredAbroad' ? [] : [{
    position, event_id: event.id, subject_id: event.subject.id, occurred_at: event.occurredAt, recipient: json(event.data.recipient),
    from_region: event.data.fromRegion, to_region: event.data.toRegion, categories: json(event.data.categories), purpose: event.data.purpose,
    mechanism: event.data.mechanism, security_measures: json(event.data.securityMeasures), risks: json(event.data.risks),
    consent_id: event.data.consentId ?? null,
  }],
});
