/**
 * The violations of the rules that judge one act (collection, use, share, transfer): evaluated
 * when the act is applied, against the read models as they stood then and the policy in force
 * when the act happened; kept, so a verdict never changes when a later policy is published.
 * Rules that depend on time passing (retention, deadlines) are in time-rules.ts.
 */
import { statement, type ReadSource } from '../projection-context.js';
import { consents } from '../consents/consents.js';
import { legalRequests } from '../legal-requests/legal-requests.js';
import { policyAt } from '../policies/policy-in-force.js';
import type { Projection } from '../projection.js';
import { ReadModels } from '../queries.js';
import { consentMissing } from './rules/consent-missing.js';
import { crossBorderWithoutConsent } from './rules/cross-border-without-consent.js';
import { disclosureWithoutLegalBasis, thirdPartyShare } from './rules/sharing.js';
import { storageRegion } from './rules/storage-region.js';
import { sensitiveWithoutSeparateConsent } from './rules/sensitive-data.js';
import { impactAssessmentMissing } from './rules/impact-assessment.js';
import { impactAssessments } from '../impact-assessments/impact-assessments.js';
import type { ActContext, ActRule, RuleId, Violation } from './violation.js';

/** The rules that judge one act when it is recorded (the others are time rules). */
export const ACT_RULE_IDS = [
  'consent-missing', 'cross-border-without-consent', 'third-party-share', 'disclosure-without-legal-basis', 'storage-region', 'sensitive-without-separate-consent', 'impact-assessment-missing',
] as const satisfies readonly RuleId[];
export type ActRuleId = (typeof ACT_RULE_IDS)[number];

export const ACT_RULES: Readonly<Record<ActRuleId, ActRule>> = {
  'consent-missing': consentMissing,
  'cross-border-without-consent': crossBorderWithoutConsent,
  'third-party-share': thirdPartyShare,
  'disclosure-without-legal-basis': disclosureWithoutLegalBasis,
  'storage-region': storageRegion,
  'sensitive-without-separate-consent': sensitiveWithoutSeparateConsent,
  'impact-assessment-missing': impactAssessmentMissing,
};

const ACTS = new Set(['DataCollected', 'DataUsed', 'DataShared', 'DataTransferredAbroad']);

export const violations: Projection = {
  name: 'violations',
  version: 1,
  tables: ['rm_violations'],
  // What actContext reads: rebuilt with this model (runner.ts), so a verdict replayed is the verdict given.
  reads: ['consents', 'legal-requests', 'transfers', 'policies', 'impact-assessments'],
  schema: `CREATE TABLE IF NOT EXISTS rm_violations (
    rule TEXT NOT NULL, position INTEGER NOT NULL, subject_id TEXT, event_ids TEXT NOT NULL, occurred_at TEXT NOT NULL,
    detected_at TEXT NOT NULL, policy_version TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (rule, position)) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rm_violations_by_time ON rm_violations (occurred_at);`,
  apply(db, projected) {
    if (!ACTS.has(projected.event.type)) return;
    const context = actContext(db, projected.event.occurredAt);
    const insert = statement(db, `INSERT OR IGNORE INTO rm_violations VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const rule of ACT_RULE_IDS) {
      for (const finding of ACT_RULES[rule](projected, context)) {
        insert.run(rule, projected.position, finding.subjectId, JSON.stringify(finding.eventIds), projected.event.occurredAt,
          projected.recordedAt, context.policy.version, finding.message);
      }
    }
  },
};

export function actContext(db: ReadSource, at: string): ActContext {
  const readModels = new ReadModels(db);
  return {
    policy: policyAt(db, at),
    // Through the model, not its table: within a batch, the consents as of this very event.
    consentsOf: (subjectId) => consents.readPrefix(db, [subjectId]).map((row) => row.state),
    legalRequest: (requestId) => legalRequests.read(db, [requestId]),
    transfersOf: (subjectId) => readModels.transfers(subjectId),
    assessments: () => impactAssessments.readPrefix(db, []).map((row) => row.state),
  };
}

export function storedViolations(db: ReadSource): Violation[] {
  return statement<[], Record<string, string>>(db, 'SELECT * FROM rm_violations ORDER BY occurred_at, position, rule').all().map((row) => ({
    rule: row.rule as RuleId, subjectId: row.subject_id ?? null, eventIds: JSON.parse(row.event_ids!) as string[], occurredAt: row.occurred_at!,
    // An act breaks its rule at the moment it happens.
    breachEnd: row.occurred_at!, detectedAt: row.detected_at!, policyVersion: row.policy_version!, message: row.message!,
  }));
}
