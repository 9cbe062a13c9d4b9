/**
 * The operator's delivery file (services/orders/delivery-config.ts): what it accepts, and each refusal
 * — said with the file and the field, never with a secret — before pdl serve starts anything.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeliveryConfigError, loadDeliveryConfig } from '../../services/orders/delivery-config.js';
import { SecretPlacementError } from '../../services/composition/secret-placement.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { signWebhook } from '../../services/orders/webhook-signature.js';
import { Webhook } from 'standardwebhooks';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

function place() {
  const root = makeTempDir('delivery-config');
  const data = join(root, 'data');
  mkdirSync(data);
  const db = join(data, 'ledger.db');
  const write = (name: string, content: unknown, mode = 0o600) => {
    const path = join(root, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content), { mode });
    return path;
  };
  return { root, data, db, write };
}

const hook = (secret: unknown, url = 'https://crm.example.com/pdl') => ({ targets: [{ kind: 'recipient', id: 'crm-us', webhook: { url, secret } }] });

function refusal(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a refusal');
}

describe('the delivery file', () => {
  it('gives each target its webhook and says which have a channel; defaults for retry and topic', () => {
    const { db, write } = place();
    const file = write('deliveries.json', {
      kafka: {},
      targets: [
        { kind: 'recipient', id: 'crm-us', webhook: { url: 'https://crm.example.com/pdl?token=x', secret: { env: 'CRM_HOOK' } } },
        { kind: 'system', id: 'analytics', kafka: true },
        { kind: 'system', id: 'user-db' },
      ],
    });
    const config = loadDeliveryConfig(file, { db, embeddedKeys: false, env: { CRM_HOOK: SECRET }, kafkaBrokers: ['127.0.0.1:9092'] });
    expect(config.kafka).toEqual({ topic: 'pdl.deletion-orders', brokers: ['127.0.0.1:9092'] });
    expect(config.retry).toEqual({ firstDelayMs: 5000, maxDelayMs: 3_600_000, maxAttempts: 20 });
    expect(config.webhookOf({ kind: 'recipient', id: 'crm-us' })).toEqual({ url: 'https://crm.example.com/pdl?token=x', keys: [Buffer.from(SECRET.slice(6), 'base64')] });
    expect(config.webhookOf({ kind: 'system', id: 'crm-us' })).toBeNull();
    expect([['recipient', 'crm-us'], ['system', 'analytics'], ['system', 'user-db'], ['system', 'unknown']].map(([kind, id]) =>
      config.hasChannel({ kind: kind === 'recipient' ? 'recipient' : 'system', id: id! }))).toEqual([true, true, false, false]);
    expect(config.counts).toEqual({ webhooks: 1, topicReaders: 1 });
  });

  it('takes two secrets while one replaces the other: each signs, and a Standard Webhooks receiver with either accepts the message', () => {
    const { db, write } = place();
    const old = `whsec_${randomBytes(32).toString('base64')}`;
    const config = loadDeliveryConfig(write('deliveries.json', hook([{ env: 'NEW' }, { env: 'OLD' }])), { db, embeddedKeys: false, env: { NEW: SECRET, OLD: old } });
    const webhook = config.webhookOf({ kind: 'recipient', id: 'crm-us' })!;
    const body = JSON.stringify({ type: 'pdl.deletion-order', data: { orderId: 'o-1' } });
    const headers = signWebhook(webhook.keys, 'o-1', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    // Verified by the standardwebhooks library, with the new secret and with the old.
    for (const secret of [SECRET, old]) expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, { ...headers })).toThrow();
    const three = refusal(() => loadDeliveryConfig(write('d3.json', hook([{ env: 'NEW' }, { env: 'OLD' }, { env: 'NEW' }])), { db, embeddedKeys: false, env: { NEW: SECRET, OLD: old } }));
    expect(three).toBeInstanceOf(DeliveryConfigError);
  });

  it('refuses a secret file in the data folder unless --embedded-keys, and one others may read', () => {
    const { db, data, write } = place();
    const inside = join(data, 'crm.secret');
    writeFileSync(inside, SECRET, { mode: 0o600 });
    const file = write('deliveries.json', hook({ file: inside }));
    expect(refusal(() => loadDeliveryConfig(file, { db, embeddedKeys: false, env: {} }))).toBeInstanceOf(SecretPlacementError);
    expect(loadDeliveryConfig(file, { db, embeddedKeys: true, env: {} }).webhookOf({ kind: 'recipient', id: 'crm-us' })).not.toBeNull();
    const open = write('open.secret', SECRET, 0o644);
    const error = refusal(() => loadDeliveryConfig(write('d2.json', hook({ file: open })), { db, embeddedKeys: false, env: {} }));
    expect(error).toBeInstanceOf(DeliveryConfigError);
    expect(error.message).toMatch(/may be read by others than its owner: chmod 600 it/);
  });

  it.each([
    ['an unset variable', hook({ env: 'NOT_SET' }), /targets\.0\.webhook\.secret: the environment variable NOT_SET is not set/],
    ['a secret not in the Standard Webhooks form', hook({ env: 'BAD' }), /not a Standard Webhooks secret/],
    ['plain http to another host', hook({ env: 'GOOD' }, 'http://crm.example.com/pdl'), /targets\.0\.webhook\.url: must be https:\/\//],
    ['a URL with a password', hook({ env: 'GOOD' }, 'https://u:p@crm.example.com/pdl'), /must not carry a user or password/],
    ['a target named twice', { targets: [{ kind: 'system', id: 'a', kafka: true }, { kind: 'system', id: 'a' }], kafka: { brokers: ['b:1'] } }, /targets\.1: system:a is named twice/],
    ['a topic reader with no topic', { targets: [{ kind: 'system', id: 'a', kafka: true }] }, /reads the orders topic, but the file names no topic/],
    ['a topic with no brokers', { kafka: { topic: 'orders' } }, /name the brokers/],
    ['an unknown field', { targets: [], retries: 3 }, /Unrecognized key/],
  ])('refuses %s, naming the field and never the secret', (_, content, message) => {
    const { db, write } = place();
    const error = refusal(() => loadDeliveryConfig(write('deliveries.json', content), { db, embeddedKeys: false, env: { BAD: 'not-a-secret-value', GOOD: SECRET } }));
    expect(error).toBeInstanceOf(DeliveryConfigError);
    expect((error as DeliveryConfigError).code).toBe('VALIDATION');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('not-a-secret-value');
    expect(error.message).not.toContain(SECRET);
  });
});
