import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Json } from './port.js';

/** RFC 8785 canonical JSON: the bytes every hash and digest in the ledger is taken over. */
export function canonicalJson(value: Json | object): string {
  const text = canonicalize(value);
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
