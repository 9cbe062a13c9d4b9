/** Consents per subject: what was consented to, under which policy version and disclosures, and what was withdrawn when. */
import type { EventOf } from '../../schemas/event.js';
import { keyedProjection, type Key } from '../projection.js';

export interface Withdrawal { at: string; purposes: string[] | 'all'; eventId: string }

export interface ConsentState {
  lastPosition: number;
  consentId: string;
  /** A refusal (withdrawal by purposes with no consent to withdraw from) has no givenAt. */
  givenAt: string | null;
  purposes: string[];
  categories: string[] | null;
  disclosures: EventOf<'ConsentGiven'>['data']['disclosures'] | null;
  /** Given as a separate consent (PIPL Art. 29): what sensitive categories need. */
  separate: boolean;
  policyVersion: string | null;
  channel: string | null;
  givenBy: string | null;
  withdrawals: Withdrawal[];
}

export type ConsentStatus = 'active' | 'partially-withdrawn' | 'withdrawn' | 'refused';

export function consentStatus(state: ConsentState): ConsentStatus {
  if (state.givenAt === null) return 'refused';
  if (state.withdrawals.some((w) => w.purposes === 'all')) return 'withdrawn';
  const withdrawn = new Set(state.withdrawals.flatMap((w) => (w.purposes === 'all' ? [] : w.purposes)));
  if (withdrawn.size === 0) return 'active';
  return state.purposes.every((p) => withdrawn.has(p)) ? 'withdrawn' : 'partially-withdrawn';
}

export const consents = keyedProjection<ConsentState>({
  name: 'consents',
  version: 2,
  table: 'rm_consents',
  key: ['subject_id', 'consent_id'],
  keysOf({ event, position }, existing): Key[] {
    if (!event.subject) return [];
    const subject = event.subject.id;
    if (event.type === 'ConsentGiven') return [[subject, event.data.consentId]];
    if (event.type !== 'ConsentWithdrawn') return [];
    if (event.data.consentId) return [[subject, event.data.consentId]];
    const keys = existing([subject]);
    // Refusing a purpose nothing was consented to (e.g. cookies) is recorded too: rules need it.
    return keys.length > 0 ? keys : [[subject, `refusal@${position}`]];
  },
  evolve(state, { position, event }, key) {
    if (event.type === 'ConsentGiven') {
      return {
        lastPosition: position, consentId: event.data.consentId, givenAt: event.occurredAt, purposes: [...event.data.purposes].sort(),
        categories: event.data.categories ? [...event.data.categories].sort() : null, disclosures: event.data.disclosures ?? null,
        separate: event.data.separate === true,
        policyVersion: event.data.policyVersion, channel: event.data.channel, givenBy: event.id, withdrawals: state?.withdrawals ?? [],
      };
    }
    if (event.type !== 'ConsentWithdrawn') return state;
    const base: ConsentState = state ?? {
      lastPosition: 0, consentId: String(key[1]), givenAt: null, purposes: event.data.purposes ? [...event.data.purposes].sort() : [],
      categories: null, disclosures: null, separate: false, policyVersion: null, channel: null, givenBy: null, withdrawals: [],
    };
    const purposes = event.data.consentId ? 'all' : event.data.purposes!.filter((p) => base.givenAt === null || base.purposes.includes(p)).sort();
    if (purposes !== 'all' && purposes.length === 0) return state;
    return { ...base, lastPosition: position, withdrawals: [...base.withdrawals, { at: event.occurredAt, purposes, eventId: event.id }] };
  },
});
