import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import type { Json } from './port.js';

/*
 * RFC 8785 (JCS) is JSON.stringify's escaping and number form with keys sorted by UTF-16 code
 * units: safe-stable-stringify's deterministic mode is exactly that, and it runs twice per append,
 * so its speed is the write path's. `strict` makes it throw on what has no JSON form (NaN,
 * Infinity, functions, bigint).
 * test/unit/canonical-json.test.ts checks it against the RFC author's published test data.
 */
const stringify = configure({ deterministic: true, strict: true, circularValue: TypeError, bigint: false });

/** RFC 8785 canonical JSON: the bytes every hash and digest in the ledger is taken over. */
export function canonicalJson(value: Json | object): string {
  const text = stringify(value);
  if (text === undefined) throw new TypeError('value has no canonical JSON form');
  return text;
}

export function sha256Hex(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

export function bodyDigest(body: Json | object): string {
  return `sha256:${sha256Hex(canonicalJson(body))}`;
}

// A stored body is made once and then read-only: its canonical text, made when the chain links
// it, is what the Merkle tree hashes in the same transaction — kept per body object, made once.
// (The store writes JSON.stringify's text, in the order the event was made: read models rebuilt
// from the log must see the keys in the order the live ones saw them.)
const canonicalBodies = new WeakMap<object, string>();

/** The canonical JSON of a stored event body, made once per body object when `keep`, else made (or found) and not kept. */
export function canonicalBody(body: object, keep = false): string {
  let text = canonicalBodies.get(body);
  if (text === undefined) {
    text = canonicalJson(body);
    if (keep) canonicalBodies.set(body, text);
  }
  return text;
}
