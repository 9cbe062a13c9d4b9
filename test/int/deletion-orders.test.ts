/**
 * Erasure that reaches every copy, on a temporary ledger (real SQLite files, the real write path,
 * the API in process through yoga's fetch): a subject collected into two systems and shared with
 * a processor and an authority asks for erasure → exactly one order per target, none carrying a
 * value; the same cause processed again orders nothing; two targets confirm by events, one manual
 * task is closed through GraphQL; the fourth is deletion-order-overdue one second after its due
 * date, and not at it.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../services/api/auth/api-keys.js';
import { apiServices } from '../../services/api/api-services.js';
import { createApi } from '../../services/api/yoga.js';
import { openProver } from '../../services/composition/open-prover.js';
import { issueDeletionOrders, ORDERS_SUBMITTER } from '../../services/orders/issue-orders.js';
import { deletionOrderOverdue } from '../../projections/deletion-orders/order-rules.js';
import type { RecordedEvent } from '../../services/store/port.js';
import { anEvent } from '../fixtures/events.js';
import { tempLedger } from '../fixtures/temp-ledger.js';

const silent = { error: () => undefined, warn: () => undefined };
let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

const EMAIL = 'mei.lin@example.cn';
const PHONE = '+8613912345678';
const IP = '203.0.113.77';
const subject = { id: 'u-reach', identifiers: [{ kind: 'email', value: EMAIL }, { kind: 'phone', value: PHONE }] };

async function allEvents(store: { readAll(): AsyncIterable<RecordedEvent> }): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

describe('deletion orders on a ledger', () => {
  it('one order per target, no value in any, idempotent; confirmed by events and by a manual task; the last one overdue at due + 1 s', async () => {
    const opened = await tempLedger();
    close = () => opened.close();
    const { ledger, store, readModelsDb } = opened;
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
    const history = [
      anEvent('DataCollected', { subject, occurredAt: dayAgo, data: {
        categories: ['contact.email', 'contact.phone'], values: { 'contact.email': EMAIL, 'contact.phone': PHONE }, retention: 'P3Y' } }),
      anEvent('DataCollected', { subject: { id: 'u-reach' }, occurredAt: dayAgo, data: {
        categories: ['network.ip-address'], values: { 'network.ip-address': IP }, source: 'automatic', method: 'server-log',
        purposes: ['service-security'], legalBasis: 'legitimate-interest', storage: { system: 'web-log', kind: 'server-log', region: 'CN' }, retention: 'P1Y' } }),
      anEvent('DataTransferredAbroad', { subject: { id: 'u-reach' }, occurredAt: dayAgo }),
      anEvent('DataShared', { subject: { id: 'u-reach' }, occurredAt: dayAgo }),
    ];
    const request = anEvent('SubjectRequestReceived', { subject: { id: 'u-reach' }, occurredAt: hourAgo, data: { requestId: 'r-reach', kind: 'erasure' } });
    const given = await ledger.record([...history, request]);
    expect(given.rejected).toEqual([]);
    // Orders are judged on read models that hold what was written (read-your-writes).
    await opened.readModelsClock.reach(given.position!);

    const first = await issueDeletionOrders(ledger, readModelsDb);
    await opened.readModelsClock.reach(first.position!);
    expect(first).toMatchObject({ due: 4, appended: 4, alreadyOrdered: 0, rejected: [] });
    const stored = (await allEvents(store)).filter((e) => e.type === 'DeletionOrdered');
    const orders = stored.map((e) => e.body as { id: string; subject: unknown; data: { orderId: string; target: { kind: string; id: string }; dueBy: string; cause: string } });
    expect(orders.map((o) => `${o.data.target.kind}:${o.data.target.id}`).sort()).toEqual(['recipient:crm-us', 'recipient:psb-sh', 'system:user-db', 'system:web-log']);
    expect(new Set(orders.map((o) => o.data.cause))).toEqual(new Set(['r-reach']));
    // Due from the request as received (+ the policy's P15D), not from when the orders were issued.
    const due = new Date(Date.parse(hourAgo) + 15 * 86_400_000).toISOString();
    expect(new Set(orders.map((o) => o.data.dueBy))).toEqual(new Set([due]));
    // Ids and categories only: no value, sealed or not, and no identifier.
    for (const order of stored) {
      const text = JSON.stringify(order.body);
      for (const value of [EMAIL, PHONE, IP, '"values"', '"identifiers"', '"ct"']) expect(text).not.toContain(value);
      expect(order.body).toMatchObject({ subject: { id: 'u-reach' }, submitter: ORDERS_SUBMITTER });
    }

    // The same cause again, and a retry of the same events as another process would make them: nothing new.
    expect(await issueDeletionOrders(ledger, readModelsDb)).toMatchObject({ due: 0, appended: 0 });
    const replay = orders.map((o) => ({ ...(o as object), occurredAt: new Date().toISOString(), submitter: undefined }));
    const retried = await ledger.record(replay.map(({ submitter: _, ...event }) => event), { submitter: ORDERS_SUBMITTER });
    expect(retried.appended).toBe(0);
    // No caller may submit an order.
    const forged = await ledger.record([{ ...anEvent('DataUsed'), type: 'DeletionOrdered', data: (orders[0] as { data: unknown }).data, id: crypto.randomUUID() }]);
    expect(forged.rejected[0]?.errors).toEqual([{ path: 'type', message: expect.stringMatching(/recorded by the ledger itself/) }]);
    expect((await allEvents(store)).filter((e) => e.type === 'DeletionOrdered')).toHaveLength(4);

    const orderTo = (id: string) => orders.find((o) => o.data.target.id === id)!.data.orderId;
    // Two confirmations by events: the system deletes and says so; the processor confirms its order.
    const now = new Date().toISOString();
    const confirmed = await ledger.record([
      anEvent('DataDeleted', { subject: { id: 'u-reach' }, occurredAt: now, data: { categories: 'all', method: 'delete', reason: 'subject-request', systems: ['user-db'] } }),
      anEvent('DeletionConfirmed', { subject: { id: 'u-reach' }, occurredAt: now, actor: { kind: 'system', id: 'crm-us' }, data: { orderId: orderTo('crm-us'), reference: 'CRM-DEL-5521', confirmedBy: 'crm-us' } }),
    ]);
    expect(confirmed.rejected).toEqual([]);
    await opened.readModelsClock.reach(confirmed.position!);

    // The manual task: web-log has no channel; a dpo closes it through GraphQL with the ticket.
    const apiKeys = ApiKeys.open(join(opened.dir, 'ledger.api-keys.db'));
    const dpo = (await apiKeys.create('dpo')).key;
    const auditor = (await apiKeys.create('auditor')).key;
    let clock = new Date();
    const yoga = createApi(apiServices(opened, apiKeys, { log: silent, prover: await openProver(opened, { embedded: true }), now: () => clock }));
    const ask = async (key: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await yoga.fetch('http://pdl.test/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
    };
    const CONFIRM = 'mutation($id: ID!, $ref: String!) { confirmDeletionOrder(orderId: $id, reference: $ref) { orderId status reference confirmedBy target { kind id } } }';
    const refused = await ask(auditor, CONFIRM, { id: orderTo('web-log'), ref: 'TICKET-9' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const closed = await ask(dpo, CONFIRM, { id: orderTo('web-log'), ref: 'OPS-TICKET-4711' });
    expect(closed.errors).toBeUndefined();
    expect(closed.data?.confirmDeletionOrder).toMatchObject({ orderId: orderTo('web-log'), status: 'confirmed', reference: 'OPS-TICKET-4711', target: { kind: 'system', id: 'web-log' } });
    expect((await ask(dpo, CONFIRM, { id: orderTo('web-log'), ref: 'AGAIN' })).errors?.[0]?.extensions?.code).toBe('VALIDATION');
    expect((await ask(dpo, CONFIRM, { id: 'no-such-order', ref: 'X' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // The authority never confirmed: overdue one second after its due date, not at it.
    expect(deletionOrderOverdue(readModelsDb, due)).toEqual([]);
    const late = new Date(Date.parse(due) + 1000).toISOString();
    expect(deletionOrderOverdue(readModelsDb, late).map((v) => [v.rule, v.subjectId, v.eventIds[0]])).toEqual([
      ['deletion-order-overdue', 'u-reach', orders.find((o) => o.data.target.id === 'psb-sh')!.id],
    ]);
    clock = new Date(late);
    const open = await ask(auditor, '{ deletionOrders { target { id } status } overdue: deletionOrders(status: "overdue") { target { id } } }');
    expect(open.data).toEqual({ deletionOrders: [{ target: { id: 'psb-sh' }, status: 'overdue' }], overdue: [{ target: { id: 'psb-sh' } }] });
    const access = await ask(dpo, '{ subjectAccess(subjectId: "u-reach") { deletionOrders { target { id } status reference } } }');
    expect((access.data?.subjectAccess as { deletionOrders: { target: { id: string }; status: string }[] }).deletionOrders.map((o) => [o.target.id, o.status]).sort()).toEqual([
      ['crm-us', 'confirmed'], ['psb-sh', 'overdue'], ['user-db', 'confirmed'], ['web-log', 'confirmed'],
    ]);
    const report = await ask(auditor, `{ complianceReport(asOf: "${late}") { erasureReach { cause reason ordered confirmed overdue open } violations { rule } } }`);
    const body = report.data?.complianceReport as { erasureReach: unknown[]; violations: { rule: string }[] };
    expect(body.erasureReach).toEqual([{ cause: 'r-reach', reason: 'erasure-request', ordered: 4, confirmed: 3, overdue: 1, open: 0 }]);
    expect(body.violations.filter((v) => v.rule === 'deletion-order-overdue')).toHaveLength(1);
    // The manual confirmation is in the log, submitted by the dpo's key.
    const confirmation = (await allEvents(store)).find((e) => e.type === 'DeletionConfirmed' && (e.body as { data: { reference: string } }).data.reference === 'OPS-TICKET-4711');
    expect(confirmation?.body).toMatchObject({ submitter: { kind: 'api-key', role: 'dpo' } });
    await apiKeys.close();
  });
});
