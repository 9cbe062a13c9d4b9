/**
 * The ledger's Merkle tree (README "Proofs") as a read model: leaf i is the chained bytes of
 * position i + 1; each event stores its leaf hash and the perfect subtrees it completes — one
 * node on average, log n at most. Rebuilt from the log like any model, on either store.
 */
import type Database from 'better-sqlite3';
import { UnavailableError } from '../../services/errors.js';
import { StoredEventFormatError } from '../../services/ledger/stored-event.js';
import { chainedLeaf } from '../../services/ledger/chain.js';
import { leafHash, nodeHash, type NodeReader } from '../../services/proofs/merkle.js';
import type { Projection } from '../projection.js';
import { statement } from '../statements.js';

const TABLE = 'rm_merkle_nodes';
const GET = `SELECT hash FROM ${TABLE} WHERE level = ? AND idx = ?`;
const PUT = `INSERT OR REPLACE INTO ${TABLE} (level, idx, hash) VALUES (?, ?, ?)`;
const SIZE = `SELECT MAX(idx) + 1 AS size FROM ${TABLE} WHERE level = 0`;

/** The tree is behind the size asked for (a projection worker still catching up), or has not been built. */
export class MissingTreeNodeError extends UnavailableError {}

function readNode(db: Database.Database): NodeReader {
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
  apply(db, { position, stream, revision, recordedAt, event }) {
    const frontier = frontierBefore(db, position);
    const put = statement<[number, number, Buffer]>(db, PUT);
    let [level, index] = [0, position - 1];
    let hash = leafHash(chainedLeaf({ position, stream, revision, recordedAt, body: event }));
    put.run(level, index, hash);
    // An odd index completes its parent with the sibling to its left; so on up.
    while (index % 2 === 1) {
      hash = nodeHash(frontier.left[level]!, hash);
      frontier.left[level] = undefined;
      level += 1;
      index = (index - 1) / 2;
      put.run(level, index, hash);
    }
    frontier.left[level] = hash;
    frontier.size = position;
  },
};

/**
 * The left siblings still waiting for their right half, one per set bit of the tree's size —
 * all an append reads. Kept per connection between events; read again from the table whenever the
 * next position is not the one it expects (another process appended, a rollback, a rebuild).
 */
interface Frontier { size: number; left: (Buffer | undefined)[] }
const frontiers = new WeakMap<Database.Database, Frontier>();

function frontierBefore(db: Database.Database, position: number): Frontier {
  const kept = frontiers.get(db);
  if (kept?.size === position - 1) return kept;
  const get = statement<[number, number], { hash: Buffer }>(db, GET);
  const size = position - 1;
  const left: (Buffer | undefined)[] = [];
  for (let level = 0; 2 ** level <= size; level += 1) {
    if (Math.floor(size / 2 ** level) % 2 === 0) continue;
    const row = get.get(level, Math.floor(size / 2 ** level) - 1);
    // Events come in position order from a gap-free log: a missing subtree means a missing event.
    if (!row) throw new StoredEventFormatError(`the Merkle tree cannot take position ${position}: an event before it is missing from the log (run pdl verify)`);
    left[level] = row.hash;
  }
  const frontier = { size, left };
  frontiers.set(db, frontier);
  return frontier;
}

/** How many leaves the stored tree holds, and a reader of its nodes. */
export function storedTree(db: Database.Database): { size: number; node: NodeReader } {
  const size = statement<[], { size: number | null }>(db, SIZE).get()?.size ?? 0;
  return { size, node: readNode(db) };
}
