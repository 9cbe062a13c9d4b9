/**
 * The ledger's Merkle tree (README "Proofs") as a read model: leaf i is the chained bytes of
 * position i + 1; each event stores its leaf hash and the perfect subtrees it completes — one
 * node on average, log n at most: the visitor of the compact range's append. Rebuilt from the log like any model, on either store.
 */
import { UnavailableError } from '../../services/errors.js';
import { StoredEventFormatError } from '../../services/ledger/stored-event.js';
import { chainedLeaf } from '../../services/ledger/chain.js';
import { CompactRange } from '../../services/merkle/compact-range.js';
import { leafHash, type NodeReader } from '../../services/merkle/rfc6962.js';
import type { Projection } from '../projection.js';
import { slot, statement, type ProjectionContext, type ReadSource } from '../projection-context.js';

const TABLE = 'rm_merkle_nodes';
const GET = `SELECT hash FROM ${TABLE} WHERE level = ? AND idx = ?`;
const PUT = `INSERT OR REPLACE INTO ${TABLE} (level, idx, hash) VALUES (?, ?, ?)`;
/** Nodes per statement when a batch's nodes are written at its end. */
const NODES_PER_INSERT = 200;
const PUT_MANY = `INSERT OR REPLACE INTO ${TABLE} (level, idx, hash) VALUES ${Array(NODES_PER_INSERT).fill('(?, ?, ?)').join(', ')}`;
const SIZE = `SELECT MAX(idx) + 1 AS size FROM ${TABLE} WHERE level = 0`;

/** The tree is behind the size asked for (a projection worker still catching up), or has not been built. */
export class MissingTreeNodeError extends UnavailableError {}

function readNode(db: ReadSource): NodeReader {
  const get = statement<[number, number], { hash: Buffer }>(db, GET);
  return (level, index) => {
    const row = get.get(level, index);
    if (!row) throw new MissingTreeNodeError(`the Merkle tree has no node (${level}, ${index}): it is behind the log or was not built`);
    return row.hash;
  };
}

export const merkleTree: Projection = {
  name: 'merkle-tree',
  version: 1,
  tables: [TABLE],
  schema: `CREATE TABLE IF NOT EXISTS ${TABLE} (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;`,
  apply(context, { position, stream, revision, recordedAt, event, leafHash: made }) {
    const held = context.kept(heldNodes).nodes;
    const put = held ? null : context.statement<[number, number, Buffer]>(PUT);
    const leaf = made ?? leafHash(chainedLeaf({ position, stream, revision, recordedAt, body: event }));
    rangeBefore(context, position).append(leaf, (level, index, hash) => {
      if (held) held.push(level, index, hash);
      else put!.run(level, index, hash);
    });
  },
  // A batch's nodes (two per event on average) written at its end, NODES_PER_INSERT per statement:
  // nothing reads them within the batch, the range in hand has what the next append needs.
  batch: {
    begin: (context) => { context.kept(heldNodes).nodes = []; },
    commit(context) {
      const place = context.kept(heldNodes);
      const nodes = place.nodes ?? [];
      place.nodes = null;
      const width = 3 * NODES_PER_INSERT;
      let i = 0;
      for (; i + width <= nodes.length; i += width) context.statement(PUT_MANY).run(nodes.slice(i, i + width));
      for (; i < nodes.length; i += 3) context.statement(PUT).run(nodes[i], nodes[i + 1], nodes[i + 2]);
    },
    abandon: (context) => { context.kept(heldNodes).nodes = null; },
  },
};

/** The nodes a batch made and has not written yet: level, index, hash, flat. */
const heldNodes = slot<{ nodes: (number | Buffer)[] | null }>('merkle-tree nodes of the batch', () => ({ nodes: null }));

/**
 * The compact range of the tree before this position — all an append reads. Kept in the context
 * between events; read again from the table whenever the next position is not the one it expects
 * (another process appended, a rollback, a rebuild).
 */
const kept = slot<{ range: CompactRange | null }>('merkle-tree range', () => ({ range: null }));

function rangeBefore(context: ProjectionContext, position: number): CompactRange {
  const place = context.kept(kept);
  if (place.range?.size === position - 1) return place.range;
  let range: CompactRange;
  try {
    range = CompactRange.restore(position - 1, readNode(context));
  } catch (error) {
    // Events come in position order from a gap-free log: a missing subtree means a missing event.
    if (error instanceof MissingTreeNodeError) throw new StoredEventFormatError(`the Merkle tree cannot take position ${position}: an event before it is missing from the log (run pdl verify)`);
    throw error;
  }
  place.range = range;
  return range;
}

/** How many leaves the stored tree holds, and a reader of its nodes. */
export function storedTree(db: ReadSource): { size: number; node: NodeReader } {
  const size = statement<[], { size: number | null }>(db, SIZE).get()?.size ?? 0;
  return { size, node: readNode(db) };
}
