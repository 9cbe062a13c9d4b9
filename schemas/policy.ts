/**
 * The policy document: the commitments of a privacy policy that the ledger can check, each
 * with the sentence of the policy it comes from. Published into the ledger as a
 * `PolicyPublished` event; each event is judged by the version in force when it happened.
 */
import * as z from 'zod';
import { Region } from './regions.js';
import { DataCategory, LegalInstrument, NotificationChannel, Purpose, RecipientKind } from './taxonomy.js';

const Duration = z.iso.duration({ error: 'expected an ISO 8601 duration such as P30D' });
/** The words of the policy a commitment encodes, so a verdict can quote its promise. */
const Source = z.string().min(1, 'quote the sentence of the policy this commitment comes from');

export const PolicyDocument = z.strictObject({
  title: z.string().optional(),
  /**
   * Who answers for the processing and how a person reaches them and the data protection officer
   * (GDPR Art. 13(1)(a)–(b), 15; PIPL Art. 17(1), 52): printed in every subject's package. The
   * controller's own business contacts, never a subject's data.
   */
  controller: z.strictObject({
    name: z.string().min(1).max(200),
    contact: z.string().min(1).max(500),
    dataProtectionOfficer: z.string().min(1).max(500).optional(),
  }).optional(),
  storage: z.strictObject({
    /** Where personal data may be stored without a recorded transfer abroad. */
    regions: z.array(Region).min(1),
    source: Source,
  }),
  sharing: z.strictObject({
    /** Recipient kinds data may never go to. */
    forbiddenRecipientKinds: z.array(RecipientKind),
    source: Source,
  }),
  legalDisclosure: z.strictObject({
    /** A disclosure to an authority must cite a recorded legal request of an accepted instrument. */
    requireLegalRequest: z.boolean(),
    acceptedInstruments: z.array(LegalInstrument).min(1),
    source: Source,
  }),
  consent: z.strictObject({
    /** Processing that needs consent whatever legal basis it claims (e.g. cookies the user can refuse). */
    required: z.array(z.strictObject({ purpose: Purpose, categories: z.array(DataCategory).optional() })),
    source: Source,
  }),
  retention: z.strictObject({
    /** When an event names no retention: the first rule that matches category and purpose, else `default`. */
    default: Duration,
    rules: z.array(z.strictObject({ category: DataCategory.optional(), purpose: Purpose.optional(), period: Duration, source: Source.optional() })),
    source: Source,
  }),
  crossBorder: z.strictObject({
    /** PIPL Art. 39: a separate consent, after telling the subject these things. */
    requireSeparateConsent: z.boolean(),
    requiredDisclosures: z.array(z.enum(['purpose', 'recipient', 'securityMeasures', 'risks'])),
    source: Source,
  }),
  shutdown: z.strictObject({
    noticeRequired: z.boolean(),
    noticeChannels: z.array(NotificationChannel).min(1),
    /** The "reasonable period" after the shutdown takes effect, the latest a deletion deadline may be. */
    deletionPeriod: Duration,
    source: Source,
  }),
  subjectRequests: z.strictObject({
    deadline: Duration,
    source: Source,
  }),
  /**
   * From the law, not the policy's text (PIPL Art. 28–29): sensitive categories need a separate
   * consent. Absent from a published version: the built-in default applies (the law still does).
   */
  /**
   * What the controller says it does, per purpose: the categories, systems, recipient kinds and
   * regions. A list left out states nothing (no drift is judged on it); an empty list says "none".
   * Compared with what the ledger saw (`processingDrift`). Absent: nothing declared, no comparison.
   */
  declared: z.array(z.strictObject({
    purpose: Purpose,
    categories: z.array(DataCategory).optional(),
    systems: z.array(z.string().min(1).max(128)).optional(),
    recipientKinds: z.array(RecipientKind).optional(),
    regions: z.array(Region).optional(),
    source: Source,
  })).optional(),
  /**
   * From the law (PIPL Art. 55–56): an impact assessment before transfers abroad, shares with
   * processors or third parties, sensitive data and automated decisions. Absent: the default applies.
   */
  impactAssessment: z.strictObject({
    required: z.boolean(),
    source: Source,
  }).optional(),
  /**
   * From the law (GDPR Art. 33–34; PIPL Art. 57): an incident that exposed personal data is
   * reported to an authority and to the people affected within `period` of its opening.
   */
  incidentNotification: z.strictObject({
    period: Duration,
    source: Source,
  }).optional(),
  /**
   * Facts recorded after the deadline they claim to have met (a completion, an incident report, a
   * deletion, a notice whose occurredAt is on time): always listed in the report as "recorded late";
   * with `violation`, also the rule `recorded-late` beyond `tolerance` after the deadline.
   */
  lateRecording: z.strictObject({
    violation: z.boolean(),
    tolerance: Duration,
    source: Source,
  }).optional(),
  sensitive: z.strictObject({
    categories: z.array(DataCategory),
    requireSeparateConsent: z.boolean(),
    source: Source,
  }).optional(),
});

export type PolicyDocument = z.infer<typeof PolicyDocument>;

/** The sections that come from the law rather than the policy's text: a published version may leave them out. */
export type LawSections = 'sensitive' | 'impactAssessment' | 'incidentNotification';
/** A policy as the rules read it: the law's sections always there (the built-in default's where a version is silent). */
export type PolicyWithLaw = PolicyDocument & Required<Pick<PolicyDocument, LawSections>>;
