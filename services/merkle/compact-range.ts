/**
 * A compact range (transparency-dev/merkle's `compact.Range`): the roots of the perfect subtrees
 * a tree of n leaves splits into — one per set bit of n, O(log n) hashes — enough to append and
 * to give the root. The one Merkle append of the code base: whoever keeps nodes (the tree
 * projection) passes a visitor and is shown every node an append completes, leaf first; whoever
 * only checks (the chain verifier) passes none.
 */
import { EMPTY_ROOT, nodeHash, type NodeReader } from './rfc6962.js';

/** Shown each node an append completes: the leaf, then each parent it finishes. */
export type NodeVisitor = (level: number, index: number, hash: Buffer) => void;

export class CompactRange {
  /** Subtree roots, left to right (largest first); `levels[i]` is the level of `hashes[i]`. */
  private readonly hashes: Buffer[] = [];
  private readonly levels: number[] = [];
  private count = 0;

  /** The range of a tree of `size` leaves, read from its stored perfect-subtree nodes (what a visitor kept). */
  static restore(size: number, node: NodeReader): CompactRange {
    const range = new CompactRange();
    let start = 0;
    for (let level = Math.floor(Math.log2(Math.max(size, 1))); level >= 0; level -= 1) {
      if (Math.floor(size / 2 ** level) % 2 === 1) {
        range.hashes.push(node(level, start / 2 ** level));
        range.levels.push(level);
        start += 2 ** level;
      }
    }
    range.count = size;
    return range;
  }

  get size(): number {
    return this.count;
  }

  /** A range of its own at this size, to go on from here apart from this one (the subtree roots are never changed in place). */
  copy(): CompactRange {
    const range = new CompactRange();
    range.hashes.push(...this.hashes);
    range.levels.push(...this.levels);
    range.count = this.count;
    return range;
  }

  append(leaf: Buffer, visit?: NodeVisitor): void {
    let [level, index, hash] = [0, this.count, leaf];
    visit?.(level, index, hash);
    // An odd index completes its parent with the subtree to its left; so on up.
    while (index % 2 === 1) {
      this.levels.pop();
      hash = nodeHash(this.hashes.pop()!, hash);
      level += 1;
      index = (index - 1) / 2;
      visit?.(level, index, hash);
    }
    this.hashes.push(hash);
    this.levels.push(level);
    this.count += 1;
  }

  root(): Buffer {
    if (this.hashes.length === 0) return EMPTY_ROOT;
    let hash = this.hashes[this.hashes.length - 1]!;
    for (let i = this.hashes.length - 2; i >= 0; i -= 1) hash = nodeHash(this.hashes[i]!, hash);
    return hash;
  }
}
