/** RFC 9162 Merkle-tree proofs: leaf and node hashes, §2.1.3.2 inclusion, §2.1.4.2 consistency. */
import { concat, equal, sha256, type Bytes } from './bytes.js';

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ leaf). */
export const hashLeaf = (leaf: Bytes): Promise<Bytes> => sha256(concat(Uint8Array.of(0), leaf));
/** RFC 6962 interior node: SHA-256(0x01 ‖ left ‖ right). */
export const hashChildren = (left: Bytes, right: Bytes): Promise<Bytes> => sha256(concat(Uint8Array.of(1), left, right));

// Tree sizes go past 2^32: plain arithmetic, not 32-bit bit operators.
const odd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/** RFC 9162 §2.1.3.2: whether `proof` takes the leaf hash at `index` to `root` in a tree of `size` leaves. */
export async function verifyInclusion(index: number, size: number, leafHash: Bytes, proof: readonly Bytes[], root: Bytes): Promise<boolean> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (leafHash.length !== 32 || root.length !== 32) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0 || p.length !== 32) return false;
    if (odd(fn) || fn === sn) {
      r = await hashChildren(p, r);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      r = await hashChildren(r, p);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && equal(r, root);
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree of `oldSize` (root `oldRoot`) is a prefix of the one of `newSize`. */
export async function verifyConsistency(oldSize: number, newSize: number, proof: readonly Bytes[], oldRoot: Bytes, newRoot: Bytes): Promise<boolean> {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && equal(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0;
  if (proof.length === 0 || proof.some((p) => p.length !== 32) || oldRoot.length !== 32 || newRoot.length !== 32) return false;
  // The old tree is a whole subtree of the new one when its size is a power of two: its root starts the path.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (odd(fn)) [fn, sn] = [half(fn), half(sn)];
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = await hashChildren(c, fr);
      sr = await hashChildren(c, sr);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      sr = await hashChildren(sr, c);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && equal(fr, oldRoot) && equal(sr, newRoot);
}

function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}
