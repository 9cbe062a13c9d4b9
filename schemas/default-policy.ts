/**
 * `privacy-policy.txt` as a policy document: every checkable promise of it, each with the
 * sentence it comes from. Where the policy is silent on a number the ledger needs (how long
 * is "a reasonable period"), the value chosen is said, with its source, in `source`.
 */
import type { PolicyWithLaw } from './policy.js';
import { SENSITIVE_CATEGORIES } from './taxonomy.js';

export const DEFAULT_POLICY_VERSION = 'default';

export const defaultPolicy: PolicyWithLaw = {
  title: 'Privacy policy (privacy-policy.txt)',
  storage: {
    regions: ['CN'],
    source: 'We will store the user\'s personal information collected in China in accordance with laws and regulations. ' +
      'At present, we will not transmit or store your personal information across borders.',
  },
  sharing: {
    forbiddenRecipientKinds: ['third-party'],
    source: 'For the comprehensive consideration of business and all aspects, we only use these data ourselves and do not share them with any third party.',
  },
  legalDisclosure: {
    requireLegalRequest: true,
    acceptedInstruments: ['subpoena', 'investigation-letter', 'court-order', 'other'],
    source: 'When we receive the above request for information disclosure, we will require to issue corresponding legal documents, such as subpoena or investigation letter.',
  },
  consent: {
    required: [
      { purpose: 'personalization', categories: ['device.cookie-id', 'device.identifier', 'behavior.browsing', 'behavior.click'] },
      { purpose: 'marketing' },
    ],
    source: 'You can deny or manage the use of cookies, identifiers or related technologies through browser settings. ' +
      '(Marketing is no purpose the policy announces, so it may only rest on consent.)',
  },
  retention: {
    default: 'P3Y',
    rules: [
      { category: 'device.cookie-id', period: 'P6M', source: 'store such information as log information' },
      { category: 'behavior.browsing', period: 'P6M', source: 'store such information as log information' },
      { category: 'behavior.click', period: 'P6M', source: 'store such information as log information' },
      { category: 'network.ip-address', period: 'P6M', source: 'PRC Cybersecurity Law Art. 21(3): network logs kept at least six months' },
    ],
    source: 'Generally, we will only store your personal information within the time necessary to achieve the purpose of the service ' +
      'or under the conditions specified by laws and regulations. (Three years when nothing more specific applies: our choice, stated here.)',
  },
  crossBorder: {
    requireSeparateConsent: true,
    requiredDisclosures: ['purpose', 'recipient', 'securityMeasures', 'risks'],
    source: 'If cross-border transmission or storage is required in the future, we will inform you of the purpose, receiver, ' +
      'security assurance measures and security risks of information leaving the country, and obtain your consent.',
  },
  shutdown: {
    noticeRequired: true,
    noticeChannels: ['push', 'announcement', 'email', 'sms', 'in-app'],
    deletionPeriod: 'P30D',
    source: 'When the operation of our products or services stops, we will notify you in the form of push notice, announcement, etc., ' +
      'and delete your personal information or anonymize within a reasonable period of time. (A reasonable period: 30 days.)',
  },
  declared: [
    { purpose: 'account-registration', categories: ['contact.phone', 'contact.email'], recipientKinds: [], regions: ['CN'],
      source: 'the relevant personal information provided to us when you register your account or use our services, such as telephone number, e-mail' },
    { purpose: 'service-provision', categories: ['contact.phone', 'contact.email'], recipientKinds: [], regions: ['CN'],
      source: 'the relevant personal information provided to us when you register your account or use our services, such as telephone number, e-mail' },
    { purpose: 'personalization', categories: ['device.cookie-id', 'device.identifier', 'device.info', 'network.ip-address', 'behavior.browsing', 'behavior.click'],
      recipientKinds: [], regions: ['CN'], source: 'Log information … including your device information, browsing information and click information … to provide you with personalized user experience' },
    { purpose: 'service-security', categories: ['device.cookie-id', 'device.identifier', 'device.info', 'network.ip-address', 'behavior.browsing', 'behavior.click'],
      recipientKinds: [], regions: ['CN'], source: 'Log information … and store such information as log information to … ensure service security' },
    { purpose: 'business-management', recipientKinds: [], regions: ['CN'],
      source: 'When it is necessary to manage our daily business activities … we will use your personal information … we only use these data ourselves' },
    { purpose: 'legal-compliance', recipientKinds: ['authority'], regions: ['CN'],
      source: 'We may share your personal information in accordance with laws and regulations or the mandatory requirements of the competent government departments' },
  ],
  impactAssessment: {
    required: true,
    source: 'PIPL Art. 55–56: a personal information protection impact assessment, recorded beforehand, before processing sensitive ' +
      'information, making automated decisions, entrusting processing or providing information to others, and transferring it abroad. From the law.',
  },
  incidentNotification: {
    period: 'PT72H',
    source: 'GDPR Art. 33 (the authority within 72 hours) and Art. 34; PIPL Art. 57 says "immediately" — 72 hours is our reading of it, ' +
      'applied to the authority and to the people affected alike. From the law: the policy itself is silent.',
  },
  sensitive: {
    categories: [...SENSITIVE_CATEGORIES],
    requireSeparateConsent: true,
    source: 'PIPL Art. 28–29: sensitive personal information (specific identity, financial accounts, whereabouts, biometrics, ' +
      'medical health…) may be processed only with a separate consent. From the law: the policy itself is silent.',
  },
  subjectRequests: {
    deadline: 'P15D',
    source: 'PIPL Art. 50 (requests handled promptly); GB/T 35273-2020 §8.7: answer within 15 days. The policy itself names no deadline.',
  },
};
