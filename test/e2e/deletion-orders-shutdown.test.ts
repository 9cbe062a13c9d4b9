/**
 * A service shutdown orders deletions for every subject of its systems (issue 31), with the real
 * `pdl serve` and real HTTP receivers: the mini-game's two systems hold four subjects' data — one of
 * them deleted before the shutdown took effect — beside a system that stays. Once the shutdown is in
 * effect, each system still holding a subject gets exactly one signed order per subject (checked by
 * the `standardwebhooks` library), due by the shutdown's deletion deadline and serving the shutdown
 * event; the system that stays, and the subject already deleted, get none.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { DeletionOrderMessage } from '../../schemas/deletion-order-message.js';
import { anEvent } from '../fixtures/events.js';
import { webhookReceiver, type WebhookReceiver } from '../fixtures/webhook-receiver.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { tempDir } from './run-pdl.js';

let server: PdlServer | null = null;
const listening: WebhookReceiver[] = [];
const receive = async (statuses: number[] = []) => {
  const made = await webhookReceiver(statuses);
  listening.push(made);
  return made;
};
afterEach(async () => {
  await server?.stop();
  server = null;
  for (const made of listening.splice(0)) await made.close();
});

const stored = (subjectId: string, system: string, at: string) => anEvent('DataCollected', {
  subject: { id: subjectId }, occurredAt: at,
  data: { categories: ['device.identifier'], values: { 'device.identifier': `dev-${subjectId}` }, source: 'automatic', method: 'sdk', purposes: ['service-provision'],
    legalBasis: 'contract', storage: { system, kind: 'database', region: 'CN' }, retention: 'P3Y' },
});

describe('a service shutdown', () => {
  it('orders each of its systems to delete every subject it still holds, once, due by the deletion deadline; nothing to the system that stays', async () => {
    const hooks = { 'minigame-db': await receive(), 'minigame-cache': await receive(), 'user-db': await receive() };
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const config = join(tempDir('deliveries'), 'deliveries.json');
    writeFileSync(config, JSON.stringify({
      targets: Object.entries(hooks).map(([id, hook]) => ({ kind: 'system', id, webhook: { url: hook.url, secret: { env: 'HOOK_SECRET' } } })),
    }));
    server = await startPdlServer({ env: { PDL_ORDERS_INTERVAL: '60', PDL_DELIVERIES: config, HOOK_SECRET: secret } });

    const hour = 3_600_000;
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * hour).toISOString();
    const effectiveAt = at(1);
    const deadline = new Date(Date.now() + 10 * 24 * hour).toISOString();
    const shutdown = anEvent('ServiceShutdownAnnounced', { occurredAt: at(48), data: { service: 'mini-game', systems: ['minigame-db', 'minigame-cache'], effectiveAt, deletionDeadline: deadline } });
    const events = [
      stored('u-s1', 'minigame-db', at(72)),
      stored('u-s2', 'minigame-db', at(72)), stored('u-s2', 'minigame-cache', at(72)), stored('u-s2', 'user-db', at(72)),
      stored('u-s3', 'minigame-cache', at(72)),
      // Deleted from the game's system before the shutdown took effect: nothing left to order.
      stored('u-s4', 'minigame-db', at(72)),
      anEvent('DataDeleted', { subject: { id: 'u-s4' }, occurredAt: at(24), data: { categories: 'all', method: 'delete', reason: 'subject-request', systems: ['minigame-db'] } }),
      stored('u-s5', 'user-db', at(72)),
      shutdown,
    ];
    const recorded = await server.gql<{ recordEvents: { appended: number; rejected: unknown[] } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended rejected { errors { path message } } } }', { e: events });
    expect(recorded.data?.recordEvents).toMatchObject({ appended: events.length, rejected: [] });

    const end = Date.now() + 20_000;
    while (hooks['minigame-db'].received.length + hooks['minigame-cache'].received.length < 4 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 200));
    // A little longer: an order too many, or one to the system that stays, would come now.
    await new Promise((resolve) => setTimeout(resolve, 2000));

    const ordersTo = (id: keyof typeof hooks) => hooks[id].received.map((message) => DeletionOrderMessage.parse(new Webhook(secret).verify(message.body, message.headers)).data);
    expect(ordersTo('minigame-db').map((o) => o.subjectId).sort()).toEqual(['u-s1', 'u-s2']);
    expect(ordersTo('minigame-cache').map((o) => o.subjectId).sort()).toEqual(['u-s2', 'u-s3']);
    expect(hooks['user-db'].received).toEqual([]);
    for (const order of [...ordersTo('minigame-db'), ...ordersTo('minigame-cache')]) {
      expect(order).toMatchObject({ reason: 'shutdown', cause: shutdown.id, causedAt: new Date(effectiveAt).toISOString(), dueBy: new Date(deadline).toISOString(), categories: ['device.identifier'] });
    }
    for (const message of [...hooks['minigame-db'].received, ...hooks['minigame-cache'].received]) expect(message.body).not.toMatch(/dev-u-s\d/);

    // The same in the ledger: four orders, all for the shutdown.
    const { data } = await server.gql<{ deletionOrders: { subjectId: string; target: { id: string }; reason: string }[] }>('{ deletionOrders { subjectId target { id } reason } }');
    expect(data!.deletionOrders.map((o) => `${o.target.id}/${o.subjectId}/${o.reason}`).sort())
      .toEqual(['minigame-cache/u-s2/shutdown', 'minigame-cache/u-s3/shutdown', 'minigame-db/u-s1/shutdown', 'minigame-db/u-s2/shutdown']);
  }, 90_000);
});
