/**
 * The hash chain: hash(n) = SHA-256(hash(n-1) ‖ canonical JSON (RFC 8785) of what was stored
 * at n), with 32 zero bytes before the first event. What is stored holds only sealed values,
 * so the chain never covers plaintext personal data and survives erasure. Each hash is kept
 * beside its event, which is the leaf list a Merkle tree (RFC 9162) can later be built over.
 */
import { canonicalJson, sha256Hex } from '../store/digest.js';
import type { Chain, Unchained } from '../store/port.js';

export const GENESIS_HASH = '0'.repeat(64);

/** The fields of a stored event that the chain covers. */
export function chainedContent(event: Unchained): object {
  return {
    position: event.position,
    stream: event.stream,
    revision: event.revision,
    recordedAt: event.recordedAt,
    event: event.body,
  };
}

export function linkHash(previousHash: string | null, event: Unchained): string {
  return sha256Hex(Buffer.from(previousHash ?? GENESIS_HASH, 'hex'), canonicalJson(chainedContent(event)));
}

export const sha256Chain: Chain = { link: linkHash };
