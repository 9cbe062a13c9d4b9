/**
 * The Merkle tree over the ledger (RFC 9162 §2.1, RFC 6962 hashing), built from stored nodes:
 * node (level, index) is the root of the perfect subtree over leaves [index·2^level, (index+1)·2^level).
 * Only perfect subtrees are stored; any other range is hashed from O(log n) of them, so a root,
 * an inclusion path or a consistency proof reads O(log n) nodes (README "Proofs").
 */
import { EMPTY_ROOT, nodeHash, type NodeReader } from './rfc6962.js';

/** The largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The hash of leaves [start, end) (start aligned as the recursion below keeps it). */
type RangeHash = (start: number, end: number) => Buffer;

/**
 * Ranges of one tree, each read or hashed once: the paths of many leaves share most of their
 * siblings (all but the lowest few, for leaves side by side — a page of events), and the ragged
 * right edge of a tree whose size is no power of two would be hashed again for every path.
 */
function rangeHasher(nodes: NodeReader): RangeHash {
  const known = new Map<string, Buffer>();
  const hash: RangeHash = (start, end) => {
    const key = `${start}:${end}`;
    let found = known.get(key);
    if (found === undefined) {
      const width = end - start;
      if ((width & (width - 1)) === 0 && start % width === 0) found = nodes(Math.log2(width), start / width);
      else {
        const k = split(width);
        found = nodeHash(hash(start, start + k), hash(start + k, end));
      }
      known.set(key, found);
    }
    return found;
  };
  return hash;
}

export function rootOf(nodes: NodeReader, size: number): Buffer {
  return size === 0 ? EMPTY_ROOT : rangeHasher(nodes)(0, size);
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the audit path of leaf `index` in the tree of `size` leaves. */
export function inclusionPath(nodes: NodeReader, index: number, size: number): Buffer[] {
  return pathOf(rangeHasher(nodes), index, size);
}

/** The audit paths of these leaves in the tree of `size` leaves, in their order: shared siblings read and hashed once. */
export function inclusionPaths(nodes: NodeReader, indexes: readonly number[], size: number): Buffer[][] {
  const hash = rangeHasher(nodes);
  return indexes.map((index) => pathOf(hash, index, size));
}

function pathOf(hash: RangeHash, index: number, size: number): Buffer[] {
  if (index < 0 || index >= size) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path: Buffer[] = [];
  // Walks down from the root, collecting the sibling of each step, then returns them leaf first.
  let [start, end, m] = [0, size, index];
  while (end - start > 1) {
    const k = split(end - start);
    if (m < k) {
      path.push(hash(start + k, end));
      end = start + k;
    } else {
      path.push(hash(start, start + k));
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
  const hash = rangeHasher(nodes);
  const proof: Buffer[] = [];
  // SUBPROOF(m, D[start:end], b), iteratively: the right-hand siblings collected on the way down.
  let [start, end, m, whole] = [0, newSize, oldSize, true];
  while (m !== end - start) {
    const k = split(end - start);
    if (m <= k) {
      proof.push(hash(start + k, end));
      end = start + k;
    } else {
      proof.push(hash(start, start + k));
      start += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) proof.push(hash(start, end));
  return proof.reverse();
}
