/**
 * Signs checkpoints of the ledger's Merkle tree and answers inclusion and consistency bundles
 * (README "Proofs"; formats in `schemas/json/`). The tree is a read model of this process; the
 * checkpoints are records (services/records/checkpoint-store.ts): not derivable from the log, kept
 * through a rebuild, and — with the log on PostgreSQL — shared with every other signer, so a
 * replica whose tree is behind proves against the latest checkpoint its tree holds.
 */
import type Database from 'better-sqlite3';
import { MissingTreeNodeError, storedTree } from '../../projections/merkle-tree/merkle-tree.js';
import { statement } from '../../projections/projection-context.js';
import type { CheckpointStore, SignedCheckpoint } from '../records/checkpoint-store.js';
import { LedgerError, NotFoundError, ValidationError } from '../errors.js';
import { chainedLeaf } from '../ledger/chain.js';
import type { EventStore } from '../store/port.js';
import { consistencyProof, inclusionPaths, rootOf } from '../merkle/stored-tree-proofs.js';
import type { NoteSigner } from './note-signer.js';
import type { ConsistencyBundle, InclusionBundle } from './verifier/verify-proof.js';

/** At most this many events proven in one bundle: a bundle is O(n log n) hashes. */
export const MAX_EVENTS_PER_BUNDLE = 1000;

/** The tree would be signed past a checkpoint it no longer holds: a history forked under the ledger's key. */
export class ForkedTreeError extends LedgerError {
  readonly code = 'TAMPERED';
}

export type { SignedCheckpoint } from '../records/checkpoint-store.js';

export class Prover {
  constructor(
    private readonly db: Database.Database,
    private readonly log: Pick<EventStore, 'readPositions'>,
    readonly signer: NoteSigner,
    readonly checkpoints: CheckpointStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get verifierKey(): string {
    return this.signer.verifierKey;
  }

  /** Leaves in the tree now (the read models' view of the log). */
  treeSize(): number {
    return storedTree(this.db).size;
  }

  /**
   * The latest checkpoint, signing one first when the tree has grown past it — only a tree that
   * still holds the latest one: a log altered and its read models rebuilt would otherwise be
   * signed, by whoever holds the key, as soon as anything new is written.
   */
  async checkpoint(): Promise<{ checkpoint: SignedCheckpoint; signedNow: boolean }> {
    const latest = await this.checkpoints.latest();
    const tree = storedTree(this.db);
    if (latest && latest.size >= tree.size) return { checkpoint: latest, signedNow: false };
    if (latest) {
      const held = rootOf(tree.node, latest.size).toString('base64');
      if (held !== latest.root) {
        throw new ForkedTreeError(`nothing signed: the Merkle tree no longer holds the checkpoint of size ${latest.size} (its root there is ${held}, ` +
          `the checkpoint's ${latest.root}): the log, or its read models, changed after it was signed. Run pdl verify.`);
      }
    }
    const root = rootOf(tree.node, tree.size).toString('base64');
    const note = this.signer.sign(`${this.signer.name}\n${tree.size}\n${root}\n`);
    const signed: SignedCheckpoint = { size: tree.size, root, note, signedAt: this.now().toISOString() };
    await this.checkpoints.add([signed], this.signer.verifierKey);
    return { checkpoint: signed, signedNow: true };
  }

  /**
   * The latest checkpoint this process's tree holds: another process may have signed past it
   * (its tree is ahead), and a proof is made from the nodes of this one.
   */
  private async heldBy(tree: { size: number }, checkpoint: SignedCheckpoint): Promise<SignedCheckpoint | null> {
    return checkpoint.size <= tree.size ? checkpoint : this.checkpoints.latestUpTo(tree.size);
  }

  /** Each event's leaf and audit path against the latest checkpoint (signed now if the event is newer). */
  async inclusion(eventIds: readonly string[], sign: 'if-grown' | 'if-needed' = 'if-grown'): Promise<InclusionBundle> {
    const ids = [...new Set(eventIds)];
    if (ids.length > MAX_EVENTS_PER_BUNDLE) throw new ValidationError(`at most ${MAX_EVENTS_PER_BUNDLE} events per proof`);
    const positions = new Map(statement<[string], { event_id: string; position: number }>(this.db,
      'SELECT event_id, position FROM rm_event_index WHERE event_id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids))
      .map((row) => [row.event_id, row.position]));
    const missing = ids.filter((id) => !positions.has(id));
    if (missing.length > 0) throw new NotFoundError(`${missing.length} event${missing.length === 1 ? ' is' : 's are'} not in the ledger: ${missing.slice(0, 5).join(', ')}`);
    return this.inclusionAt([...positions.values()], sign);
  }

  /**
   * The same, by position (read models that list positions, such as the timeline). `sign`:
   * `if-grown` (the CLI) signs a checkpoint whenever the tree grew; `if-needed` (the API) only when
   * an event is past the latest one, so requests cannot make a signature each.
   */
  async inclusionAt(positions: readonly number[], sign: 'if-grown' | 'if-needed' = 'if-grown'): Promise<InclusionBundle> {
    if (positions.length === 0) throw new ValidationError('name at least one event to prove');
    if (positions.length > MAX_EVENTS_PER_BUNDLE) throw new ValidationError(`at most ${MAX_EVENTS_PER_BUNDLE} events per proof`);
    const latest = await this.checkpoints.latest();
    const tree = storedTree(this.db);
    const chosen = sign === 'if-needed' && latest && positions.every((p) => p <= latest.size) ? latest : (await this.checkpoint()).checkpoint;
    const checkpoint = await this.heldBy(tree, chosen);
    const ahead = positions.filter((p) => p > (checkpoint?.size ?? 0));
    if (!checkpoint || ahead.length > 0) {
      throw new MissingTreeNodeError(`position ${ahead[0] ?? positions[0]} is not in a checkpoint of this Merkle tree yet (it holds ${tree.size}): try again when the read models have caught up`);
    }
    const recorded = await this.log.readPositions([...new Set(positions)].sort((a, b) => a - b));
    const paths = inclusionPaths(tree.node, recorded.map((event) => event.position - 1), checkpoint.size);
    return {
      checkpoint: checkpoint.note,
      verifierKey: this.signer.verifierKey,
      entries: recorded.map((event, i) => ({
        eventId: event.id,
        position: event.position,
        leafIndex: event.position - 1,
        leaf: Buffer.from(chainedLeaf(event)).toString('base64'),
        inclusion: paths[i]!.map((hash) => hash.toString('base64')),
      })),
    };
  }

  /** Shows the signed checkpoint of `fromSize` is a prefix of the one of `toSize` (default: the latest). */
  async consistency(fromSize: number, toSize?: number): Promise<ConsistencyBundle> {
    const older = await this.checkpoints.atSize(fromSize);
    if (!older) throw new NotFoundError(`no checkpoint was signed at size ${fromSize}: \`pdl checkpoint --list\` shows the sizes signed`);
    const tree = storedTree(this.db);
    const newer = toSize === undefined ? await this.heldBy(tree, (await this.checkpoint()).checkpoint) : await this.checkpoints.atSize(toSize);
    if (!newer) throw new NotFoundError(`no checkpoint was signed at size ${toSize ?? tree.size} or below that this Merkle tree holds`);
    if (newer.size < older.size) throw new ValidationError(`the old size ${older.size} is past the new size ${newer.size}`);
    return {
      checkpoint: newer.note,
      oldCheckpoint: older.note,
      verifierKey: this.signer.verifierKey,
      oldSize: older.size,
      newSize: newer.size,
      oldRoot: older.root,
      newRoot: newer.root,
      consistency: consistencyProof(tree.node, older.size, newer.size).map((hash) => hash.toString('base64')),
    };
  }
}
