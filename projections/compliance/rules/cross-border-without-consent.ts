/**
 * cross-border-without-consent: personal data sent abroad by any path — a transfer, a share with a
 * recipient outside the policy's regions, a collection stored outside them — without a separate
 * consent, active at that moment and covering its purpose, whose disclosures name everything the
 * policy requires (purpose, recipient, security measures, risks: PIPL Art. 39).
 */
import type { ConsentState } from '../../consents/consents.js';
import type { ProjectedEvent } from '../../projection.js';
import { consentCovers, list, type ActContext, type ActRule } from '../violation.js';

function missingDisclosures(consent: ConsentState, required: readonly string[]): string[] {
  const disclosures = consent.disclosures ?? {};
  return required.filter((field) => {
    const value = (disclosures as Record<string, unknown>)[field];
    return value === undefined || value === null || (Array.isArray(value) && value.length === 0) || value === '';
  });
}

/** How an act puts personal data abroad, if it does: what it was for, and how to name it. */
interface PathAbroad {
  readonly purposes: readonly string[];
  readonly categories: readonly string[];
  readonly consentId: string | undefined;
  readonly description: string;
}

/**
 * Any path abroad (PIPL Art. 38–39): a transfer abroad; a share with a recipient outside the
 * policy's regions; a collection stored outside them with no transfer there recorded.
 */
function pathAbroad(projected: ProjectedEvent, context: ActContext): PathAbroad | null {
  const { event } = projected;
  const home: readonly string[] = context.policy.document.storage.regions;
  switch (event.type) {
    case 'DataTransferredAbroad':
      return { purposes: [event.data.purpose], categories: event.data.categories, consentId: event.data.consentId,
        description: `${event.type} of ${list(event.data.categories)} to ${event.data.recipient.name} (${event.data.toRegion})` };
    case 'DataShared':
      if (home.includes(event.data.recipient.region)) return null;
      return { purposes: [event.data.purpose], categories: event.data.categories, consentId: undefined,
        description: `${event.type} of ${list(event.data.categories)} with ${event.data.recipient.name} (${event.data.recipient.region}), outside ${list(home)}` };
    case 'DataCollected': {
      const { storage, categories } = event.data;
      if (home.includes(storage.region)) return null;
      const moved = context.transfersOf(event.subject.id).filter((t) => t.toRegion === storage.region && t.occurredAt <= event.occurredAt);
      const unmoved = categories.filter((c) => !moved.some((t) => t.categories.includes(c)));
      if (unmoved.length === 0) return null;
      return { purposes: event.data.purposes, categories: unmoved, consentId: event.data.consentId,
        description: `${list(unmoved)} stored in ${storage.system} (${storage.region}) with no transfer recorded` };
    }
    default:
      return null;
  }
}

export const crossBorderWithoutConsent: ActRule = (projected, context) => {
  const { event } = projected;
  if (!context.policy.document.crossBorder.requireSeparateConsent || !event.subject) return [];
  const path = pathAbroad(projected, context);
  if (path === null) return [];
  const required = context.policy.document.crossBorder.requiredDisclosures;
  const all = context.consentsOf(event.subject.id);
  const candidates = path.consentId ? all.filter((c) => c.consentId === path.consentId) : all;
  const covers = (c: ConsentState) => path.purposes.every((purpose) => consentCovers(c, purpose, path.categories, event.occurredAt));
  const active = candidates.filter(covers);
  if (active.some((c) => c.separate && missingDisclosures(c, required).length === 0)) return [];
  const subjectId = event.subject.id;
  if (active.length === 0) {
    const purposes = list(path.purposes);
    const why = path.consentId ? `consent "${path.consentId}" was not given, or did not cover ${purposes} at that moment` : `no consent covering ${purposes}`;
    return [{ subjectId, eventIds: [event.id, ...candidates.flatMap((c) => (c.givenBy ? [c.givenBy] : []))], message: `${path.description}: ${why}.` }];
  }
  // Say what is wrong with the best of them: a missing disclosure first, else that it was not given separately.
  const consent = active.find((c) => missingDisclosures(c, required).length > 0) ?? active[0]!;
  const missing = missingDisclosures(consent, required);
  return [{
    subjectId,
    eventIds: [event.id, consent.givenBy!],
    message: missing.length > 0
      ? `${path.description}: consent "${consent.consentId}" did not disclose ${list(missing)} as the policy requires.`
      : `${path.description}: consent "${consent.consentId}" was not given as a separate consent (ConsentGiven.data.separate), as PIPL Art. 39 requires.`,
  }];
};
