/** Who may do what. `auditor` reads every report but never a decrypted value. */
export const ROLES = ['admin', 'producer', 'dpo', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const permissions = {
  recordEvents: ['admin', 'producer'],
  createApiKey: ['admin'],
  subjectAccess: ['admin', 'dpo', 'auditor'],
  processingRegister: ['admin', 'dpo', 'auditor'],
  complianceReport: ['admin', 'dpo', 'auditor'],
  incidentImpact: ['admin', 'dpo', 'auditor'],
  events: ['admin', 'dpo', 'auditor'],
  ledgerHead: ['admin', 'producer', 'dpo', 'auditor'],
  ingestStatus: ['admin', 'producer', 'dpo', 'auditor'],
  revealValues: ['admin', 'dpo'],
  authorize: ['admin', 'producer', 'dpo'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export const may = (role: Role, permission: Permission): boolean => (permissions[permission] as readonly Role[]).includes(role);
