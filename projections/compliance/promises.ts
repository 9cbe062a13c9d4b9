/** The words each rule holds the ledger to: the sentence of the policy (or the article of the law) of its section, by the version that judged. */
import type { ReadSource } from '../projection-context.js';
import { defaultPolicy, DEFAULT_POLICY_VERSION } from '../../schemas/default-policy.js';
import type { PolicyWithLaw } from '../../schemas/policy.js';
import { withLaw } from '../policies/policy-in-force.js';
import { policies } from '../policies/policies.js';
import type { RuleId } from './violation.js';

/** From the law, not the policy's text: an erasure reaches the copies the controller made or passed on. */
const ERASURE_REACH = 'Personal data is erased without undue delay, and every recipient it was disclosed to is told of the erasure (GDPR Art. 17(1), 19; PIPL Art. 47).';

const SOURCES: Record<RuleId, (policy: PolicyWithLaw) => string> = {
  'consent-missing': (p) => p.consent.source,
  'retention-overdue': (p) => p.retention.source,
  'cross-border-without-consent': (p) => p.crossBorder.source,
  'third-party-share': (p) => p.sharing.source,
  'disclosure-without-legal-basis': (p) => p.legalDisclosure.source,
  'storage-region': (p) => p.storage.source,
  'shutdown-notice-missing': (p) => p.shutdown.source,
  'shutdown-deletion-overdue': (p) => p.shutdown.source,
  'request-overdue': (p) => p.subjectRequests.source,
  'sensitive-without-separate-consent': (p) => p.sensitive.source,
  'impact-assessment-missing': (p) => p.impactAssessment.source,
  'incident-notification-overdue': (p) => p.incidentNotification.source,
  'recorded-late': (p) => p.lateRecording?.source ?? 'A fact is recorded when it happens: one recorded after the deadline it claims to have met cannot be relied on.',
  'deletion-order-overdue': () => ERASURE_REACH,
  'erasure-completed-with-open-orders': () => ERASURE_REACH,
};

export function promiseOf(rule: RuleId, policy: PolicyWithLaw): string {
  return SOURCES[rule](policy);
}

/** A reader of promises by policy version, each version's document read once. */
export function promises(db: ReadSource): (rule: RuleId, version: string) => string {
  const documents = new Map<string, PolicyWithLaw>([[DEFAULT_POLICY_VERSION, defaultPolicy]]);
  return (rule, version) => {
    let document = documents.get(version);
    if (!document) {
      const published = policies.read(db, [version])?.document;
      document = published ? withLaw(published) : defaultPolicy;
      documents.set(version, document);
    }
    return promiseOf(rule, document);
  };
}
