/**
 * The delivery loop's two endings that the server tests do not reach (services/orders/deliver-orders.ts),
 * on a temporary ledger with its real delivery file, real HTTP receivers and the API in process:
 * an order confirmed after its delivery was kept and before it went out is not sent (closed); a
 * webhook that refuses every attempt is given up after the last attempt allowed (failed), and its
 * order is then a manual task in GraphQL. Outcomes are reported as /metrics counts them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../services/api/auth/api-keys.js';
import { apiServices } from '../../services/api/api-services.js';
import { createApi } from '../../services/api/yoga.js';
import { openProver } from '../../services/composition/open-prover.js';
import { deliveryConfigOf, DeliveryFile } from '../../services/orders/delivery-config.js';
import { backoffMs, OrderDelivery, type AttemptOutcome } from '../../services/orders/deliver-orders.js';
import { issueDeletionOrders } from '../../services/orders/issue-orders.js';
import { SqliteDeliveryStore } from '../../services/records/sqlite-delivery-store.js';
import { ReadModels } from '../../projections/queries.js';
import type { OrderView } from '../../projections/deletion-orders/order-status.js';
import { anEvent } from '../fixtures/events.js';
import { tempLedger, type TempLedger } from '../fixtures/temp-ledger.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function receiver(status: number): Promise<{ url: string; count: () => number }> {
  let count = 0;
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      count += 1;
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  closers.push(() => new Promise((done) => server.close(() => done())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, count: () => count };
}

/** The delivery file's targets as given, its secret in the environment; the delivery records beside the ledger. */
function deliveryPlace(opened: TempLedger, file: Record<string, unknown>) {
  const config = deliveryConfigOf(DeliveryFile.parse(file), 'deliveries.json', { db: join(opened.dir, 'ledger.db'), embeddedKeys: false, env: { HOOK: SECRET } });
  const store = SqliteDeliveryStore.open(join(opened.dir, 'ledger.deliveries.db'));
  closers.push(() => store.close());
  return { config, store, readModels: new ReadModels(opened.readModelsDb) };
}

/** Every deletion order as a DPO reads it over GraphQL (`fields` of each), sorted by target. */
async function ordersAsDpo(opened: TempLedger, deliveries: Pick<ReturnType<typeof deliveryPlace>, 'store' | 'config'>, fields: string): Promise<{ target: { id: string } }[]> {
  const apiKeys = ApiKeys.open(join(opened.dir, 'ledger.api-keys.db'));
  closers.push(() => apiKeys.close());
  const dpo = (await apiKeys.create('dpo')).key;
  const yoga = createApi(apiServices(opened, apiKeys, { log: { error: () => undefined }, prover: await openProver(opened, { embedded: true }), deliveries }));
  const response = await yoga.fetch('http://pdl.test/graphql', {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${dpo}` },
    body: JSON.stringify({ query: `{ deletionOrders(status: "all") { ${fields} } }` }),
  });
  const { data } = (await response.json()) as { data: { deletionOrders: { target: { id: string } }[] } };
  return data.deletionOrders.sort((a, b) => a.target.id.localeCompare(b.target.id));
}

/** A subject collected into user-db and transferred to crm-us a day ago, then an erasure request: its two orders issued, the read models holding them. */
async function erasureOrdered(opened: TempLedger, subjectId: string): Promise<void> {
  const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
  const given = await opened.ledger.record([
    anEvent('DataCollected', { subject: { id: subjectId }, occurredAt: dayAgo }),
    anEvent('DataTransferredAbroad', { subject: { id: subjectId }, occurredAt: dayAgo }),
    anEvent('SubjectRequestReceived', { subject: { id: subjectId }, occurredAt: new Date().toISOString(), data: { requestId: `r-${subjectId}`, kind: 'erasure' } }),
  ]);
  expect(given.rejected).toEqual([]);
  // The issuer and the delivery read the read models: each step once they hold the last write (read-your-writes).
  await opened.readModelsClock.reach(given.position!);
  const issued = await issueDeletionOrders(opened.ledger, opened.readModelsDb);
  expect(issued.appended).toBe(2);
  await opened.readModelsClock.reach(issued.position!);
}

describe('the delivery loop', () => {
  it('backs off doubling from the first delay up to the largest, with at most a tenth of jitter', () => {
    const retry = { firstDelayMs: 5000, maxDelayMs: 60_000, maxAttempts: 20 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, retry, () => 0))).toEqual([5000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    expect(backoffMs(1, retry, () => 0.999)).toBe(5500);
  });

  it('does not send an order confirmed before it went out; gives a refusing webhook up after the last attempt, leaving a manual task', async () => {
    const opened = await tempLedger();
    closers.push(() => opened.close());
    const [refusing, accepting] = [await receiver(503), await receiver(204)];
    const { config, store, readModels } = deliveryPlace(opened, {
      retry: { firstDelaySeconds: 0.3, maxDelaySeconds: 0.5, maxAttempts: 2 },
      targets: [
        { kind: 'system', id: 'user-db', webhook: { url: refusing.url, secret: { env: 'HOOK' } } },
        { kind: 'recipient', id: 'crm-us', webhook: { url: accepting.url, secret: { env: 'HOOK' } } },
      ],
    });
    const now = () => new Date().toISOString();
    const outcomes: string[] = [];
    const lines: string[] = [];
    const log = pino({}, { write: (line: string) => void lines.push(line) });
    const delivery = new OrderDelivery({
      store, config, topic: null, log,
      orders: { unconfirmed: () => readModels.deletionOrders(now()).filter((o) => o.confirmedAt === null), one: (id) => readModels.deletionOrder(id, now()) },
      onAttempt: (channel, outcome: AttemptOutcome) => outcomes.push(`${channel}:${outcome}`),
    });

    await erasureOrdered(opened, 'u-loop');
    expect(await delivery.sweep()).toBe(2);
    expect(await delivery.sweep()).toBe(0);

    // The processor confirms before its delivery goes out: nothing is sent to it.
    const crmOrder = readModels.deletionOrders(now()).find((o) => o.target.id === 'crm-us')!;
    const confirmed = await opened.ledger.record([anEvent('DeletionConfirmed', { subject: { id: 'u-loop' }, occurredAt: now(), actor: { kind: 'system', id: 'crm-us' },
      data: { orderId: crmOrder.orderId, reference: 'CRM-1', confirmedBy: 'crm-us' } })]);
    expect(confirmed.rejected).toEqual([]);
    await opened.readModelsClock.reach(confirmed.position!);
    expect(await delivery.deliverDue()).toBe(2);
    expect(accepting.count()).toBe(0);
    expect(refusing.count()).toBe(1);
    // Not due again before its backoff; then the second and last attempt, and no third.
    expect(await delivery.deliverDue()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await delivery.deliverDue()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await delivery.deliverDue()).toBe(0);
    expect(refusing.count()).toBe(2);
    expect(outcomes.sort()).toEqual(['webhook:closed', 'webhook:gave-up', 'webhook:retrying']);
    expect(await store.counts()).toEqual([{ channel: 'webhook', state: 'closed', count: 1 }, { channel: 'webhook', state: 'failed', count: 1 }]);
    const errors = lines.map((line) => JSON.parse(line) as { level: number }).filter((line) => line.level === 50);
    expect(errors).toEqual([expect.objectContaining({ target: 'system:user-db', attempt: 2, error: 'HTTP 503', msg: expect.stringMatching(/given up/) })]);

    // In GraphQL: the given-up order is a manual task now, its delivery failed; the confirmed one was closed unsent.
    expect(await ordersAsDpo(opened, { store, config }, 'target { id } status manualTask deliveries { state attempts lastError }')).toEqual([
      { target: { id: 'crm-us' }, status: 'confirmed', manualTask: false, deliveries: [{ state: 'closed', attempts: 1, lastError: null }] },
      { target: { id: 'user-db' }, status: 'open', manualTask: true, deliveries: [{ state: 'failed', attempts: 2, lastError: 'HTTP 503' }] },
    ]);
  });

  it('keeps an order whose message the schema refuses as a manual task, never sent, and delivers the rest (order source altered: a category this version no longer knows cannot be recorded)', async () => {
    const opened = await tempLedger();
    closers.push(() => opened.close());
    const hook = await receiver(204);
    const { config, store, readModels } = deliveryPlace(opened, {
      targets: [
        { kind: 'system', id: 'user-db', webhook: { url: hook.url, secret: { env: 'HOOK' } } },
        { kind: 'recipient', id: 'crm-us', webhook: { url: hook.url, secret: { env: 'HOOK' } } },
      ],
    });
    const now = () => new Date().toISOString();
    const lines: string[] = [];
    await erasureOrdered(opened, 'u-odd');
    const odd = (order: OrderView): OrderView => (order.target.id === 'user-db' ? { ...order, categories: ['contact.fax'] } : order);
    const delivery = new OrderDelivery({
      store, config, topic: null, log: pino({}, { write: (line: string) => void lines.push(line) }),
      orders: { unconfirmed: () => readModels.deletionOrders(now()).filter((o) => o.confirmedAt === null).map(odd), one: (id) => readModels.deletionOrder(id, now()) },
    });
    expect(await delivery.sweep()).toBe(2);
    expect(await delivery.deliverDue()).toBe(1);
    expect(hook.count()).toBe(1);
    const kept = await store.list({ limit: 10 });
    expect(kept.map(({ target, state, attempts, lastError }) => ({ target, state, attempts, lastError })).sort((a, b) => a.target.localeCompare(b.target))).toEqual([
      { target: 'recipient:crm-us', state: 'delivered', attempts: 1, lastError: null },
      { target: 'system:user-db', state: 'failed', attempts: 0, lastError: 'its message does not fit the schema (data.categories.0)' },
    ]);
    expect(lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level === 50).map((line) => line.msg))
      .toEqual([expect.stringMatching(/not deliverable.*manual task/)]);

    expect(await ordersAsDpo(opened, { store, config }, 'target { id } manualTask')).toEqual([
      { target: { id: 'crm-us' }, manualTask: false },
      { target: { id: 'user-db' }, manualTask: true },
    ]);
  });
});
