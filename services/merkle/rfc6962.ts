/**
 * RFC 6962 hashing (README "Proofs"): a leaf is SHA-256(0x00 ‖ bytes), an inner node
 * SHA-256(0x01 ‖ left ‖ right), so no leaf can pose as a node. The foundation under the log's
 * chain check, its Merkle-tree projection and the prover alike.
 */
import { createHash, hash } from 'node:crypto';

/** One-shot: a leaf per event folded into the tree; a text leaf with its 0x00 prefix is one UTF-8 string (U+0000 is the byte 0x00). */
export const leafHash = (leaf: string | Buffer): Buffer => (typeof leaf === 'string'
  ? hash('sha256', `\u0000${leaf}`, 'buffer')
  : createHash('sha256').update(Buffer.of(0)).update(leaf).digest());
/** One-shot over 65 bytes: a node per append on average, and a Hash object per node cost more than the hashing. */
export const nodeHash = (left: Buffer, right: Buffer): Buffer => {
  if (left.length !== 32 || right.length !== 32) return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
  const input = Buffer.allocUnsafe(65);
  input[0] = 1;
  left.copy(input, 1);
  right.copy(input, 33);
  return hash('sha256', input, 'buffer');
};
/** The root of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT = createHash('sha256').digest();

/**
 * Reads stored node (level, index): the root of the perfect subtree over leaves
 * [index·2^level, (index+1)·2^level); throws if it is missing (the tree is behind the size asked for).
 */
export type NodeReader = (level: number, index: number) => Buffer;
