/**
 * Deletion orders delivered by signed webhooks (issue 31), with the real `pdl serve` binary and real
 * HTTP receivers on this machine: a subject collected into two systems and shared with a processor
 * and an authority asks for erasure → the three targets with a webhook each get exactly one order,
 * its Standard Webhooks signature checked by the `standardwebhooks` library (not the ledger's code),
 * none carrying a value; the authority, with no channel, is a manual task. The processor's receiver
 * answers 500 twice: the order is retried with backoff — the server stopped and started again in
 * between — and delivered on the third attempt, the same message each time. /metrics, the log and
 * GraphQL say where each delivery stands.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { DeletionOrderMessage } from '../../schemas/deletion-order-message.js';
import { anEvent } from '../fixtures/events.js';
import { until } from '../fixtures/until.js';
import { webhookReceiver as receiver, webhookSecret, type Received, type WebhookReceiver as Receiver } from '../fixtures/webhook-receiver.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { runPdl, tempDir } from './run-pdl.js';


let server: PdlServer | null = null;
const receivers: Receiver[] = [];
afterEach(async () => {
  await server?.stop();
  server = null;
  for (const r of receivers.splice(0)) await r.close();
});

const EMAIL = 'mei.lin@example.cn';
const PHONE = '+8613912345678';
const IP = '203.0.113.77';

const ORDERS = `{ deletionOrders { orderId target { kind id } manualTask deliveries { channel state attempts lastError deliveredAt nextAttemptAt } } }`;
type Orders = { deletionOrders: { orderId: string; target: { kind: string; id: string }; manualTask: boolean;
  deliveries: { channel: string; state: string; attempts: number; lastError: string | null; deliveredAt: string | null; nextAttemptAt: string | null }[] }[] };


const metricsOf = async (s: PdlServer) => (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${s.adminKey}` } })).text();

describe('deletion orders delivered by Standard Webhooks', () => {
  it('one signed order per target with a webhook, no value in any; 500 twice is retried across a restart and delivered; the target with no channel is a manual task', async () => {
    const [userDb, webLog, crm] = [await receiver(), await receiver(), await receiver([500, 500])];
    receivers.push(userDb, webLog, crm);
    const secrets = { userDb: webhookSecret(), webLog: webhookSecret(), crm: webhookSecret() };
    // The secrets live apart from the data: two in the environment, one in a 0600 file of its own folder.
    const secretsDir = tempDir('webhook-secrets');
    const crmSecretFile = join(secretsDir, 'crm-us.secret');
    writeFileSync(crmSecretFile, `${secrets.crm}\n`, { mode: 0o600 });
    const configDir = tempDir('deliveries');
    const config = join(configDir, 'deliveries.json');
    writeFileSync(config, JSON.stringify({
      retry: { firstDelaySeconds: 2, maxDelaySeconds: 60, maxAttempts: 5 },
      targets: [
        { kind: 'system', id: 'user-db', webhook: { url: userDb.url, secret: { env: 'HOOK_USER_DB' } } },
        { kind: 'system', id: 'web-log', webhook: { url: webLog.url, secret: { env: 'HOOK_WEB_LOG' } } },
        { kind: 'recipient', id: 'crm-us', webhook: { url: crm.url, secret: { file: crmSecretFile } } },
      ],
    }));
    const env = { PDL_ORDERS_INTERVAL: '60', PDL_DELIVERIES: config, HOOK_USER_DB: secrets.userDb, HOOK_WEB_LOG: secrets.webLog };
    server = await startPdlServer({ env });

    const subject = { id: 'u-hooks', identifiers: [{ kind: 'email', value: EMAIL }, { kind: 'phone', value: PHONE }] };
    const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
    const events = [
      anEvent('DataCollected', { subject, occurredAt: dayAgo, data: {
        categories: ['contact.email', 'contact.phone'], values: { 'contact.email': EMAIL, 'contact.phone': PHONE }, retention: 'P3Y' } }),
      anEvent('DataCollected', { subject: { id: 'u-hooks' }, occurredAt: dayAgo, data: {
        categories: ['network.ip-address'], values: { 'network.ip-address': IP }, source: 'automatic', method: 'server-log',
        purposes: ['service-security'], legalBasis: 'legitimate-interest', storage: { system: 'web-log', kind: 'server-log', region: 'CN' }, retention: 'P1Y' } }),
      anEvent('DataTransferredAbroad', { subject: { id: 'u-hooks' }, occurredAt: dayAgo }),
      anEvent('DataShared', { subject: { id: 'u-hooks' }, occurredAt: dayAgo }),
      anEvent('SubjectRequestReceived', { subject: { id: 'u-hooks' }, occurredAt: new Date().toISOString(), data: { requestId: 'r-hooks', kind: 'erasure' } }),
    ];
    const recorded = await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: events });
    expect(recorded.data?.recordEvents.appended).toBe(5);

    // The two systems are delivered at once; the processor's first attempt is answered 500.
    await until('user-db and web-log delivered, crm-us refused once', 20_000, async () => userDb.received.length === 1 && webLog.received.length === 1 && crm.received.length === 1);
    const failedOnce = await until('the failure kept', 10_000, async () => {
      const { data } = await server!.gql<Orders>(ORDERS);
      const order = data?.deletionOrders.find((o) => o.target.id === 'crm-us');
      return order?.deliveries[0]?.lastError === 'HTTP 500' ? order : null;
    });
    expect(failedOnce.deliveries).toMatchObject([{ channel: 'webhook', state: 'pending', attempts: 1, lastError: 'HTTP 500' }]);
    const db = server.db;
    const firstLog = server.stdout();
    await server.stop();

    // Started again: the retry is where it was — its second attempt no sooner than the backoff after the first, then a third.
    server = await startPdlServer({ db, env });
    await until('crm-us delivered on its third attempt', 30_000, async () => crm.received.length === 3);
    const [first, second, third] = crm.received as [Received, Received, Received];
    expect(second.at - first.at).toBeGreaterThanOrEqual(2000);
    expect(third.at - second.at).toBeGreaterThanOrEqual(4000);
    const settled = await until('crm-us delivered', 10_000, async () => {
      const { data } = await server!.gql<Orders>(ORDERS);
      return data?.deletionOrders.find((o) => o.target.id === 'crm-us')?.deliveries[0]?.state === 'delivered' ? data : null;
    });

    // Each receiver checks each attempt with the Standard Webhooks library and its own secret.
    const checks: [Receiver, string, string][] = [[userDb, secrets.userDb, 'system:user-db'], [webLog, secrets.webLog, 'system:web-log'], [crm, secrets.crm, 'recipient:crm-us']];
    for (const [r, key, target] of checks) {
      for (const message of r.received) {
        const verified = new Webhook(key).verify(message.body, message.headers) as unknown;
        const order = DeletionOrderMessage.parse(verified);
        expect(`${order.data.target.kind}:${order.data.target.id}`).toBe(target);
        expect(order.data).toMatchObject({ subjectId: 'u-hooks', reason: 'erasure-request', cause: 'r-hooks' });
        expect(message.headers['webhook-id']).toBe(order.data.orderId);
        // Another target's secret does not verify it.
        const other = checks.find(([, k]) => k !== key)![1];
        expect(() => new Webhook(other).verify(message.body, message.headers)).toThrow();
        for (const value of [EMAIL, PHONE, IP, 'values', 'identifiers']) expect(message.body).not.toContain(value);
      }
    }
    // The same message on every attempt: one id, the same bytes; each attempt signed at its own time.
    expect(new Set(crm.received.map((m) => m.headers['webhook-id'])).size).toBe(1);
    expect(new Set(crm.received.map((m) => m.body)).size).toBe(1);
    expect(Number(third.headers['webhook-timestamp'])).toBeGreaterThan(Number(first.headers['webhook-timestamp']));

    // Exactly one order per target: four orders, three delivered once each (crm-us on its third attempt), the authority a manual task.
    const byTarget = Object.fromEntries(settled.deletionOrders.map((o) => [`${o.target.kind}:${o.target.id}`, o]));
    expect(Object.keys(byTarget).sort()).toEqual(['recipient:crm-us', 'recipient:psb-sh', 'system:user-db', 'system:web-log']);
    expect(byTarget['recipient:psb-sh']).toMatchObject({ manualTask: true, deliveries: [] });
    for (const key of ['system:user-db', 'system:web-log']) expect(byTarget[key]).toMatchObject({ manualTask: false, deliveries: [{ channel: 'webhook', state: 'delivered', attempts: 1 }] });
    expect(byTarget['recipient:crm-us']).toMatchObject({ manualTask: false, deliveries: [{ channel: 'webhook', state: 'delivered', attempts: 3, lastError: 'HTTP 500' }] });
    expect(new Set([...userDb.received, ...webLog.received, ...crm.received].map((m) => m.headers['webhook-id'])).size).toBe(3);

    // /metrics: deliveries by state, attempts by outcome (this process's: the third attempt's delivery, the second's retry).
    const metrics = await metricsOf(server);
    expect(metrics).toMatch(/^pdl_order_deliveries\{channel="webhook",state="delivered"\} 3$/m);
    expect(metrics).toMatch(/^pdl_order_delivery_attempts_total\{channel="webhook",outcome="retrying"\} 1$/m);
    expect(metrics).toMatch(/^pdl_order_delivery_attempts_total\{channel="webhook",outcome="delivered"\} 1$/m);

    // The log says what failed and when it is tried again, in the ledger's words; never a value, a secret, the URL's token or the receiver's answer.
    const log = firstLog + server.stdout();
    expect(log).toMatch(/"target":"recipient:crm-us","attempt":1,"error":"HTTP 500"[^\n]*"msg":"deletion order not delivered; trying again"/);
    expect(log).toMatch(/"target":"recipient:crm-us","attempt":3[^\n]*"msg":"deletion order delivered"/);
    for (const leak of [EMAIL, PHONE, IP, secrets.crm, secrets.userDb, secrets.webLog, 'url-token-9c1e', 'receiver-internal-detail-7f3a']) expect(log).not.toContain(leak);

    // Nothing more: no order issued again, nothing delivered twice.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect([userDb.received.length, webLog.received.length, crm.received.length]).toEqual([1, 1, 3]);

    // The same from the command line, beside the running server: states, attempts, the failure in the ledger's words; never the payload.
    const listed = await runPdl(['--db', server.db, '--embedded-keys', 'orders', 'deliveries']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n').map((line) => line.split(/\s+/).slice(0, 4).join(' ')).sort()).toEqual([
      'delivered webhook recipient:crm-us 3', 'delivered webhook system:user-db 1', 'delivered webhook system:web-log 1']);
    expect(listed.stdout).toMatch(/recipient:crm-us {2}3 attempt\(s\) {2}delivered \S+ {2}HTTP 500 {2}\S+/);
    const json = await runPdl(['--db', server.db, '--embedded-keys', 'orders', 'deliveries', '--state', 'delivered', '--json', '--limit', '2']);
    const lines = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(Object.keys(line).sort()).toEqual(['attempts', 'channel', 'createdAt', 'deliveredAt', 'lastAttemptAt', 'lastError', 'nextAttemptAt', 'orderId', 'state', 'target']);
    const none = await runPdl(['--db', join(tempDir('no-deliveries'), 'ledger.db'), '--embedded-keys', 'orders', 'deliveries']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
    expect(none.stderr).toContain('no delivery was ever kept for this ledger');
  }, 90_000);
});
