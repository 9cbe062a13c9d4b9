/**
 * RFC 6962 hashing (README "Proofs"): a leaf is SHA-256(0x00 ‖ bytes), an inner node
 * SHA-256(0x01 ‖ left ‖ right), so no leaf can pose as a node. The foundation under the log's
 * chain check, its Merkle-tree projection and the prover alike.
 */
import { createHash } from 'node:crypto';

export const leafHash = (leaf: string | Buffer): Buffer => createHash('sha256').update(Buffer.of(0)).update(leaf).digest();
export const nodeHash = (left: Buffer, right: Buffer): Buffer => createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
/** The root of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT = createHash('sha256').digest();

/**
 * Reads stored node (level, index): the root of the perfect subtree over leaves
 * [index·2^level, (index+1)·2^level); throws if it is missing (the tree is behind the size asked for).
 */
export type NodeReader = (level: number, index: number) => Buffer;
