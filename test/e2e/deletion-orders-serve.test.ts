/**
 * `pdl serve` issues deletion orders on its own: an erasure request recorded over HTTP gets one
 * order per target within seconds, as the ledger's own events; a restart orders nothing again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';

let server: PdlServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

const ORDERS = '{ deletionOrders { orderId target { kind id } categories reason cause } ledgerHead { position } }';
type Orders = { deletionOrders: { orderId: string; target: { kind: string; id: string }; categories: string[]; reason: string; cause: string }[]; ledgerHead: { position: number } };

async function ordersWithin(s: PdlServer, count: number, ms: number): Promise<Orders> {
  const until = Date.now() + ms;
  for (;;) {
    const { data, errors } = await s.gql<Orders>(ORDERS);
    expect(errors).toBeUndefined();
    if (data!.deletionOrders.length >= count || Date.now() > until) return data!;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('pdl serve and deletion orders', () => {
  it('orders each target within seconds of an erasure request, and nothing again after a restart', async () => {
    server = await startPdlServer({ env: { PDL_ORDERS_INTERVAL: '60' } });
    const subject = { id: 'u-served', identifiers: [{ kind: 'email', value: 'served@example.cn' }] };
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const events = [
      anEvent('DataCollected', { subject, occurredAt: hourAgo, data: { values: { 'contact.email': 'served@example.cn' } } }),
      anEvent('DataShared', { subject: { id: 'u-served' }, occurredAt: hourAgo }),
      anEvent('SubjectRequestReceived', { subject: { id: 'u-served' }, occurredAt: new Date().toISOString(), data: { requestId: 'r-served', kind: 'erasure' } }),
    ];
    const recorded = await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: events });
    expect(recorded.data?.recordEvents.appended).toBe(3);
    const first = await ordersWithin(server, 2, 10_000);
    expect(first.deletionOrders.map((o) => [o.target.kind, o.target.id, o.categories, o.reason, o.cause]).sort()).toEqual([
      ['recipient', 'psb-sh', ['contact.phone'], 'erasure-request', 'r-served'],
      ['system', 'user-db', ['contact.email'], 'erasure-request', 'r-served'],
    ]);
    expect(first.ledgerHead.position).toBe(5);
    expect(server.stdout()).toMatch(/"issued":2[^\n]*"msg":"deletion orders issued"/);
    expect(server.stdout()).not.toContain('served@example.cn');
    const db = server.db;
    await server.stop();

    server = await startPdlServer({ db, env: { PDL_ORDERS_INTERVAL: '60' } });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const again = await ordersWithin(server, 3, 0);
    expect(again.deletionOrders.map((o) => o.orderId).sort()).toEqual(first.deletionOrders.map((o) => o.orderId).sort());
    expect(again.ledgerHead.position).toBe(5);
  });
});
