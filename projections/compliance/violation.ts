/** A broken promise: which rule, whose data, the events that prove it, under which policy version. */
import type { ConsentState, Withdrawal } from '../consents/consents.js';
import type { LegalRequestState } from '../legal-requests/legal-requests.js';
import type { AssessmentState } from '../impact-assessments/impact-assessments.js';
import type { PolicyInForce } from '../policies/policy-in-force.js';
import type { ProjectedEvent } from '../projection.js';
import type { TransferRow } from '../queries.js';

export const RULE_IDS = [
  'consent-missing', 'retention-overdue', 'cross-border-without-consent', 'third-party-share', 'disclosure-without-legal-basis',
  'storage-region', 'shutdown-notice-missing', 'shutdown-deletion-overdue', 'request-overdue', 'sensitive-without-separate-consent', 'impact-assessment-missing', 'incident-notification-overdue',
  'recorded-late', 'deletion-order-overdue', 'erasure-completed-with-open-orders',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export interface Violation {
  readonly rule: RuleId;
  readonly subjectId: string | null;
  /** The evidence: the offending event first, then what it is judged against. */
  readonly eventIds: readonly string[];
  /** When the processing happened (or the deadline passed): when the breach began. */
  readonly occurredAt: string;
  /**
   * When the breach ended, as seen at the moment judged: the act's own instant, or the moment a
   * time rule's obligation was met late; null while it is still open then (README "A period is a
   * question about the period").
   */
  readonly breachEnd: string | null;
  /** When the ledger could know: the offending event's recording, or the deadline for time rules. */
  readonly detectedAt: string;
  readonly policyVersion: string;
  readonly message: string;
}

export type Finding = Pick<Violation, 'subjectId' | 'eventIds' | 'message'>;

/** What an act is judged against: the read models as they stood when it was recorded, and the policy in force when it happened. */
export interface ActContext {
  readonly policy: PolicyInForce;
  consentsOf(subjectId: string): ConsentState[];
  legalRequest(requestId: string): LegalRequestState | null;
  transfersOf(subjectId: string): TransferRow[];
  /** Every impact assessment recorded so far (the rule picks those completed before the act). */
  assessments(): AssessmentState[];
}

export type ActRule = (event: ProjectedEvent, context: ActContext) => Finding[];

/** The withdrawal of `purpose` from `consent` in force at `at`, if any. */
export function withdrawalAt(consent: ConsentState, purpose: string, at: string): Withdrawal | undefined {
  return consent.withdrawals.find((w) => w.at <= at && (w.purposes === 'all' || w.purposes.includes(purpose)));
}

/** Whether a consent covered this purpose (and these categories, when it names categories) at that moment. */
export function consentCovers(consent: ConsentState, purpose: string, categories: readonly string[], at: string): boolean {
  return consent.givenAt !== null && consent.givenAt <= at && consent.purposes.includes(purpose)
    && (consent.categories === null || categories.every((c) => consent.categories!.includes(c)))
    && withdrawalAt(consent, purpose, at) === undefined;
}

export const list = (items: readonly string[]) => items.map((item) => `"${item}"`).join(', ');
