import { randomUUID } from 'node:crypto';

/** The same ~300-byte event for every contender: a registration carrying one e-mail value. */
export function sampleEvent(subject: string, i: number) {
  return {
    id: randomUUID(),
    type: 'DataCollected',
    occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    subject: { id: subject },
    actor: { kind: 'system', id: 'signup-service' },
    data: {
      categories: ['contact.email'], values: { 'contact.email': `user${i}@example.cn` }, source: 'subject', method: 'registration',
      purposes: ['account-registration'], legalBasis: 'contract', storage: { system: 'user-db', kind: 'database', region: 'CN' }, retention: 'P3Y',
    },
  };
}
