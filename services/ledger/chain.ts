/**
 * The hash chain: hash(n) = SHA-256(hash(n-1) ‖ canonical JSON (RFC 8785) of what was stored
 * at n), with 32 zero bytes before the first event. What is stored holds only sealed values,
 * so the chain never covers plaintext personal data and survives erasure. Each hash is kept
 * beside its event. The same bytes are the leaves of the ledger's Merkle tree (README "Proofs").
 */
import { canonicalBody, canonicalJson, sha256Hex } from '../store/digest.js';
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

/**
 * The canonical JSON (RFC 8785) the chain hashes for this position: a Merkle leaf. Written out
 * with chainedContent's keys in RFC 8785 order (event, position, recordedAt, revision, stream)
 * around the body's canonical text, which is made once per body (linked, then hashed into the
 * tree); test/unit/chain.test.ts holds it equal to canonicalJson(chainedContent(event)).
 */
export function chainedLeaf(event: ChainedFields): string {
  return `{"event":${canonicalBody(event.body)},"position":${canonicalJson(event.position)},"recordedAt":${canonicalJson(event.recordedAt)},`
    + `"revision":${canonicalJson(event.revision)},"stream":${canonicalJson(event.stream)}}`;
}

export function linkHash(previousHash: string | null, event: Unchained): string {
  return sha256Hex(Buffer.from(previousHash ?? GENESIS_HASH, 'hex'), chainedLeaf(event));
}

export const sha256Chain: Chain = { link: linkHash };
