/**
 * Where deletion orders go (README "Erasure that reaches every copy: delivery"): the operator's
 * delivery file, named to `pdl serve --deliveries FILE` (PDL_DELIVERIES). A file, not events: a
 * channel is an address and a secret that change with the target's deployment, and a secret must
 * never enter the log (kept for ever, copied to every replica and backup). The file holds no
 * secret either — each webhook names where its secret is: an environment variable, or a file
 * outside the ledger's data folder (inside only under --embedded-keys, as every other secret) that
 * only its owner can read. Secrets are never logged, nor quoted in an error.
 */
import { statSync } from 'node:fs';
import * as z from 'zod';
import { Key } from '../../schemas/envelope.js';
import { DEFAULT_ORDERS_TOPIC } from '../../schemas/deletion-order-message.js';
import { DeletionTargetKind, type DeletionTarget } from '../../schemas/events/deletion-orders.js';
import { ValidationError } from '../errors.js';
import { readPrivateFile } from '../composition/output-files.js';
import { dataFolderOf, isInside, secretInDataFolder, type Secret } from '../composition/secret-placement.js';
import { webhookSecretBytes } from './webhook-signature.js';

/** A delivery file that cannot be used: said with its path and the field, never a secret. */
export class DeliveryConfigError extends ValidationError {}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

const WebhookUrl = z.url({ error: 'expected an absolute URL' }).refine((text) => {
  const url = new URL(text);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname));
}, 'must be https:// (plain http:// only to this machine: localhost, 127.x.x.x, [::1])').refine((text) => {
  const url = new URL(text);
  return url.username === '' && url.password === '';
}, 'must not carry a user or password: the signature authenticates the ledger');

const SecretSource = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name, e.g. PDL_WEBHOOK_CRM_US') }),
  z.strictObject({ file: z.string().min(1) }),
], { error: 'expected {"env": "VARIABLE"} or {"file": "/path/outside/the/data/folder"}' });

const TargetChannels = z.strictObject({
  kind: DeletionTargetKind,
  id: Key,
  /**
   * A Standard Webhooks endpoint the ledger POSTs this target's orders to, signed with the target's
   * secret — or with each of two while one replaces the other (a signature per secret: the
   * receiver accepts either, so secrets rotate without a delivery refused).
   */
  webhook: z.strictObject({ url: WebhookUrl, secret: z.union([SecretSource, z.array(SecretSource).min(1).max(2)]) }).optional(),
  /** The target reads its orders from the orders topic (by key or pdl-target header): it has a channel, not a manual task. */
  kafka: z.boolean().optional(),
});

export const DeliveryFile = z.strictObject({
  /** The orders topic: every order goes on it, whatever its target. */
  kafka: z.strictObject({
    topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name').default(DEFAULT_ORDERS_TOPIC),
    /** Default: the brokers of `serve --kafka`. */
    brokers: z.array(z.string().regex(/^[^\s,]+:\d+$/, 'host:port')).min(1).optional(),
  }).optional(),
  retry: z.strictObject({
    firstDelaySeconds: z.number().positive().max(86_400).default(5),
    maxDelaySeconds: z.number().positive().max(7 * 86_400).default(3600),
    /** Attempts per delivery before it is given up (state failed: the order is then a manual task). */
    maxAttempts: z.number().int().min(1).max(1000).default(20),
  }).default({ firstDelaySeconds: 5, maxDelaySeconds: 3600, maxAttempts: 20 }),
  targets: z.array(TargetChannels).default([]),
});
export type DeliveryFile = z.infer<typeof DeliveryFile>;

export interface WebhookChannel {
  readonly url: string;
  /** The key bytes of each secret (without `whsec_`, decoded), held in memory only: one signature each. */
  readonly keys: readonly Buffer[];
}

export interface DeliveryConfig {
  readonly kafka: { readonly topic: string; readonly brokers: readonly string[] } | null;
  readonly retry: { readonly firstDelayMs: number; readonly maxDelayMs: number; readonly maxAttempts: number };
  /** The target's webhook, if it has one. */
  webhookOf(target: DeletionTarget): WebhookChannel | null;
  /** Whether any channel reaches the target (a webhook, or reading the topic): if none, its orders are manual tasks. */
  hasChannel(target: DeletionTarget): boolean;
  /** How many targets have a webhook, and how many read the topic (for the start message). */
  readonly counts: { readonly webhooks: number; readonly topicReaders: number };
}

/**
 * A delivery configuration a running server can take again from its file (SIGHUP): every reader
 * asks it at the time of use, so a webhook added, a URL moved or a secret rotated takes effect at
 * the next attempt. The orders topic is not replaced: its producer is connected at start.
 */
export interface ReloadableDeliveryConfig extends DeliveryConfig {
  /** Takes `next` unless its orders topic differs (then the reason, and nothing changes). */
  replace(next: DeliveryConfig): { replaced: true } | { replaced: false; why: string };
}

export function reloadableDeliveryConfig(initial: DeliveryConfig): ReloadableDeliveryConfig {
  let current = initial;
  const topicOf = (config: DeliveryConfig) => (config.kafka ? `${config.kafka.topic} on ${[...config.kafka.brokers].sort().join(',')}` : 'none');
  return {
    get kafka() { return current.kafka; },
    get retry() { return current.retry; },
    get counts() { return current.counts; },
    webhookOf: (target) => current.webhookOf(target),
    hasChannel: (target) => current.hasChannel(target),
    replace(next) {
      if (topicOf(next) !== topicOf(current)) return { replaced: false, why: `the orders topic changed (${topicOf(current)} → ${topicOf(next)}): restart the server to use it` };
      current = next;
      return { replaced: true };
    },
  };
}

export const targetKey = (target: DeletionTarget): string => `${target.kind}:${target.id}`;

/** The target of a kept key ("system:user-db"); ids may hold a colon themselves. */
export function targetOfKey(key: string): DeletionTarget {
  const at = key.indexOf(':');
  return { kind: key.slice(0, at) === 'recipient' ? 'recipient' : 'system', id: key.slice(at + 1) };
}

export const WEBHOOK_SECRET: Secret = {
  what: 'a webhook signing secret',
  power: 'sign deletion orders its target would take as the ledger\'s',
  howToName: '{"secret": {"env": "VARIABLE"}}, or {"secret": {"file": PATH}}',
};

export interface DeliveryConfigContext {
  /** The ledger's database: its folder is where secrets are not kept. */
  readonly db: string;
  readonly embeddedKeys: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** `serve --kafka`: the brokers the topic is on unless the file names others. */
  readonly kafkaBrokers?: readonly string[];
}

/** Reads and checks the delivery file, and every secret it names: any problem refuses the whole file. */
export function loadDeliveryConfig(path: string, context: DeliveryConfigContext): DeliveryConfig {
  const text = readPrivateFile(path);
  if (text === null) throw new DeliveryConfigError(`the delivery file ${path} does not exist`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DeliveryConfigError(`the delivery file ${path} is not JSON`);
  }
  const parsed = DeliveryFile.safeParse(json);
  if (!parsed.success) {
    throw new DeliveryConfigError(`the delivery file ${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`).join('; ')}`);
  }
  return deliveryConfigOf(parsed.data, path, context);
}

export function deliveryConfigOf(file: DeliveryFile, path: string, context: DeliveryConfigContext): DeliveryConfig {
  const channels = new Map<string, { webhook: WebhookChannel | null; kafka: boolean }>();
  file.targets.forEach((target, index) => {
    const key = targetKey(target);
    if (channels.has(key)) throw new DeliveryConfigError(`the delivery file ${path}: targets.${index}: ${key} is named twice`);
    const sources = target.webhook ? (Array.isArray(target.webhook.secret) ? target.webhook.secret : [target.webhook.secret]) : [];
    const webhook = target.webhook
      ? { url: target.webhook.url, keys: sources.map((source, n) => readSecret(source, `${path}: targets.${index}.webhook.secret${Array.isArray(target.webhook!.secret) ? `.${n}` : ''}`, context)) }
      : null;
    channels.set(key, { webhook, kafka: target.kafka === true });
  });
  const brokers = file.kafka?.brokers ?? context.kafkaBrokers;
  if (file.kafka && (!brokers || brokers.length === 0)) {
    throw new DeliveryConfigError(`the delivery file ${path}: kafka: name the brokers (kafka.brokers) or start serve with --kafka BROKERS`);
  }
  for (const [key, channel] of channels) {
    if (channel.kafka && !file.kafka) throw new DeliveryConfigError(`the delivery file ${path}: ${key} reads the orders topic, but the file names no topic (kafka)`);
  }
  return {
    kafka: file.kafka && brokers ? { topic: file.kafka.topic, brokers } : null,
    retry: { firstDelayMs: file.retry.firstDelaySeconds * 1000, maxDelayMs: file.retry.maxDelaySeconds * 1000, maxAttempts: file.retry.maxAttempts },
    webhookOf: (target) => channels.get(targetKey(target))?.webhook ?? null,
    hasChannel: (target) => {
      const channel = channels.get(targetKey(target));
      return channel !== undefined && (channel.webhook !== null || channel.kafka);
    },
    counts: {
      webhooks: [...channels.values()].filter((c) => c.webhook !== null).length,
      topicReaders: [...channels.values()].filter((c) => c.kafka).length,
    },
  };
}

function readSecret(source: { env: string } | { file: string }, where: string, context: DeliveryConfigContext): Buffer {
  let value: string;
  if ('env' in source) {
    const set = context.env[source.env];
    if (!set) throw new DeliveryConfigError(`${where}: the environment variable ${source.env} is not set`);
    value = set;
  } else {
    const folder = dataFolderOf(context.db);
    if (isInside(source.file, folder) && !context.embeddedKeys) throw secretInDataFolder(WEBHOOK_SECRET, folder, source.file);
    const read = readPrivateFile(source.file);
    if (read === null) throw new DeliveryConfigError(`${where}: ${source.file} does not exist`);
    // Anyone who can read it can sign orders as the ledger: the owner's alone, as the ledger's own key files.
    if ((statSync(source.file).mode & 0o077) !== 0) throw new DeliveryConfigError(`${where}: ${source.file} may be read by others than its owner: chmod 600 it`);
    value = read.trim();
  }
  const key = webhookSecretBytes(value);
  if (!key) throw new DeliveryConfigError(`${where}: not a Standard Webhooks secret (whsec_ followed by the base64 of 24 to 64 random bytes)`);
  return key;
}
