/** Incident impact's answer for an unknown incident and the auth matrix, over real HTTP against `pdl serve`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';

let server: PdlServer;
beforeAll(async () => {
  server = await startPdlServer();
});
afterAll(async () => {
  await server.stop();
});

// Which subjects an incident affected is specified in memory (test/unit/projections/incidents.test.ts).
describe('incidentImpact', () => {
  it('answers null for an unknown incident', async () => {
    expect((await server.gql('{ incidentImpact(incidentId: "nope") { subjectCount } }')).data).toEqual({ incidentImpact: null });
  });
});

const OPERATIONS: Record<string, { query: string; allowed: string[] }> = {
  subjectAccess: { query: '{ subjectAccess(subjectId: "s-through") { subjectId } }', allowed: ['admin', 'dpo', 'auditor'] },
  processingRegister: { query: '{ processingRegister { purposes { purpose } } }', allowed: ['admin', 'dpo', 'auditor'] },
  processingDrift: { query: '{ processingDrift { declared undeclared { purpose dimension value evidence } } }', allowed: ['admin', 'dpo', 'auditor'] },
  complianceReport: { query: '{ complianceReport { asOf violations { rule } } }', allowed: ['admin', 'dpo', 'auditor'] },
  incidentImpact: { query: '{ incidentImpact(incidentId: "inc-x") { subjectCount } }', allowed: ['admin', 'dpo', 'auditor'] },
  events: { query: '{ events(first: 1) { totalCount } }', allowed: ['admin', 'dpo', 'auditor'] },
  ledgerHead: { query: '{ ledgerHead { position hash } }', allowed: ['admin', 'producer', 'dpo', 'auditor'] },
  checkpoint: { query: '{ checkpoint { size root note verifierKey } }', allowed: ['admin', 'producer', 'dpo', 'auditor'] },
  subjects: { query: '{ subjects(search: "s-") { edges { node { subjectId } } } }', allowed: ['admin', 'dpo', 'auditor'] },
  incidents: { query: '{ incidents { incidentId subjectCount } }', allowed: ['admin', 'dpo', 'auditor'] },
  legalRequests: { query: '{ legalRequests { requestId } }', allowed: ['admin', 'dpo', 'auditor'] },
  subjectRequests: { query: '{ subjectRequests { requestId status } }', allowed: ['admin', 'dpo', 'auditor'] },
  event: { query: '{ event(id: "00000000-0000-4000-8000-000000000000") { id } }', allowed: ['admin', 'dpo', 'auditor'] },
  verify: { query: '{ verify { ok checked } }', allowed: ['admin', 'dpo', 'auditor'] },
  exportSubject: { query: '{ exportSubject(subjectId: "s-through") { html } }', allowed: ['admin', 'dpo'] },
  authorize: { query: '{ authorize(subjectId: "s-through", purpose: "analytics", categories: ["contact.email"]) { allowed } }', allowed: ['admin', 'producer', 'dpo'] },
  // A DPO records requests, answers and erasures; SubjectErased/PolicyPublished from a producer are refused by path (security-model test).
  recordEvents: { query: 'mutation { recordEvents(events: []) { appended } }', allowed: ['admin', 'producer', 'dpo'] },
  subjectAccessByIdentifier: { query: '{ subjectAccessByIdentifier: subjectAccess(identifier: { kind: "email", value: "nobody@example.cn" }) { subjectId } }', allowed: ['admin', 'dpo'] },
  createApiKey: { query: 'mutation { createApiKey(role: auditor) { id } }', allowed: ['admin'] },
  apiKeys: { query: '{ apiKeys { id role label createdAt } }', allowed: ['admin'] },
  revokeApiKey: { query: 'mutation { revokeApiKey(id: "no-such-key") }', allowed: ['admin'] },
};

describe('the auth matrix: every operation × every role × no key / bad key', () => {
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    // The subject and the incident the operations name.
    const recorded = await server.gql<{ recordEvents: { rejected: unknown[] } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { rejected { index } } }', { e: [
      anEvent('DataCollected', { subject: { id: 's-through' }, occurredAt: '2026-04-01T00:00:00Z', data: {
        categories: ['network.ip-address'], values: undefined, source: 'automatic', method: 'server-log', purposes: ['service-security'],
        legalBasis: 'legitimate-interest', storage: { system: 'web-log', kind: 'server-log', region: 'CN' }, retention: undefined } }),
      anEvent('IncidentOpened', { data: { incidentId: 'inc-x', systems: ['web-log'], window: { from: '2026-04-10T00:00:00Z', to: '2026-04-15T00:00:00Z' } } }),
    ] });
    if (recorded.data?.recordEvents.rejected.length !== 0) throw new Error(`the matrix's events were refused: ${JSON.stringify(recorded)}`);
    keys.admin = server.adminKey;
    for (const role of ['producer', 'dpo', 'auditor']) {
      keys[role] = (await server.gql<{ createApiKey: { key: string } }>(`mutation { createApiKey(role: ${role}, label: "matrix") { key } }`)).data!.createApiKey.key;
    }
  });

  for (const [operation, { query, allowed }] of Object.entries(OPERATIONS)) {
    for (const role of ['admin', 'producer', 'dpo', 'auditor']) {
      const verdict = allowed.includes(role) ? 'allowed' : 'FORBIDDEN';
      it(`${operation} as ${role}: ${verdict}`, async () => {
        const response = await server.gql(query, {}, keys[role]);
        expect(response.status).toBe(200);
        if (verdict === 'allowed') {
          expect(response.errors).toBeUndefined();
          expect(response.data?.[operation]).toBeDefined();
        } else {
          expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
          expect(response.data?.[operation] ?? null).toBeNull();
        }
      });
    }
    it(`${operation} with no key: HTTP 401`, async () => {
      const response = await server.gql(query, {}, null);
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
    it(`${operation} with a bad key: HTTP 401`, async () => {
      const response = await server.gql(query, {}, 'pdl_0000_not-a-key');
      expect(response.status).toBe(401);
    });
  }

  it('answers a domain error with its message and stable code', async () => {
    const response = await server.gql('{ subjectAccess { subjectId } }', {}, keys.dpo);
    expect(response.errors?.[0]).toMatchObject({ message: 'give subjectId or identifier', extensions: { code: 'VALIDATION' } });
  });
});
