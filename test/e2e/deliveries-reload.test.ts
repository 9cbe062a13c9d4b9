/**
 * `pdl serve` takes its delivery file again on SIGHUP (README "Erasure that reaches every copy"):
 * a target given a webhook gets the order it already had, signed under the new secret; a file that
 * cannot be used is refused and the one in force stays. Real server, real HTTP receivers.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { until } from '../fixtures/until.js';
import { webhookReceiver, webhookSecret, type WebhookReceiver } from '../fixtures/webhook-receiver.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { tempDir } from './run-pdl.js';

let server: PdlServer | null = null;
const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await server?.stop();
  server = null;
  for (const r of receivers.splice(0)) await r.close();
});

const ORDERS = '{ deletionOrders { orderId target { id } manualTask deliveries { state } } }';
type Orders = { deletionOrders: { orderId: string; target: { id: string }; manualTask: boolean; deliveries: { state: string }[] }[] };


describe('pdl serve takes its delivery file again on SIGHUP', () => {
  it('a target given a webhook gets the order it already had; a file naming a secret that is not there is refused, the one in force stays', async () => {
    const [userDb, psb] = [await webhookReceiver(), await webhookReceiver()];
    receivers.push(userDb, psb);
    const secrets = { userDb: webhookSecret(), psb: webhookSecret() };
    const file = join(tempDir('deliveries-reload'), 'deliveries.json');
    const userDbTarget = { kind: 'system', id: 'user-db', webhook: { url: userDb.url, secret: { env: 'HOOK_USER_DB' } } };
    writeFileSync(file, JSON.stringify({ targets: [userDbTarget] }));
    server = await startPdlServer({ env: { PDL_ORDERS_INTERVAL: '60', PDL_DELIVERIES: file, HOOK_USER_DB: secrets.userDb, HOOK_PSB: secrets.psb } });

    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const recorded = await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: [
      anEvent('DataCollected', { subject: { id: 'u-reload' }, occurredAt: hourAgo }),
      anEvent('DataShared', { subject: { id: 'u-reload' }, occurredAt: hourAgo }),
      anEvent('SubjectRequestReceived', { subject: { id: 'u-reload' }, occurredAt: new Date().toISOString(), data: { requestId: 'r-reload', kind: 'erasure' } }),
    ] });
    expect(recorded.data?.recordEvents.appended).toBe(3);
    await until('user-db delivered', 20_000, () => userDb.received.length === 1);
    const before = await until('the authority a manual task', 10_000, async () => {
      const { data } = await server!.gql<Orders>(ORDERS);
      const order = data?.deletionOrders.find((o) => o.target.id === 'psb-sh');
      return order?.manualTask ? order : null;
    });
    expect(before.deliveries).toEqual([]);

    // A file whose new target names a secret the server was not given: refused, nothing changes.
    writeFileSync(file, JSON.stringify({ targets: [userDbTarget, { kind: 'recipient', id: 'psb-sh', webhook: { url: psb.url, secret: { env: 'HOOK_NOT_GIVEN' } } }] }));
    server.child.kill('SIGHUP');
    await until('the refusal logged', 10_000, () => /"msg":"SIGHUP: the delivery file was not taken; the one in force stays"/.test(server!.stdout()));
    expect(server.stdout()).toMatch(/"reason":"[^"]*HOOK_NOT_GIVEN/);

    // The same target with a secret it was given: its order goes out, signed under that secret.
    writeFileSync(file, JSON.stringify({ targets: [userDbTarget, { kind: 'recipient', id: 'psb-sh', webhook: { url: psb.url, secret: { env: 'HOOK_PSB' } } }] }));
    server.child.kill('SIGHUP');
    await until('psb-sh delivered after the reload', 20_000, () => psb.received.length === 1);
    const [sent] = psb.received;
    const message = new Webhook(secrets.psb).verify(sent!.body, sent!.headers) as { data: { orderId: string; target: { id: string } } };
    expect(message.data).toMatchObject({ orderId: before.orderId, target: { id: 'psb-sh' } });
    expect(server.stdout()).toMatch(/"webhooks":2[^\n]*"msg":"SIGHUP: the delivery file taken again"/);
    const after = await until('the authority no longer a manual task', 10_000, async () => {
      const { data } = await server!.gql<Orders>(ORDERS);
      const order = data?.deletionOrders.find((o) => o.target.id === 'psb-sh');
      return order && !order.manualTask ? order : null;
    });
    expect(after.deliveries).toEqual([{ state: 'delivered' }]);
    expect(userDb.received).toHaveLength(1);
    // Still serving after both signals.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
