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

/** The tree is behind the size asked for (a projection worker still catching up), or was never built. */
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
    const get = statement<[number, number], { hash: Buffer }>(db, GET);
    // Events come in position order from a gap-free log: a missing sibling means a missing event.
    const node = (level: number, index: number): Buffer => {
      const row = get.get(level, index);
      if (!row) throw new StoredEventFormatError(`the Merkle tree cannot take position ${position}: an event before it is missing from the log (run pdl verify)`);
      return row.hash;
    };
    const put = statement<[number, number, Buffer]>(db, PUT);
    let [level, index] = [0, position - 1];
    let hash = leafHash(chainedLeaf({ position, stream, revision, recordedAt, body: event }));
    put.run(level, index, hash);
    // An odd index completes its parent with the sibling to its left; so on up.
    while (index % 2 === 1) {
      hash = nodeHash(node(level, index - 1), hash);
      level += 1;
      index = (index - 1) / 2;
      put.run(level, index, hash);
    }
  },
};

/** How many leaves the stored tree holds, and a reader of its nodes. */
export function storedTree(db: Database.Database): { size: number; node: NodeReader } {
  const size = statement<[], { size: number | null }>(db, SIZE).get()?.size ?? 0;
  return { size, node: readNode(db) };
}
