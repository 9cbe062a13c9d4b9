/**
 * The Standard Webhooks scheme (https://www.standardwebhooks.com): the receiver checks
 * `webhook-signature` = "v1," + base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>"))
 * with the secret it shares with the ledger, and refuses a timestamp far from its clock (a replay).
 * The same id on every attempt of one message lets it drop repeats. Any Standard Webhooks library
 * verifies these (the tests use the `standardwebhooks` package, not this code).
 */
import { createHmac } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** The key bytes of a `whsec_<base64>` secret, or null when it is not one (24 to 64 bytes, as the scheme advises). */
export function webhookSecretBytes(secret: string): Buffer | null {
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return null;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= 24 && key.length <= 64 ? key : null;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The three headers of one attempt: signed at `at` (each attempt its own timestamp, the same id),
 * one signature per key, space-separated as the scheme has it (a secret being rotated: both sign).
 */
export function signWebhook(keys: readonly Buffer[], id: string, at: Date, body: string): SignedHeaders {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signatures = keys.map((key) => `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`);
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}
