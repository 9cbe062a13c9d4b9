/**
 * Who may do what. `auditor` reads every report but never a decrypted value — nor learns one by
 * asking whether a guessed e-mail or phone belongs to someone (`lookUpByIdentifier`).
 */
export const ROLES = ['admin', 'producer', 'dpo', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const permissions = {
  recordEvents: ['admin', 'producer', 'dpo'],
  /** SubjectErased and PolicyPublished through recordEvents: they destroy keys or change the rules. */
  recordPrivileged: ['admin', 'dpo'],
  createApiKey: ['admin'],
  manageApiKeys: ['admin'],
  lookUpByIdentifier: ['admin', 'dpo'],
  subjectAccess: ['admin', 'dpo', 'auditor'],
  processingRegister: ['admin', 'dpo', 'auditor'],
  complianceReport: ['admin', 'dpo', 'auditor'],
  incidentImpact: ['admin', 'dpo', 'auditor'],
  events: ['admin', 'dpo', 'auditor'],
  /** The requests inbox: ids, kinds, dates and statuses (no value). */
  subjectRequests: ['admin', 'dpo', 'auditor'],
  ledgerHead: ['admin', 'producer', 'dpo', 'auditor'],
  ingestStatus: ['admin', 'producer', 'dpo', 'auditor'],
  revealValues: ['admin', 'dpo'],
  authorize: ['admin', 'producer', 'dpo'],
  /** Master-key generations and when a subject's erasure reaches every backup (subject ids only). */
  keyStatus: ['admin', 'dpo'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export const may = (role: Role, permission: Permission): boolean => {
  const allowed: readonly Role[] = permissions[permission];
  return allowed.includes(role);
};

/** The roles that have a permission, as an error message names them. */
export const rolesThatMay = (permission: Permission): string => permissions[permission].join(' or ');
