/**
 * cross-border-without-consent: a transfer abroad without a separate consent, active at that
 * moment and covering its purpose, whose disclosures name everything the policy requires
 * (purpose, recipient, security measures, risks: PIPL Art. 39).
 */
import type { ConsentState } from '../../consents/consents.js';
import { consentCovers, list, type ActRule } from '../violation.js';

function missingDisclosures(consent: ConsentState, required: readonly string[]): string[] {
  const disclosures = consent.disclosures ?? {};
  return required.filter((field) => {
    const value = (disclosures as Record<string, unknown>)[field];
    return value === undefined || value === null || (Array.isArray(value) && value.length === 0) || value === '';
  });
}

export const crossBorderWithoutConsent: ActRule = ({ event }, { policy, consentsOf }) => {
  if (event.type !== 'DataTransferredAbroad' || !policy.document.crossBorder.requireSeparateConsent) return [];
  const { purpose, categories, consentId, toRegion } = event.data;
  const required = policy.document.crossBorder.requiredDisclosures;
  const all = consentsOf(event.subject.id);
  const candidates = consentId ? all.filter((c) => c.consentId === consentId) : all;
  const active = candidates.filter((c) => consentCovers(c, purpose, categories, event.occurredAt));
  if (active.some((c) => missingDisclosures(c, required).length === 0)) return [];
  const subjectId = event.subject.id;
  const transfer = `${event.type} of ${list(categories)} to ${event.data.recipient.name} (${toRegion})`;
  if (active.length === 0) {
    const why = consentId ? `consent "${consentId}" was not given, or did not cover "${purpose}" at that moment` : `no consent covering "${purpose}"`;
    return [{ subjectId, eventIds: [event.id, ...candidates.flatMap((c) => (c.givenBy ? [c.givenBy] : []))], message: `${transfer}: ${why}.` }];
  }
  const consent = active[0]!;
  return [{
    subjectId,
    eventIds: [event.id, consent.givenBy!],
    message: `${transfer}: consent "${consent.consentId}" did not disclose ${list(missingDisclosures(consent, required))} as the policy requires.`,
  }];
};
