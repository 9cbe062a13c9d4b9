/**
 * The ledger's vocabulary. Each term is a contract value (add terms, never rename them) and
 * carries its nearest W3C DPV concept (https://w3id.org/dpv), its fideslang key where one
 * exists, and the words of `privacy-policy.txt` that name it. Where neither vocabulary has
 * a term (PIPL-specific notions), `dpv` says so and `law` cites the article instead.
 *
 * `npm run schemas` renders these tables to `schemas/TAXONOMY.md`.
 */
import * as z from 'zod';

export interface Term {
  readonly label: string;
  /** Nearest W3C DPV (or DPV-PD / DPV-LEGAL) concept, prefixed; `null` when DPV has none. */
  readonly dpv: string | null;
  readonly fideslang?: string;
  /** Legal source when the term is jurisdiction-specific. */
  readonly law?: string;
  /** The words of the privacy policy this term encodes. */
  readonly policy?: string;
}

type Vocabulary<K extends string> = Readonly<Record<K, Term>>;

export const dataCategories = {
  'contact.email': { label: 'E-mail address', dpv: 'pd:EmailAddress', fideslang: 'user.contact.email', policy: 'e-mail' },
  'contact.phone': { label: 'Telephone number', dpv: 'pd:TelephoneNumber', fideslang: 'user.contact.phone_number', policy: 'telephone number' },
  'device.cookie-id': { label: 'Cookie identifier', dpv: 'pd:Cookie', fideslang: 'user.device.cookie_id', policy: 'cookies' },
  'device.identifier': { label: 'Device or advertising identifier', dpv: 'pd:DeviceBased', fideslang: 'user.device.device_id', policy: 'identifiers and related technologies' },
  'device.info': { label: 'Device information', dpv: 'pd:DeviceBased', fideslang: 'user.device', policy: 'your device information' },
  'network.ip-address': { label: 'IP address', dpv: 'pd:IPAddress', fideslang: 'user.device.ip_address', policy: 'log information' },
  'behavior.browsing': { label: 'Browsing information', dpv: 'pd:BrowsingBehavior', fideslang: 'user.behavior.browsing_history', policy: 'browsing information' },
  'behavior.click': { label: 'Click information', dpv: 'pd:BrowsingBehavior', fideslang: 'user.behavior', policy: 'click information' },
  // Sensitive personal information (PIPL Art. 28; GDPR Art. 9 special categories for the last two).
  'identity.national-id': { label: 'National identity number', dpv: 'pd:NationalIdentificationNumber', fideslang: 'user.government_id.national_identification_number', law: 'PIPL Art. 28 (specific identity)' },
  'financial.account': { label: 'Financial account', dpv: 'pd:FinancialAccount', fideslang: 'user.financial.bank_account', law: 'PIPL Art. 28 (financial accounts)' },
  'location.precise': { label: 'Precise location', dpv: 'pd:Location', fideslang: 'user.location.precise', law: 'PIPL Art. 28 (whereabouts)' },
  'biometric.face': { label: 'Facial image (biometric)', dpv: 'pd:FacialPrint', fideslang: 'user.biometric', law: 'PIPL Art. 28 (biometrics); GDPR Art. 9' },
  'health.record': { label: 'Health record', dpv: 'pd:HealthRecord', fideslang: 'user.health_and_medical', law: 'PIPL Art. 28 (medical health); GDPR Art. 9' },
} as const satisfies Vocabulary<string>;

/** The categories PIPL Art. 28 calls sensitive: the default of the policy's `sensitive` section. */
export const SENSITIVE_CATEGORIES = ['identity.national-id', 'financial.account', 'location.precise', 'biometric.face', 'health.record'] as const satisfies readonly (keyof typeof dataCategories)[];

export const purposes = {
  'account-registration': { label: 'Registering and managing the account', dpv: 'dpv:CustomerManagement', fideslang: 'essential.service', policy: 'register as our user' },
  'service-provision': { label: 'Providing the service', dpv: 'dpv:ServiceProvision', fideslang: 'essential.service', policy: 'enjoy some services provided by us' },
  personalization: { label: 'Personalised user experience', dpv: 'dpv:ServicePersonalisation', fideslang: 'personalize', policy: 'provide you with personalized user experience' },
  'service-security': { label: 'Security of the service', dpv: 'dpv:EnforceSecurity', fideslang: 'essential.service.security', policy: 'ensure service security' },
  'business-management': { label: 'Managing daily business activities', dpv: 'dpv:OrganisationGovernance', fideslang: 'operations', policy: 'manage our daily business activities' },
  'legal-compliance': { label: 'Complying with the law and authorities', dpv: 'dpv:LegalCompliance', fideslang: 'essential.legal_obligation', policy: 'in accordance with laws and regulations or the mandatory requirements of the competent government departments' },
  analytics: { label: 'Analytics', dpv: 'dpv:ServiceOptimisation', fideslang: 'analytics' },
  marketing: { label: 'Marketing', dpv: 'dpv:Marketing', fideslang: 'marketing' },
} as const satisfies Vocabulary<string>;

export const legalBases = {
  consent: { label: 'Consent', dpv: 'dpv:Consent', law: 'GDPR Art. 6(1)(a); PIPL Art. 13(1)', policy: 'obtain your consent' },
  contract: { label: 'Performance of a contract', dpv: 'dpv:Contract', law: 'GDPR Art. 6(1)(b); PIPL Art. 13(2)', policy: 'register as our user' },
  'legal-obligation': { label: 'Legal obligation', dpv: 'dpv:LegalObligation', law: 'GDPR Art. 6(1)(c); PIPL Art. 13(3)', policy: 'in accordance with laws and regulations' },
  'legitimate-interest': { label: 'Legitimate interest', dpv: 'dpv:LegitimateInterest', law: 'GDPR Art. 6(1)(f) (PIPL has no general equivalent)', policy: 'in order to pursue legitimate interests' },
  'vital-interest': { label: 'Vital interest', dpv: 'dpv:VitalInterest', law: 'GDPR Art. 6(1)(d); PIPL Art. 13(4)' },
  'public-interest': { label: 'Public interest', dpv: 'dpv:PublicInterest', law: 'GDPR Art. 6(1)(e); PIPL Art. 13(5)' },
} as const satisfies Vocabulary<string>;

export const storageKinds = {
  'app-local-cache': { label: 'Local storage in the app', dpv: 'dpv:LocalLocation', policy: 'local storage (such as data caching with APP)' },
  database: { label: 'Database', dpv: 'dpv:StorageLocation', policy: 'database' },
  'server-log': { label: 'Server log', dpv: 'dpv:StorageLocation', policy: 'server log' },
} as const satisfies Vocabulary<string>;

export const sources = {
  subject: { label: 'Provided by the subject', dpv: 'dpv:DataSubjectDataSource', policy: 'provided to us when you register your account' },
  automatic: { label: 'Collected automatically (observed)', dpv: 'dpv:ObservedPersonalData', policy: 'collect through cookies, identifiers and related technologies' },
  'third-party': { label: 'Received from a third party', dpv: 'dpv:ThirdPartyDataSource', policy: 'our third-party partners' },
} as const satisfies Vocabulary<string>;

export const collectionMethods = {
  registration: { label: 'Registration form', dpv: 'dpv:Collect' },
  form: { label: 'Other form filled in by the subject', dpv: 'dpv:Collect' },
  cookie: { label: 'Cookie', dpv: 'dpv:Observe', policy: 'cookies' },
  sdk: { label: 'App SDK', dpv: 'dpv:Observe', policy: 'identifiers and related technologies' },
  'server-log': { label: 'Server log', dpv: 'dpv:Observe', policy: 'store such information as log information' },
  import: { label: 'Bulk import from a partner', dpv: 'dpv:Acquire' },
} as const satisfies Vocabulary<string>;

export const recipientKinds = {
  'third-party': { label: 'Third party (its own controller)', dpv: 'dpv:ThirdParty', policy: 'do not share them with any third party' },
  processor: { label: 'Processor acting for us', dpv: 'dpv:DataProcessor' },
  authority: { label: 'Public authority', dpv: 'dpv:Authority', policy: 'competent government departments' },
} as const satisfies Vocabulary<string>;

export const legalInstruments = {
  subpoena: { label: 'Subpoena', dpv: null, law: 'PIPL Art. 13(3); PRC Criminal Procedure Law Art. 54', policy: 'subpoena' },
  'investigation-letter': { label: 'Investigation letter', dpv: null, law: 'PRC Criminal Procedure Law Art. 54', policy: 'investigation letter' },
  'court-order': { label: 'Court order', dpv: null, law: 'GDPR Art. 6(1)(c)' },
  other: { label: 'Other legal document', dpv: null, law: 'PIPL Art. 13(3); GDPR Art. 6(1)(c)', policy: 'corresponding legal documents' },
} as const satisfies Vocabulary<string>;

export const transferMechanisms = {
  'security-assessment': { label: 'CAC security assessment', dpv: null, law: 'PIPL Art. 38(1), Art. 40' },
  'standard-contract': { label: 'Standard contract', dpv: 'dpv:StandardContractualClauses', law: 'PIPL Art. 38(3); GDPR Art. 46(2)(c)' },
  certification: { label: 'Personal information protection certification', dpv: 'dpv:Certification', law: 'PIPL Art. 38(2); GDPR Art. 46(2)(f)' },
  other: { label: 'Other mechanism', dpv: null, law: 'PIPL Art. 38(4)' },
} as const satisfies Vocabulary<string>;

export const deletionMethods = {
  delete: { label: 'Deleted', dpv: 'dpv:Erase', policy: 'delete your personal information' },
  anonymize: { label: 'Anonymized', dpv: 'dpv:Anonymise', policy: 'or anonymize' },
} as const satisfies Vocabulary<string>;

export const deletionReasons = {
  'retention-expired': { label: 'Retention period ended', dpv: 'dpv:StorageDuration', policy: 'only store your personal information within the time necessary' },
  'subject-request': { label: 'Requested by the subject', dpv: 'dpv:RightToErasure', law: 'GDPR Art. 17; PIPL Art. 47' },
  'consent-withdrawn': { label: 'Consent withdrawn', dpv: 'dpv:ConsentWithdrawn', law: 'PIPL Art. 47(3)' },
  'service-shutdown': { label: 'Service stopped', dpv: null, law: 'PIPL Art. 47(2)', policy: 'When the operation of our products or services stops' },
  'purpose-achieved': { label: 'Purpose achieved', dpv: null, law: 'PIPL Art. 47(1)' },
  'legal-requirement': { label: 'Required by law', dpv: null, law: 'PIPL Art. 47(4)' },
} as const satisfies Vocabulary<string>;

export const actorKinds = {
  system: { label: 'System', dpv: 'dpv:Technology' },
  employee: { label: 'Employee', dpv: 'dpv:Employee' },
  subject: { label: 'The data subject', dpv: 'dpv:DataSubject' },
  authority: { label: 'Authority', dpv: 'dpv:Authority' },
} as const satisfies Vocabulary<string>;

export const requestKinds = {
  access: { label: 'Access', dpv: 'dpv:RightToAccess', law: 'GDPR Art. 15; PIPL Art. 45' },
  erasure: { label: 'Erasure', dpv: 'dpv:RightToErasure', law: 'GDPR Art. 17; PIPL Art. 47' },
  rectification: { label: 'Rectification', dpv: 'dpv:RightToRectification', law: 'GDPR Art. 16; PIPL Art. 46' },
  portability: { label: 'Portability', dpv: 'dpv:RightToDataPortability', law: 'GDPR Art. 20; PIPL Art. 45' },
  restriction: { label: 'Restriction', dpv: 'dpv:RightToRestrictProcessing', law: 'GDPR Art. 18; PIPL Art. 44' },
  objection: { label: 'Objection', dpv: 'dpv:RightToObject', law: 'GDPR Art. 21; PIPL Art. 44' },
} as const satisfies Vocabulary<string>;

/** Why a request was refused: the subject is owed the reason (GDPR Art. 12(4); PIPL Art. 50). Terms, never free text: a note could carry a value. */
export const refusalReasons = {
  'identity-not-verified': { label: 'Identity could not be verified', dpv: null, law: 'GDPR Art. 12(6)' },
  'manifestly-unfounded': { label: 'Manifestly unfounded', dpv: null, law: 'GDPR Art. 12(5)(b)' },
  excessive: { label: 'Excessive or repeated', dpv: null, law: 'GDPR Art. 12(5)(b)' },
  'legal-obligation': { label: 'Kept under a legal obligation', dpv: 'dpv:LegalObligation', law: 'GDPR Art. 17(3)(b); PIPL Art. 47' },
  'legal-claims': { label: 'Needed for legal claims', dpv: null, law: 'GDPR Art. 17(3)(e)' },
  'rights-of-others': { label: 'Would affect the rights of others', dpv: null, law: 'GDPR Art. 15(4)' },
  'no-data-held': { label: 'No data held about the person', dpv: null, law: 'GDPR Art. 15(1)' },
} as const satisfies Vocabulary<string>;

export const notificationChannels = {
  push: { label: 'Push notice', dpv: 'dpv:Notice', policy: 'push notice' },
  announcement: { label: 'Public announcement', dpv: 'dpv:Notice', policy: 'announcement' },
  email: { label: 'E-mail', dpv: 'dpv:Notice' },
  sms: { label: 'SMS', dpv: 'dpv:Notice' },
  'in-app': { label: 'In-app message', dpv: 'dpv:Notice' },
} as const satisfies Vocabulary<string>;

/** Every vocabulary, named as it is documented. */
export const vocabularies = {
  'data categories': dataCategories,
  purposes,
  'legal bases': legalBases,
  sources,
  'collection methods': collectionMethods,
  'storage kinds': storageKinds,
  'recipient kinds': recipientKinds,
  'legal instruments': legalInstruments,
  'transfer mechanisms': transferMechanisms,
  'deletion methods': deletionMethods,
  'deletion reasons': deletionReasons,
  'actor kinds': actorKinds,
  'request kinds': requestKinds,
  'refusal reasons': refusalReasons,
  'notification channels': notificationChannels,
} as const;

/** A zod enum over a vocabulary whose error names the vocabulary and the bad value. */
function termOf<V extends Vocabulary<string>>(vocabulary: V, noun: string) {
  const keys = Object.keys(vocabulary) as [Extract<keyof V, string>, ...Extract<keyof V, string>[]];
  return z.enum(keys, {
    error: (issue) =>
      issue.input === undefined ? `${noun} is required` : `unknown ${noun} ${JSON.stringify(issue.input)}`,
  });
}

export const DataCategory = termOf(dataCategories, 'category');
export const Purpose = termOf(purposes, 'purpose');
export const LegalBasis = termOf(legalBases, 'legal basis');
export const Source = termOf(sources, 'source');
export const CollectionMethod = termOf(collectionMethods, 'collection method');
export const StorageKind = termOf(storageKinds, 'storage kind');
export const RecipientKind = termOf(recipientKinds, 'recipient kind');
export const LegalInstrument = termOf(legalInstruments, 'legal instrument');
export const TransferMechanism = termOf(transferMechanisms, 'transfer mechanism');
export const DeletionMethod = termOf(deletionMethods, 'deletion method');
export const DeletionReason = termOf(deletionReasons, 'deletion reason');
export const ActorKind = termOf(actorKinds, 'actor kind');
export const RequestKind = termOf(requestKinds, 'request kind');
export const RefusalReason = termOf(refusalReasons, 'refusal reason');
export const NotificationChannel = termOf(notificationChannels, 'notification channel');

export type DataCategory = z.infer<typeof DataCategory>;
export type Purpose = z.infer<typeof Purpose>;
export type LegalBasis = z.infer<typeof LegalBasis>;
export type StorageKind = z.infer<typeof StorageKind>;
export type RecipientKind = z.infer<typeof RecipientKind>;

/** A term's human label in its vocabulary; the term itself when the vocabulary does not hold it (a stored value of an older version). */
export function labelOf(vocabulary: Readonly<Record<string, { readonly label: string }>>, term: string): string {
  return Object.hasOwn(vocabulary, term) ? vocabulary[term]!.label : term;
}
