/**
 * The orders topic (issue 31; schemas/asyncapi.json, channel deletionOrders) on a real broker, read
 * by an independent consumer: a subject collected into two systems and shared with a processor and
 * an authority asks for erasure → `pdl serve` puts exactly one order per target on the topic, keyed
 * by target, with the headers the AsyncAPI document names, each value valid against the published
 * JSON Schema (ajv, a third-party validator) and carrying no value. Nothing is sent twice after a restart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ORDER_HEADER_NAMES } from '../../schemas/deletion-order-message.js';
import { anEvent } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from '../e2e/pdl-server.js';
import { tempDir } from '../e2e/run-pdl.js';
import { brokers, createTopics, readTopic, readTopicUntil, uniqueTopic, until } from './kafka-helpers.js';

const EMAIL = 'zhao.wei@example.cn';
const PHONE = '+8613712345678';
const IP = '198.51.100.23';

const ajv = new Ajv2020({ allErrors: true, strict: false });
ajvFormats.default(ajv);
const validOrder = ajv.compile(JSON.parse(readFileSync('schemas/json/deletion-order-message.schema.json', 'utf8')) as object);

describe('the deletion orders topic', () => {
  it('carries exactly one order per target, keyed by target, with its headers, valid against the published schema, no value; a restart sends nothing again', async () => {
    const topic = uniqueTopic('events');
    const ordersTopic = uniqueTopic('orders');
    await createTopics([topic, `${topic}.dlq`, ordersTopic]);
    const config = join(tempDir('deliveries'), 'deliveries.json');
    // Every order goes on the topic; two targets say they read it (the others: a webhook elsewhere, or a manual task).
    writeFileSync(config, JSON.stringify({
      kafka: { topic: ordersTopic },
      targets: [{ kind: 'system', id: 'user-db', kafka: true }, { kind: 'recipient', id: 'crm-us', kafka: true }],
    }));
    const args = ['--kafka', brokers().join(','), '--topic', topic, '--group', `g-${topic}`];
    const env = { PDL_ORDERS_INTERVAL: '60', PDL_DELIVERIES: config };
    let server: PdlServer | null = await startPdlServer({ args, env });
    try {
      const subject = { id: 'u-topic', identifiers: [{ kind: 'email', value: EMAIL }, { kind: 'phone', value: PHONE }] };
      const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
      const events = [
        anEvent('DataCollected', { subject, occurredAt: dayAgo, data: {
          categories: ['contact.email', 'contact.phone'], values: { 'contact.email': EMAIL, 'contact.phone': PHONE } } }),
        anEvent('DataCollected', { subject: { id: 'u-topic' }, occurredAt: dayAgo, data: {
          categories: ['network.ip-address'], values: { 'network.ip-address': IP }, source: 'automatic', method: 'server-log',
          purposes: ['service-security'], legalBasis: 'legitimate-interest', storage: { system: 'web-log', kind: 'server-log', region: 'CN' }, retention: 'P1Y' } }),
        anEvent('DataTransferredAbroad', { subject: { id: 'u-topic' }, occurredAt: dayAgo }),
        anEvent('DataShared', { subject: { id: 'u-topic' }, occurredAt: dayAgo }),
        anEvent('SubjectRequestReceived', { subject: { id: 'u-topic' }, occurredAt: new Date().toISOString(), data: { requestId: 'r-topic', kind: 'erasure' } }),
      ];
      const recorded = await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: events });
      expect(recorded.data?.recordEvents.appended).toBe(5);

      // An independent consumer group, from the start of the topic; it waits a little past the fourth for any repeat.
      const messages = await readTopic(ordersTopic, 4, 60_000);
      const orders = messages.map((m) => ({
        key: m.key?.toString(),
        headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
        text: m.value!.toString(),
      }));
      expect(orders.map((o) => o.key).sort()).toEqual(['recipient:crm-us', 'recipient:psb-sh', 'system:user-db', 'system:web-log']);
      for (const order of orders) {
        const value: unknown = JSON.parse(order.text);
        expect(validOrder(value), JSON.stringify(validOrder.errors)).toBe(true);
        const { data } = value as { data: { orderId: string; subjectId: string; target: { kind: string; id: string }; cause: string; reason: string } };
        expect(order.headers).toEqual({ [ORDER_HEADER_NAMES.orderId]: data.orderId, [ORDER_HEADER_NAMES.target]: order.key, [ORDER_HEADER_NAMES.type]: 'pdl.deletion-order' });
        expect(`${data.target.kind}:${data.target.id}`).toBe(order.key);
        expect(data).toMatchObject({ subjectId: 'u-topic', cause: 'r-topic', reason: 'erasure-request' });
        for (const value of [EMAIL, PHONE, IP, 'values', 'identifiers']) expect(order.text).not.toContain(value);
      }
      expect(new Set(orders.map((o) => o.headers[ORDER_HEADER_NAMES.orderId])).size).toBe(4);

      type Orders = { deletionOrders: { target: { id: string }; manualTask: boolean; deliveries: { channel: string; state: string }[] }[] };
      let listed: Orders['deletionOrders'] = [];
      await until(async () => {
        listed = (await server!.gql<Orders>('{ deletionOrders { target { id } manualTask deliveries { channel state } } }')).data!.deletionOrders;
        return listed.length === 4 && listed.every((o) => o.deliveries[0]?.state === 'delivered');
      }, 20_000, 'every kafka delivery kept as delivered');
      // On the topic all the same; a target that did not say it reads it has no channel of its own: a manual task.
      expect(Object.fromEntries(listed.map((o) => [o.target.id, o.manualTask]))).toEqual({ 'user-db': false, 'crm-us': false, 'web-log': true, 'psb-sh': true });
      const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.adminKey}` } })).text();
      expect(metrics).toMatch(/^pdl_order_deliveries\{channel="kafka",state="delivered"\} 4$/m);
      expect(server.stdout()).not.toContain(EMAIL);

      const db = server.db;
      expect(await server.stop()).toBe(0);
      server = await startPdlServer({ db, args, env });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const again = await readTopicUntil(ordersTopic, (all) => all.length >= 4, 30_000);
      expect(again).toHaveLength(4);
    } finally {
      expect(await server?.stop()).toBe(0);
    }
  }, 180_000);
});
