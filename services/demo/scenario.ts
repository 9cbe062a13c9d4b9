/**
 * A realistic scenario drawn from the privacy policy, for `pdl demo`: registrations with phone
 * and e-mail; cookies, device, browsing and click logs; a legitimate-interest use; a subpoena
 * and the disclosure it allows; a transfer abroad under a separate consent; a service shutdown
 * with notices and deletions; subject requests and an erasure; an incident — and a few things
 * done wrong (`DELIBERATE_WRONGS`), which the compliance report must find and nothing else.
 *
 * Ids are UUIDv5 of a name, so loading the demo twice stores it once.
 */
import { v5 as uuidv5 } from 'uuid';
import { defaultPolicy } from '../../schemas/default-policy.js';

const NAMESPACE = '6f1d8f5e-3a7b-4c1e-9d2a-7b5e0c4a9f10';
const demoIdOf = (name: string) => uuidv5(name, NAMESPACE);

type Json = Record<string, unknown>;
const system = (id: string) => ({ kind: 'system', id });
const employee = (id: string) => ({ kind: 'employee', id });

interface Person { id: string; name: string; email: string; phone: string }

export const DEMO_PEOPLE: readonly Person[] = [
  { id: 'u-1001', name: 'li.wei', email: 'li.wei@example.cn', phone: '+8613800001001' },
  { id: 'u-1002', name: 'wang.fang', email: 'wang.fang@example.cn', phone: '+8613800001002' },
  { id: 'u-1003', name: 'zhang.min', email: 'zhang.min@example.cn', phone: '+8613800001003' },
  { id: 'u-1004', name: 'chen.jie', email: 'chen.jie@example.cn', phone: '+8613800001004' },
  { id: 'u-1005', name: 'liu.yang', email: 'liu.yang@example.cn', phone: '+8613800001005' },
  { id: 'u-1006', name: 'zhao.lei', email: 'zhao.lei@example.cn', phone: '+8613800001006' },
];

/** What the demo does wrong on purpose: rule id → the subject and the event name that proves it. */
export const DELIBERATE_WRONGS: readonly { rule: string; subjectId: string | null; event: string }[] = [
  { rule: 'consent-missing', subjectId: 'u-1002', event: 'u-1002 personalization after cookies refused' },
  { rule: 'third-party-share', subjectId: 'u-1004', event: 'u-1004 shared with ad network' },
  // The same act breaks a second promise: marketing may only rest on consent.
  { rule: 'consent-missing', subjectId: 'u-1004', event: 'u-1004 shared with ad network' },
  { rule: 'disclosure-without-legal-basis', subjectId: 'u-1003', event: 'u-1003 phone given to police without request' },
  { rule: 'cross-border-without-consent', subjectId: 'u-1002', event: 'u-1002 analytics sent to Singapore' },
  { rule: 'storage-region', subjectId: 'u-1006', event: 'u-1006 device info stored in US' },
  // The same act took the data abroad by a path other than a transfer, with no separate consent.
  { rule: 'cross-border-without-consent', subjectId: 'u-1006', event: 'u-1006 device info stored in US' },
  { rule: 'shutdown-deletion-overdue', subjectId: 'u-1004', event: 'u-1004 mini-game profile' },
  { rule: 'request-overdue', subjectId: 'u-1003', event: 'u-1003 access request' },
  { rule: 'sensitive-without-separate-consent', subjectId: 'u-1001', event: 'u-1001 face template collected' },
  // Two wrong acts also had no impact assessment before them (PIPL Art. 55): the export abroad and the third-party share.
  { rule: 'impact-assessment-missing', subjectId: 'u-1002', event: 'u-1002 analytics sent to Singapore' },
  { rule: 'impact-assessment-missing', subjectId: 'u-1004', event: 'u-1004 shared with ad network' },
  // No single subject: the incident was reported to the authority late.
  { rule: 'incident-notification-overdue', subjectId: null, event: 'incident inc-2026-04' },
];

/** The id the demo gives the event of this name. */
export const demoEventId = demoIdOf;

export function demoEvents(): Json[] {
  const events: Json[] = [];
  const add = (name: string, type: string, occurredAt: string, actor: Json, data: Json, subjectId?: string, identifiers?: Json[]) => {
    events.push({
      id: demoIdOf(name), type, occurredAt, actor, data,
      ...(subjectId ? { subject: { id: subjectId, ...(identifiers ? { identifiers } : {}) } } : {}),
    });
  };
  const userDb = { system: 'user-db', kind: 'database', region: 'CN' };
  const webLog = { system: 'web-log', kind: 'server-log', region: 'CN' };

  // The demo's controller is made up (example.com addresses): privacy-policy.txt names none, so the built-in default has none.
  const controller = { name: 'Mini-game Studio (demo)', contact: 'privacy@minigame.example.com', dataProtectionOfficer: 'dpo@minigame.example.com' };
  add('policy v1', 'PolicyPublished', '2026-01-01T00:00:00Z', employee('dpo'), { version: '1', policy: { ...defaultPolicy, controller } });

  for (const [i, person] of DEMO_PEOPLE.entries()) {
    const at = `2026-02-0${i + 1}T09:00:00Z`;
    add(`${person.id} registration`, 'DataCollected', at, system('signup-service'), {
      categories: ['contact.email', 'contact.phone'], values: { 'contact.email': person.email, 'contact.phone': person.phone },
      source: 'subject', method: 'registration', purposes: ['account-registration', 'service-provision'], legalBasis: 'contract',
      storage: userDb, retention: 'P3Y',
    }, person.id, [{ kind: 'email', value: person.email }, { kind: 'phone', value: person.phone }]);
    add(`${person.id} cookie consent`, 'ConsentGiven', at, system('consent-banner'), {
      consentId: `c-cookies-${person.id}`, purposes: ['personalization'],
      categories: ['device.cookie-id', 'device.info', 'network.ip-address', 'behavior.browsing', 'behavior.click'],
      policyVersion: '1', channel: 'web-banner',
    }, person.id);
    add(`${person.id} logs`, 'DataCollected', `2026-02-0${i + 1}T09:05:00Z`, system('web-gateway'), {
      categories: ['device.cookie-id', 'device.info', 'network.ip-address', 'behavior.browsing', 'behavior.click'],
      values: { 'device.cookie-id': `ck-${person.id}`, 'network.ip-address': `203.0.113.${10 + i}` },
      source: 'automatic', method: 'cookie', purposes: ['personalization'], legalBasis: 'consent',
      consentId: `c-cookies-${person.id}`, storage: webLog, retention: 'P6M',
    }, person.id);
    add(`${person.id} risk check`, 'DataUsed', `2026-03-0${i + 1}T12:00:00Z`, system('risk-engine'), {
      categories: ['contact.phone', 'network.ip-address'], purpose: 'service-security', legalBasis: 'legitimate-interest', system: 'risk-engine',
    }, person.id);
  }

  // Business management under legitimate interest, ourselves only.
  add('u-1001 monthly report', 'DataUsed', '2026-03-31T18:00:00Z', system('bi-warehouse'), {
    categories: ['behavior.click'], purpose: 'business-management', legalBasis: 'legitimate-interest', system: 'bi-warehouse',
  }, 'u-1001');

  // Cookies refused by u-1002, then used for personalization anyway (wrong).
  add('u-1002 cookies refused', 'ConsentWithdrawn', '2026-03-10T08:00:00Z', system('consent-banner'), { consentId: 'c-cookies-u-1002' }, 'u-1002');
  add('u-1002 personalization after cookies refused', 'DataUsed', '2026-03-12T08:00:00Z', system('recommender'), {
    categories: ['behavior.browsing'], purpose: 'personalization', legalBasis: 'consent', system: 'recommender', consentId: 'c-cookies-u-1002',
  }, 'u-1002');

  // A subpoena, and the disclosure it allows.
  add('subpoena lr-2026-17', 'LegalRequestReceived', '2026-04-02T10:00:00Z', employee('legal-team'), {
    requestId: 'lr-2026-17', authority: 'Shanghai Public Security Bureau', instrument: 'subpoena', reference: '(2026) Hu Gong No. 17',
    categories: ['contact.phone'],
  }, 'u-1002');
  const psb = { id: 'psb-sh', name: 'Shanghai Public Security Bureau', kind: 'authority', region: 'CN' };
  add('u-1002 phone disclosed to police', 'DataShared', '2026-04-03T10:00:00Z', employee('legal-team'), {
    categories: ['contact.phone'], recipient: psb, purpose: 'legal-compliance', legalBasis: 'legal-obligation', legalRequestId: 'lr-2026-17',
  }, 'u-1002');
  // The same kind of disclosure with no legal request behind it (wrong).
  add('u-1003 phone given to police without request', 'DataShared', '2026-04-05T10:00:00Z', employee('support-agent-7'), {
    categories: ['contact.phone'], recipient: psb, purpose: 'legal-compliance', legalBasis: 'legal-obligation',
  }, 'u-1003');

  // Impact assessments (PIPL Art. 55–56) for the CRM hosting abroad and the face login, recorded before either.
  add('dpia crm hosting', 'ImpactAssessmentCompleted', '2026-04-01T09:00:00Z', employee('dpo'), {
    assessmentId: 'dpia-2026-03-crm', scope: { purposes: ['service-provision'], recipientKinds: ['processor'], toRegions: ['US'] },
    conclusion: 'acceptable-with-measures', reference: 'DPIA-2026-03 (CRM Inc, US)',
  });
  add('dpia face login', 'ImpactAssessmentCompleted', '2026-04-15T09:00:00Z', employee('dpo'), {
    assessmentId: 'dpia-2026-04-face', scope: { purposes: ['service-security'], categories: ['biometric.face'] },
    conclusion: 'acceptable-with-measures', reference: 'DPIA-2026-04 (face login)',
  });
  // A transfer abroad under a separate consent with every disclosure (PIPL Art. 39).
  add('u-1003 cross-border consent', 'ConsentGiven', '2026-04-10T09:00:00Z', system('app'), {
    consentId: 'c-xborder-u-1003', purposes: ['service-provision'], categories: ['contact.email'], separate: true,
    disclosures: { purpose: 'CRM hosting for customer support', recipient: 'CRM Inc (US)', securityMeasures: ['encryption in transit and at rest', 'access logging'], risks: ['access by foreign authorities', 'weaker remedies abroad'] },
    policyVersion: '1', channel: 'app',
  }, 'u-1003');
  add('u-1003 email sent to CRM', 'DataTransferredAbroad', '2026-04-11T09:00:00Z', system('crm-sync'), {
    categories: ['contact.email'], recipient: { id: 'crm-us', name: 'CRM Inc', kind: 'processor', region: 'US' }, fromRegion: 'CN', toRegion: 'US',
    purpose: 'service-provision', securityMeasures: ['encryption in transit and at rest', 'access logging'], risks: ['access by foreign authorities', 'weaker remedies abroad'],
    mechanism: 'standard-contract', consentId: 'c-xborder-u-1003',
  }, 'u-1003');
  // A transfer abroad with no consent at all (wrong).
  add('u-1002 analytics sent to Singapore', 'DataTransferredAbroad', '2026-04-12T09:00:00Z', system('analytics-export'), {
    categories: ['behavior.click'], recipient: { id: 'insights-sg', name: 'Insights Pte', kind: 'processor', region: 'SG' }, fromRegion: 'CN', toRegion: 'SG',
    purpose: 'analytics', securityMeasures: ['encryption in transit'], risks: ['foreign jurisdiction'], mechanism: 'standard-contract',
  }, 'u-1002');
  // Shared with a third party, which the policy forbids (wrong).
  add('u-1004 shared with ad network', 'DataShared', '2026-04-14T09:00:00Z', system('growth-team-export'), {
    categories: ['device.cookie-id'], recipient: { id: 'adnet', name: 'AdNet Co', kind: 'third-party', region: 'CN' }, purpose: 'marketing', legalBasis: 'legitimate-interest',
  }, 'u-1004');
  // Face login: a face template is sensitive (PIPL Art. 28), and the consent behind it is not a separate one (wrong).
  add('u-1001 face login consent', 'ConsentGiven', '2026-04-20T09:00:00Z', system('app'), {
    consentId: 'c-face-u-1001', purposes: ['service-security'], categories: ['biometric.face'], policyVersion: '1', channel: 'app',
  }, 'u-1001');
  add('u-1001 face template collected', 'DataCollected', '2026-04-20T09:01:00Z', system('face-login'), {
    categories: ['biometric.face'], values: { 'biometric.face': 'face-template-v2:u-1001' }, source: 'subject', method: 'form',
    purposes: ['service-security'], legalBasis: 'consent', consentId: 'c-face-u-1001', storage: userDb, retention: 'P1Y',
  }, 'u-1001');
  // Stored outside China with no transfer recorded (wrong).
  add('u-1006 device info stored in US', 'DataCollected', '2026-04-15T09:00:00Z', system('crash-reporter'), {
    categories: ['device.info'], source: 'automatic', method: 'sdk', purposes: ['service-security'], legalBasis: 'legitimate-interest',
    storage: { system: 'crash-reports-us', kind: 'database', region: 'US' }, retention: 'P3Y',
  }, 'u-1006');

  // An incident: the web log bucket was exposed for five days.
  add('incident inc-2026-04', 'IncidentOpened', '2026-04-16T08:00:00Z', employee('security-team'), {
    incidentId: 'inc-2026-04', systems: ['web-log'], window: { from: '2026-04-10T00:00:00Z', to: '2026-04-15T00:00:00Z' },
    description: 'web log bucket publicly readable',
  });
  // Everybody affected was told within two days; the authority only after four, past the 72 hours (wrong).
  add('inc-2026-04 users told', 'IncidentReported', '2026-04-18T10:00:00Z', employee('security-team'), {
    incidentId: 'inc-2026-04', audience: 'subjects', channel: 'email',
  });
  add('inc-2026-04 reported to CAC', 'IncidentReported', '2026-04-20T16:00:00Z', employee('security-team'), {
    incidentId: 'inc-2026-04', audience: 'authority', authority: 'Cyberspace Administration of China (Shanghai)', channel: 'online form',
  });

  // The mini-game shuts down: notices, then deletion — except for one user (wrong).
  for (const id of ['u-1001', 'u-1004']) {
    add(`${id} mini-game profile`, 'DataCollected', '2026-05-01T09:00:00Z', system('mini-game'), {
      categories: ['device.identifier'], values: { 'device.identifier': `idfa-${id}` }, source: 'automatic', method: 'sdk', purposes: ['service-provision'],
      legalBasis: 'contract', storage: { system: 'minigame-db', kind: 'database', region: 'CN' },
    }, id);
  }
  add('mini-game shutdown', 'ServiceShutdownAnnounced', '2026-05-20T00:00:00Z', employee('product-team'), {
    service: 'mini-game', systems: ['minigame-db'], effectiveAt: '2026-06-09T00:00:00Z', deletionDeadline: '2026-07-09T00:00:00Z',
  });
  for (const id of ['u-1001', 'u-1004']) {
    add(`${id} shutdown notice`, 'SubjectNotified', '2026-05-21T00:00:00Z', system('push-service'), { channel: 'push', topic: 'service-shutdown', service: 'mini-game' }, id);
  }
  add('mini-game announcement', 'SubjectNotified', '2026-05-21T00:00:00Z', employee('product-team'), { channel: 'announcement', topic: 'service-shutdown', service: 'mini-game' });
  add('u-1001 mini-game deletion', 'DataDeleted', '2026-06-20T00:00:00Z', system('mini-game'), {
    categories: ['device.identifier'], method: 'delete', reason: 'service-shutdown', systems: ['minigame-db'],
  }, 'u-1001');

  // Subject requests: one answered, one left open (wrong), one erasure.
  add('u-1001 access request', 'SubjectRequestReceived', '2026-07-01T09:00:00Z', system('privacy-portal'), { requestId: 'r-1001-access', kind: 'access' }, 'u-1001');
  add('u-1001 access answered', 'SubjectRequestCompleted', '2026-07-03T09:00:00Z', employee('dpo'), { requestId: 'r-1001-access', outcome: 'fulfilled' }, 'u-1001');
  add('u-1003 access request', 'SubjectRequestReceived', '2026-07-05T09:00:00Z', system('privacy-portal'), { requestId: 'r-1003-access', kind: 'access' }, 'u-1003');
  add('u-1005 erasure request', 'SubjectRequestReceived', '2026-07-10T09:00:00Z', system('privacy-portal'), { requestId: 'r-1005-erasure', kind: 'erasure' }, 'u-1005');
  add('u-1005 erased', 'SubjectErased', '2026-07-11T09:00:00Z', employee('dpo'), { reason: 'subject-request', requestId: 'r-1005-erasure' }, 'u-1005');
  add('u-1005 erasure answered', 'SubjectRequestCompleted', '2026-07-11T09:05:00Z', employee('dpo'), { requestId: 'r-1005-erasure', outcome: 'fulfilled' }, 'u-1005');

  // Logs kept six months, then deleted on time.
  for (const person of DEMO_PEOPLE.filter((p) => p.id !== 'u-1005')) {
    add(`${person.id} logs expired`, 'DataDeleted', '2026-08-01T00:00:00Z', system('log-retention-job'), {
      categories: ['device.cookie-id', 'device.info', 'network.ip-address', 'behavior.browsing', 'behavior.click'], method: 'delete',
      reason: 'retention-expired', systems: ['web-log'],
    }, person.id);
  }

  return events;
}
