/**
 * The console's Orders page in a real browser — Debian's Chromium, headless, driven by
 * playwright-core — against the real `pdl serve` delivering orders to real HTTP receivers. A
 * subject collected into two systems and shared with a processor and an authority asks for
 * erasure: user-db confirms by a DeletionConfirmed, web-log by a DataDeleted naming it (two
 * confirmations by events); the processor's webhook keeps answering 500 (its retries shown); the
 * authority, with no channel, is a manual task a dpo closes on the page with a reference — the
 * ledger records it under the dpo's key. Found by the names a person uses; checked by axe-core.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { accessibilityProblems, chromiumMissing, CHROMIUM, SHOTS, signIn as signInAt } from './browser.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { tempDir } from './run-pdl.js';

const skipWhy = chromiumMissing('orders-in-browser');

let server: PdlServer;
let browser: Browser;
let dpo: { key: string; id: string };
let auditorKey: string;
const hooks: Server[] = [];

type Order = { orderId: string; target: { kind: string; id: string }; status: string; reference: string | null; confirmedBy: string | null; manualTask: boolean;
  deliveries: { channel: string; state: string; attempts: number; lastError: string | null }[] };
const ORDERS = '{ deletionOrders(status: "all") { orderId target { kind id } status reference confirmedBy manualTask deliveries { channel state attempts lastError } } }';
const orders = async () => (await server.gql<{ deletionOrders: Order[] }>(ORDERS)).data!.deletionOrders;
const orderOf = async (target: string) => (await orders()).find((o) => `${o.target.kind}:${o.target.id}` === target)!;

/** Polls `probe` until `done` holds of its answer (expect.poll is for inside tests; this is the setup). */
async function waitFor<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function hook(status: number): Promise<string> {
  const made = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(status).end());
  });
  await new Promise<void>((done) => made.listen(0, '127.0.0.1', done));
  hooks.push(made);
  return `http://127.0.0.1:${(made.address() as AddressInfo).port}/`;
}

beforeAll(async () => {
  if (skipWhy) return;
  const config = join(tempDir('deliveries'), 'deliveries.json');
  writeFileSync(config, JSON.stringify({
    retry: { firstDelaySeconds: 1, maxDelaySeconds: 5 },
    targets: [
      { kind: 'system', id: 'user-db', webhook: { url: await hook(204), secret: { env: 'HOOK_SECRET' } } },
      { kind: 'recipient', id: 'crm-us', webhook: { url: await hook(500), secret: { env: 'HOOK_SECRET' } } },
    ],
  }));
  server = await startPdlServer({ env: { PDL_ORDERS_INTERVAL: '60', PDL_DELIVERIES: config, HOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` } });
  const made = (await server.gql<{ createApiKey: { id: string; key: string } }>('mutation { createApiKey(role: dpo, label: "orders test") { id key } }')).data!.createApiKey;
  dpo = { key: made.key, id: made.id };
  auditorKey = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: auditor, label: "orders test") { key } }')).data!.createApiKey.key;
  const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
  const events = [
    anEvent('DataCollected', { subject: { id: 'u-orders', identifiers: [{ kind: 'email', value: 'orders@example.cn' }] }, occurredAt: dayAgo,
      data: { values: { 'contact.email': 'orders@example.cn' } } }),
    anEvent('DataCollected', { subject: { id: 'u-orders' }, occurredAt: dayAgo, data: {
      categories: ['network.ip-address'], values: { 'network.ip-address': '192.0.2.9' }, source: 'automatic', method: 'server-log',
      purposes: ['service-security'], legalBasis: 'legitimate-interest', storage: { system: 'web-log', kind: 'server-log', region: 'CN' }, retention: 'P1Y' } }),
    anEvent('DataTransferredAbroad', { subject: { id: 'u-orders' }, occurredAt: dayAgo }),
    anEvent('DataShared', { subject: { id: 'u-orders' }, occurredAt: dayAgo }),
    anEvent('SubjectRequestReceived', { subject: { id: 'u-orders' }, occurredAt: new Date().toISOString(), data: { requestId: 'r-orders', kind: 'erasure' } }),
  ];
  expect((await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: events })).data!.recordEvents.appended).toBe(5);
  await waitFor('four orders', orders, (found) => found.length === 4);
  // Two confirmations by events: user-db's own DeletionConfirmed, and a DataDeleted naming web-log.
  const now = new Date().toISOString();
  const userDb = await orderOf('system:user-db');
  const confirmed = await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: [
    anEvent('DeletionConfirmed', { subject: { id: 'u-orders' }, occurredAt: now, actor: { kind: 'system', id: 'user-db' }, data: { orderId: userDb.orderId, reference: 'USERDB-DEL-77', confirmedBy: 'user-db' } }),
    anEvent('DataDeleted', { subject: { id: 'u-orders' }, occurredAt: now, data: { categories: 'all', method: 'delete', reason: 'subject-request', systems: ['web-log'] } }),
  ] });
  expect(confirmed.data!.recordEvents.appended).toBe(2);
  // The processor's webhook has refused at least twice by now.
  await waitFor('two refused attempts to crm-us', () => orderOf('recipient:crm-us'), (order) => (order.deliveries[0]?.attempts ?? 0) >= 2 && order.deliveries[0]?.lastError === 'HTTP 500');
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  for (const made of hooks.splice(0)) await new Promise((done) => made.close(done));
});

const signIn = (key: string) => signInAt(browser, server.url, key);

const rowsOf = (page: Page) => page.getByRole('table', { name: 'Orders' }).locator('tbody tr');

describe.skipIf(skipWhy !== null)('the Orders page in headless Chromium', () => {
  it('dpo: the orders to confirm by target, the failing webhook\'s retries, and the manual task closed with a reference', async () => {
    const page = await signIn(dpo.key);
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.getByRole('heading', { name: 'Orders', exact: true }).waitFor();
    // Two confirmed by events; two left: the processor (its webhook failing) and the authority (no channel).
    await expect.poll(() => rowsOf(page).count()).toBe(2);
    const byTarget = await page.getByRole('table', { name: 'By target' }).locator('tbody tr').allTextContents();
    expect(byTarget).toEqual(['recipient:crm-us1001', 'recipient:psb-sh1010']);
    const crm = rowsOf(page).filter({ hasText: 'recipient:crm-us' });
    expect(await crm.textContent()).toMatch(/webhook: retrying \(HTTP 500, \d+ attempts; next /);
    expect(await crm.getByRole('button').count()).toBe(0);
    const psb = rowsOf(page).filter({ hasText: 'recipient:psb-sh' });
    expect(await psb.textContent()).toContain('manual task: no channel reaches this target');
    expect(await page.locator('main').textContent()).not.toContain('orders@example.cn');
    expect(await accessibilityProblems(page), 'axe on the Orders page').toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'orders.png'), fullPage: true });

    // One target's orders: the address names the target, never a value.
    await page.getByRole('table', { name: 'By target' }).getByRole('link', { name: 'recipient:psb-sh' }).click();
    await expect.poll(() => rowsOf(page).count()).toBe(1);
    expect(page.url()).toMatch(/#\/orders\?target=recipient%3Apsb-sh$/);
    const psbOrder = await orderOf('recipient:psb-sh');
    const short = psbOrder.orderId.slice(0, 8);
    await page.getByLabel(`Reference for order ${short}`).fill('OPS-TICKET-4711');
    await page.getByRole('button', { name: `Confirm ${short}` }).click();
    await expect.poll(() => rowsOf(page).count().catch(() => -1)).toBe(0);
    await page.getByText('Orders: nothing to confirm.').waitFor();

    // The ledger recorded it under the dpo's key, with the reference; the processor is the one left open.
    expect(await orderOf('recipient:psb-sh')).toMatchObject({ status: 'confirmed', reference: 'OPS-TICKET-4711', confirmedBy: dpo.id });
    expect((await orders()).filter((o) => o.status === 'open' || o.status === 'overdue').map((o) => o.target.id)).toEqual(['crm-us']);

    // From the subject's page: its orders, every status.
    await page.goto(`${server.url}/#/subject/u-orders`);
    await page.getByRole('link', { name: 'Deletion orders about this subject' }).click();
    await expect.poll(() => rowsOf(page).count()).toBe(4);
    const statuses = (await rowsOf(page).locator('td:first-child').allTextContents()).sort();
    expect(statuses).toEqual(['confirmed', 'confirmed', 'confirmed', 'open']);
    expect(await rowsOf(page).filter({ hasText: 'system:user-db' }).textContent()).toMatch(/webhook: not sent, confirmed first|webhook: delivered/);
    expect(await rowsOf(page).filter({ hasText: 'recipient:psb-sh' }).textContent()).toContain('confirmed: OPS-TICKET-4711');
    expect(await accessibilityProblems(page), 'axe on a subject\'s orders').toEqual([]);
    await page.close();
  });

  it('auditor: sees the orders, but no manual task to close', async () => {
    const page = await signIn(auditorKey);
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.getByRole('link', { name: 'All', exact: true }).click();
    await expect.poll(() => rowsOf(page).count()).toBe(4);
    expect(await page.getByRole('button', { name: /^Confirm / }).count()).toBe(0);
    await page.close();
    // The API the page reads: one target's orders by kind:id, anything else refused.
    const one = await server.gql<{ deletionOrders: { target: { id: string } }[] }>('{ deletionOrders(status: "all", target: "recipient:psb-sh") { target { id } } }', {}, auditorKey);
    expect(one.data!.deletionOrders).toEqual([{ target: { id: 'psb-sh' } }]);
    const bad = await server.gql('{ deletionOrders(target: "psb-sh") { orderId } }', {}, auditorKey);
    expect(bad.errors?.[0]).toMatchObject({ message: 'target must be kind:id, e.g. system:user-db or recipient:crm-us', extensions: { code: 'VALIDATION' } });
  });
});
