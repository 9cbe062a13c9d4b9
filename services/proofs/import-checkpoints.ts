/**
 * A copy of the ledger (`pdl migrate`) keeps the checkpoints its source signed: they cannot be
 * made again (a signature is made once, at a time), and without them the copy proves only what is
 * signed after it was made. Each is taken only when its note verifies under the ledger's key and
 * its root is the copy's own Merkle root at its size: a checkpoint of another history is refused,
 * never stored beside this one.
 */
import type Database from 'better-sqlite3';
import { storedTree } from '../../projections/merkle-tree/merkle-tree.js';
import { LedgerError } from '../errors.js';
import { rootOf } from '../merkle/stored-tree-proofs.js';
import type { CheckpointStore, SignedCheckpoint, StoredCheckpointRow } from '../records/checkpoint-store.js';
import { checkStoredCheckpoints } from './stored-checkpoints.js';

/** A checkpoint the copy cannot hold: not signed by the ledger's key, or of a tree the copy is not. */
export class CheckpointRefusedError extends LedgerError {
  readonly code = 'TAMPERED';
}

/**
 * Stores in `log` every checkpoint of `rows` up to the size of the copy's tree (in `db`, its read
 * models, built), all or none. Refused, naming the first: a note that does not verify under
 * `verifierKey`, a root that is not the copy's, a size the copy holds another checkpoint of.
 */
export async function importCheckpoints(
  db: Database.Database,
  log: CheckpointStore,
  rows: readonly StoredCheckpointRow[],
  verifierKey: string,
): Promise<{ imported: number; already: number; beyond: number }> {
  const tree = storedTree(db);
  const within = rows.filter((row) => !(typeof row.size === 'number' && row.size > tree.size));
  const { heads, forged } = await checkStoredCheckpoints(within, verifierKey);
  if (forged.length > 0) {
    throw new CheckpointRefusedError(`the checkpoint of size ${forged[0]!.size} does not verify under ${verifierKey.split('+').slice(0, 2).join('+')} ` +
      `(${forged[0]!.why}): no checkpoint was copied. Run pdl verify on the source.`);
  }
  const taken: SignedCheckpoint[] = [];
  let already = 0;
  for (const head of heads) {
    const root = rootOf(tree.node, head.size).toString('base64');
    if (root !== head.root) {
      throw new CheckpointRefusedError(`the checkpoint of size ${head.size} signs the root ${head.root}, but the copy's tree at that size is ${root}: ` +
        'it is of another history; no checkpoint was copied. Run pdl verify on the source.');
    }
    const held = await log.atSize(head.size);
    if (held && held.root !== head.root) {
      throw new CheckpointRefusedError(`the copy holds another checkpoint of size ${head.size} (root ${held.root}): it is not a copy of this ledger`);
    }
    if (held) already += 1;
    else {
      const signedAt = within.find((row) => row.size === head.size)?.signedAt;
      taken.push({ size: head.size, root: head.root, note: head.note, signedAt: typeof signedAt === 'string' ? signedAt : new Date(0).toISOString() });
    }
  }
  await log.add(taken, verifierKey);
  return { imported: taken.length, already, beyond: rows.length - within.length };
}
