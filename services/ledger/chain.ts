/**
 * The hash chain: hash(n) = SHA-256(hash(n-1) ‖ canonical JSON (RFC 8785) of what was stored
 * at n), with 32 zero bytes before the first event. What is stored holds only sealed values,
 * so the chain never covers plaintext personal data and survives erasure. Each hash is kept
 * beside its event. The same bytes are the leaves of the ledger's Merkle tree (README "Proofs").
 */
import { canonicalBody, canonicalJson, sha256Hex } from '../store/digest.js';
import type { Chain, Unchained } from '../store/port.js';

export const GENESIS_HASH = '0'.repeat(64);

/** What the chain and the Merkle tree hash for one position; the fields it reads of a stored event. */
export type ChainedFields = Pick<Unchained, 'position' | 'stream' | 'revision' | 'recordedAt'> & { readonly body: object };

/**
 * The canonical JSON (RFC 8785) the chain hashes for this position: a Merkle leaf — the object
 * { position, stream, revision, recordedAt, event: body }, written out with its keys in RFC 8785
 * order around the body's canonical text (test/unit/chain.test.ts holds it equal to the
 * canonical JSON of that object). `keep`: remember the body's text for a second use of the
 * same body object (an append links an event, then hashes it into the tree in one transaction).
 */
export function chainedLeaf(event: ChainedFields, keep = false): string {
  return `{"event":${canonicalBody(event.body, keep)},"position":${scalar(event.position)},"recordedAt":${scalar(event.recordedAt)},`
    + `"revision":${scalar(event.revision)},"stream":${scalar(event.stream)}}`;
}

/**
 * A leaf's own fields in RFC 8785 form: a whole number's decimal digits and a string as
 * JSON.stringify writes it are what canonicalJson gives for them, without its walk (this runs
 * for every event a rebuild folds into the tree); anything else goes through canonicalJson.
 */
const scalar = (value: string | number): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  return Number.isSafeInteger(value) ? String(value) : canonicalJson(value);
};

/** The hash after `previousHash` of a position whose chained leaf is `leaf`. */
export function linkLeaf(previousHash: string | null, leaf: string): string {
  return sha256Hex(Buffer.from(previousHash ?? GENESIS_HASH, 'hex'), leaf);
}

/** The chain of the append paths: the body's canonical text is kept for the tree, which hashes it next. */
export const sha256Chain: Chain = { link: (previousHash, event) => linkLeaf(previousHash, chainedLeaf(event, true)) };
