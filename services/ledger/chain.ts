/**
 * The hash chain: hash(n) = SHA-256(hash(n-1) ‖ canonical JSON (RFC 8785) of what was stored
 * at n), with 32 zero bytes before the first event. What is stored holds only sealed values,
 * so the chain never covers plaintext personal data and survives erasure. Each hash is kept
 * beside its event. The same bytes are the leaves of the ledger's Merkle tree (README "Proofs").
 */
import { canonicalJson, sha256Hex } from '../store/digest.js';
import type { Chain, Unchained } from '../store/port.js';

export const GENESIS_HASH = '0'.repeat(64);

/** The fields of a stored event that the chain covers. */
export function chainedContent(event: ChainedFields): object {
  return {
    position: event.position,
    stream: event.stream,
    revision: event.revision,
    recordedAt: event.recordedAt,
    event: event.body,
  };
}

/** What the chain and the Merkle tree hash for one position; the fields it reads of a stored event. */
export type ChainedFields = Pick<Unchained, 'position' | 'stream' | 'revision' | 'recordedAt'> & { readonly body: object };

// The append path links an event and then projects it into the tree: the canonical text made for
// one is kept for the other (keyed by the body object, checked by position), not made twice.
const recentLeaves = new WeakMap<object, { position: number; leaf: string }>();

/** The canonical JSON (RFC 8785) the chain hashes for this position: a Merkle leaf. */
export function chainedLeaf(event: ChainedFields): string {
  const kept = recentLeaves.get(event.body);
  if (kept?.position === event.position) return kept.leaf;
  return canonicalJson(chainedContent(event));
}

export function linkHash(previousHash: string | null, event: Unchained): string {
  const leaf = canonicalJson(chainedContent(event));
  recentLeaves.set(event.body, { position: event.position, leaf });
  return sha256Hex(Buffer.from(previousHash ?? GENESIS_HASH, 'hex'), leaf);
}

export const sha256Chain: Chain = { link: linkHash };
