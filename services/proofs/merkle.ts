/**
 * The Merkle tree over the ledger (RFC 9162 §2.1, RFC 6962 hashing), built from stored nodes:
 * node (level, index) is the root of the perfect subtree over leaves [index·2^level, (index+1)·2^level).
 * Only perfect subtrees are stored; any other range is hashed from O(log n) of them, so a root,
 * an inclusion path or a consistency proof reads O(log n) nodes (README "Proofs").
 */
import { createHash } from 'node:crypto';

export const leafHash = (leaf: string | Buffer): Buffer => createHash('sha256').update(Buffer.of(0)).update(leaf).digest();
export const nodeHash = (left: Buffer, right: Buffer): Buffer => createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
/** The root of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT = createHash('sha256').digest();

/** Reads stored perfect-subtree nodes; throws if one is missing (the tree is behind the size asked for). */
export type NodeReader = (level: number, index: number) => Buffer;

/** The largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The hash of leaves [start, end), start aligned as the recursion below keeps it. */
function rangeHash(nodes: NodeReader, start: number, end: number): Buffer {
  const width = end - start;
  if ((width & (width - 1)) === 0 && start % width === 0) return nodes(Math.log2(width), start / width);
  const k = split(width);
  return nodeHash(rangeHash(nodes, start, start + k), rangeHash(nodes, start + k, end));
}

export function rootOf(nodes: NodeReader, size: number): Buffer {
  return size === 0 ? EMPTY_ROOT : rangeHash(nodes, 0, size);
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the audit path of leaf `index` in the tree of `size` leaves. */
export function inclusionPath(nodes: NodeReader, index: number, size: number): Buffer[] {
  if (index < 0 || index >= size) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path: Buffer[] = [];
  // Walks down from the root, collecting the sibling of each step, then returns them leaf first.
  let [start, end, m] = [0, size, index];
  while (end - start > 1) {
    const k = split(end - start);
    if (m < k) {
      path.push(rangeHash(nodes, start + k, end));
      end = start + k;
    } else {
      path.push(rangeHash(nodes, start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]): shows the tree of `oldSize` leaves is a prefix of the one of `newSize`. */
export function consistencyProof(nodes: NodeReader, oldSize: number, newSize: number): Buffer[] {
  if (oldSize < 0 || oldSize > newSize) throw new RangeError(`no consistency proof from ${oldSize} to ${newSize}`);
  if (oldSize === 0 || oldSize === newSize) return [];
  const proof: Buffer[] = [];
  // SUBPROOF(m, D[start:end], b), iteratively: the right-hand siblings collected on the way down.
  let [start, end, m, whole] = [0, newSize, oldSize, true];
  while (m !== end - start) {
    const k = split(end - start);
    if (m <= k) {
      proof.push(rangeHash(nodes, start + k, end));
      end = start + k;
    } else {
      proof.push(rangeHash(nodes, start, start + k));
      start += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) proof.push(rangeHash(nodes, start, end));
  return proof.reverse();
}

/** Nodes of a tree held in memory, for tests and for checking the stored tree against the log. */
export class MemoryTree {
  private readonly levels: Buffer[][] = [];

  get size(): number {
    return this.levels[0]?.length ?? 0;
  }

  /** Appends a leaf hash; returns the nodes it completed, (level, index, hash), leaf first. */
  append(hash: Buffer): { level: number; index: number; hash: Buffer }[] {
    const added = [];
    let [level, index, current] = [0, this.size, hash];
    for (;;) {
      (this.levels[level] ??= [])[index] = current;
      added.push({ level, index, hash: current });
      if (index % 2 === 0) return added;
      current = nodeHash(this.levels[level]![index - 1]!, current);
      level += 1;
      index = (index - 1) / 2;
    }
  }

  readonly node: NodeReader = (level, index) => {
    const hash = this.levels[level]?.[index];
    if (!hash) throw new RangeError(`no node (${level}, ${index})`);
    return hash;
  };

  root(size = this.size): Buffer {
    return rootOf(this.node, size);
  }
}

/**
 * The roots of the perfect subtrees a tree of n leaves splits into (a compact range): O(log n)
 * hashes, enough to append and to give the root at any size reached. For checking a stored tree
 * or checkpoint against the log in one pass.
 */
export class CompactRange {
  private readonly stack: { level: number; hash: Buffer }[] = [];
  size = 0;

  append(hash: Buffer): void {
    let node = { level: 0, hash };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level === node.level) {
      const left = this.stack.pop()!;
      node = { level: node.level + 1, hash: nodeHash(left.hash, node.hash) };
    }
    this.stack.push(node);
    this.size += 1;
  }

  root(): Buffer {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let hash = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i -= 1) hash = nodeHash(this.stack[i]!.hash, hash);
    return hash;
  }
}
