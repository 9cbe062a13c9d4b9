/**
 * README's webhook receiver (examples/webhook-receiver.mjs) runs as written: started as its own
 * process beside the real `pdl serve`, it verifies the signed order with `standardwebhooks`, and
 * confirms it with a DeletionConfirmed under a producer key — the order is then confirmed in the
 * ledger, by an event, through the receiver's own entry path. The attempts made before it listened
 * failed and were retried.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { tempDir } from './run-pdl.js';

let server: PdlServer | null = null;
let example: ChildProcess | null = null;
afterEach(async () => {
  example?.kill('SIGTERM');
  example = null;
  await server?.stop();
  server = null;
});

/** A port free now (the receiver starts later: until then, attempts to it fail and are retried). */
const freePort = () => new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
});

describe('examples/webhook-receiver.mjs', () => {
  it('verifies the signed order and confirms it to the ledger, which closes it', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const port = await freePort();
    const config = join(tempDir('deliveries'), 'deliveries.json');
    writeFileSync(config, JSON.stringify({
      retry: { firstDelaySeconds: 1, maxDelaySeconds: 2 },
      targets: [{ kind: 'system', id: 'user-db', webhook: { url: `http://127.0.0.1:${port}/`, secret: { env: 'USER_DB_HOOK' } } }],
    }));
    server = await startPdlServer({ env: { PDL_ORDERS_INTERVAL: '60', PDL_DELIVERIES: config, USER_DB_HOOK: secret } });
    const producer = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: producer, label: "user-db receiver") { key } }')).data!.createApiKey.key;

    const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
    const events = [
      anEvent('DataCollected', { subject: { id: 'u-example', identifiers: [{ kind: 'email', value: 'example@example.cn' }] }, occurredAt: dayAgo,
        data: { values: { 'contact.email': 'example@example.cn' } } }),
      anEvent('SubjectRequestReceived', { subject: { id: 'u-example' }, occurredAt: new Date().toISOString(), data: { requestId: 'r-example', kind: 'erasure' } }),
    ];
    expect((await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: events })).data?.recordEvents.appended).toBe(2);
    // Refused while nobody listens: the first attempts fail (ECONNREFUSED) and are kept for later.
    await new Promise((resolve) => setTimeout(resolve, 2000));

    let output = '';
    example = spawn(process.execPath, ['examples/webhook-receiver.mjs'], {
      env: { ...process.env, WEBHOOK_SECRET: secret, PORT: String(port), PDL_URL: server.url, PDL_KEY: producer },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    example.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    example.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

    type Orders = { deletionOrders: { orderId: string; status: string; confirmedBy: string | null; reference: string | null; deliveries: { state: string; attempts: number }[] }[] };
    const until = Date.now() + 30_000;
    let order: Orders['deletionOrders'][number] | undefined;
    for (;;) {
      order = (await server.gql<Orders>('{ deletionOrders(status: "confirmed") { orderId status confirmedBy reference deliveries { state attempts } } }')).data?.deletionOrders[0];
      if (order && order.deliveries[0]?.state === 'delivered') break;
      if (Date.now() > until) throw new Error(`the order was not confirmed by the example: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(order).toMatchObject({ status: 'confirmed', confirmedBy: 'user-db', reference: 'deleted-by-user-db' });
    expect(order.deliveries[0]!.attempts).toBeGreaterThan(1);
    expect(output).toContain(`order ${order.orderId}: delete contact.email of subject u-example from system user-db`);
    expect(output).toContain(`order ${order.orderId}: confirmed`);
    expect(output).not.toContain('example@example.cn');
    expect(server.stdout()).toMatch(/"error":"ECONNREFUSED"[^\n]*"msg":"deletion order not delivered; trying again"/);
  }, 90_000);
});
