/**
 * `authorize`: may a producer do this, now, to this subject? The question is turned into the
 * act it would record and judged by the very rules that judge the ledger, against the subject's
 * consents and the policy in force — so the answer before and the verdict after cannot differ.
 */
import type { ReadSource } from '../projection-context.js';
import * as z from 'zod';
import { toFieldErrors } from '../../schemas/event.js';
import { Region } from '../../schemas/regions.js';
import { DataCategory, LegalBasis, Purpose, RecipientKind } from '../../schemas/taxonomy.js';
import { ACT_RULE_IDS, ACT_RULES, actContext } from './violations.js';
import { policyAt } from '../policies/policy-in-force.js';
import type { ProjectedEvent } from '../projection.js';
import type { SealedEventOf } from '../../services/ledger/stored-event.js';
import type { LegalBasis as LegalBasisTerm } from '../../schemas/taxonomy.js';
import { v7 as uuidv7 } from 'uuid';
import { ValidationError } from '../../services/errors.js';

type RegionCode = z.infer<typeof Region>;

export const AuthorizeQuestion = z.strictObject({
  subjectId: z.string().min(1),
  purpose: Purpose,
  categories: z.array(DataCategory).min(1),
  recipient: z.strictObject({ id: z.string().min(1), name: z.string().min(1), kind: RecipientKind, region: Region }).nullish(),
  legalBasis: LegalBasis.nullish(),
  legalRequestId: z.string().nullish(),
  consentId: z.string().nullish(),
});
export type AuthorizeQuestion = z.infer<typeof AuthorizeQuestion>;

export interface Decision {
  allowed: boolean;
  policyVersion: string;
  reasons: { rule: string | null; message: string }[];
}

export async function authorize(db: ReadSource, input: unknown, now: Date, isErased: (subjectId: string) => Promise<boolean>): Promise<Decision> {
  const parsed = AuthorizeQuestion.safeParse(input);
  if (!parsed.success) throw new ValidationError(toFieldErrors(parsed.error.issues).map((e) => `${e.path}: ${e.message}`).join('; '));
  const question = parsed.data;
  const at = now.toISOString();
  const erased = await isErased(question.subjectId);
  const policy = policyAt(db, at);
  if (erased) {
    return { allowed: false, policyVersion: policy.version, reasons: [{ rule: null, message: `subject ${question.subjectId} has been erased: there is nothing of theirs to process` }] };
  }
  const needsConsent = policy.document.consent.required.some((r) => r.purpose === question.purpose && (!r.categories || r.categories.some((c) => question.categories.includes(c))));
  const legalBasis = question.legalBasis ?? (needsConsent ? 'consent' : 'legitimate-interest');
  const act = hypotheticalAct(question, legalBasis, policy.document.storage.regions, at);
  const projected: ProjectedEvent = { position: 0, stream: `subject-${question.subjectId}`, revision: 0, recordedAt: at, event: act };
  const context = actContext(db, at);
  const reasons = ACT_RULE_IDS.flatMap((rule) => ACT_RULES[rule](projected, context).map((finding) => ({ rule, message: finding.message })));
  return { allowed: reasons.length === 0, policyVersion: policy.version, reasons };
}

/** An act carries no personal value: as stored, it is the event itself. */
type Act = SealedEventOf<'DataUsed'> | SealedEventOf<'DataShared'> | SealedEventOf<'DataTransferredAbroad'>;

/**
 * The act the question describes, as the event a producer would record: a share with a
 * recipient (a transfer abroad when the recipient is outside the policy's regions), else a use.
 */
function hypotheticalAct(question: AuthorizeQuestion, legalBasis: LegalBasisTerm, homeRegions: readonly RegionCode[], at: string): Act {
  const envelope = { id: uuidv7(), occurredAt: at, subject: { id: question.subjectId }, actor: { kind: 'system', id: 'authorize' } } as const;
  const { recipient, purpose, categories } = question;
  const consentId = question.consentId ?? undefined;
  if (!recipient) return { ...envelope, type: 'DataUsed', data: { categories, purpose, legalBasis, system: 'authorize', consentId } };
  const fromRegion = homeRegions[0];
  if (fromRegion !== undefined && !homeRegions.includes(recipient.region)) {
    return {
      ...envelope, type: 'DataTransferredAbroad',
      data: { categories, recipient, fromRegion, toRegion: recipient.region, purpose, securityMeasures: [], risks: [], mechanism: 'other', consentId },
    };
  }
  return { ...envelope, type: 'DataShared', data: { categories, recipient, purpose, legalBasis, legalRequestId: question.legalRequestId ?? undefined } };
}
