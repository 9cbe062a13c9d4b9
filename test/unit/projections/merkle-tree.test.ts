/**
 * The ledger's Merkle tree as a read model: after any batches, the stored nodes give the RFC 6962
 * root of every size up to the head, over the chained bytes of each position; an event missing
 * before a position stops the tree rather than hashing a wrong one.
 */
import { describe, expect, it } from 'vitest';
import { merkleTree, storedTree } from '../../../projections/merkle-tree/merkle-tree.js';
import { StoredEventFormatError } from '../../../services/ledger/stored-event.js';
import { leafHash, nodeHash } from '../../../services/merkle/rfc6962.js';
import { rootOf } from '../../../services/merkle/stored-tree-proofs.js';
import { canonicalJson } from '../../../services/store/digest.js';
import type { ProjectedEvent } from '../../../projections/projection.js';
import { chainedContent } from '../../fixtures/chain-reference.js';
import { anEvent } from '../../fixtures/events.js';
import { projectionSpecification } from '../../fixtures/projection-specification.js';

/** RFC 6962 §2.1 MTH, the plain recursive way, over the canonical JSON of each position's chained content. */
function referenceRoot(events: readonly ProjectedEvent[]): Buffer {
  if (events.length === 1) return leafHash(canonicalJson(chainedContent({ ...events[0]!, body: events[0]!.event })));
  let k = 1;
  while (k * 2 < events.length) k *= 2;
  return nodeHash(referenceRoot(events.slice(0, k)), referenceRoot(events.slice(k)));
}

const events = (n: number) => Array.from({ length: n }, (_, i) => anEvent('DataUsed', { subject: { id: `u-${i % 3}` } }));

describe('the Merkle tree', () => {
  it('after two batches, the stored nodes give the root of every size from 1 to the head, over each event as stored and where', () => {
    // Recorded later than they happened: the leaf covers the ledger's clock, not the producer's.
    projectionSpecification(merkleTree).given(events(5)).when(events(8), { recordedAt: '2026-12-01T00:00:00.000Z' }).then(({ db, given, when }) => {
      const all = [...given, ...when];
      const tree = storedTree(db);
      expect(tree.size).toBe(13);
      for (let size = 1; size <= 13; size += 1) expect(rootOf(tree.node, size).toString('hex'), `size ${size}`).toBe(referenceRoot(all.slice(0, size)).toString('hex'));
      // Only perfect subtrees are stored: 13 leaves, then 6 + 3 + 1 nodes above them.
      expect(db.prepare('SELECT COUNT(*) AS n FROM rm_merkle_nodes').get()).toEqual({ n: 23 });
    });
  });

  it('an event missing before a position: the batch fails as a tampered log, and the tree stays as it was', () => {
    projectionSpecification(merkleTree).given(events(3)).when(events(2), { skip: 1 }).thenThrows(StoredEventFormatError, ({ db }) => {
      expect(storedTree(db).size).toBe(3);
    });
  });
});
