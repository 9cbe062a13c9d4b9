/**
 * consent-missing: data collected, used or shared on consent — or for a purpose the policy says
 * needs consent — without an active consent covering that purpose at that moment (after a
 * withdrawal or a refusal included).
 */
import { consentCovers, list, withdrawalAt, type ActRule } from '../violation.js';

export const consentMissing: ActRule = ({ event }, { policy, consentsOf }) => {
  if (event.type !== 'DataCollected' && event.type !== 'DataUsed' && event.type !== 'DataShared') return [];
  const purposes = event.type === 'DataCollected' ? event.data.purposes : [event.data.purpose];
  const { categories, legalBasis } = event.data;
  const consentId = event.type === 'DataShared' ? undefined : event.data.consentId;
  const at = event.occurredAt;
  const needsConsent = (purpose: string) => legalBasis === 'consent' || policy.document.consent.required.some((rule) =>
    rule.purpose === purpose && (rule.categories === undefined || rule.categories.some((c) => categories.includes(c))));
  const all = consentsOf(event.subject.id);
  const candidates = consentId ? all.filter((c) => c.consentId === consentId) : all;
  const uncovered = purposes.filter(needsConsent).filter((purpose) => !candidates.some((c) => consentCovers(c, purpose, categories, at)));
  if (uncovered.length === 0) return [];
  const withdrawals = candidates.flatMap((c) => uncovered.map((p) => withdrawalAt(c, p, at)?.eventId)).filter((id): id is string => id !== undefined);
  const named = consentId ? candidates.find((c) => c.consentId === consentId) : undefined;
  const why = consentId && !named ? `it names consent "${consentId}", which was never given`
    : withdrawals.length > 0 ? 'the consent had been withdrawn or refused before'
    : legalBasis === 'consent' ? 'no consent given by then covers it' : `the policy requires consent for it, and none given by then covers it`;
  return [{
    subjectId: event.subject.id,
    eventIds: [event.id, ...new Set([...candidates.flatMap((c) => (c.givenBy ? [c.givenBy] : [])), ...withdrawals])],
    message: `${event.type} of ${list(categories)} for ${list(uncovered)} on ${at}: ${why}.`,
  }];
};
