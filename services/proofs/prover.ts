/**
 * Signs checkpoints of the ledger's Merkle tree and answers inclusion and consistency bundles
 * (README "Proofs"; formats in `schemas/json/`). Checkpoints are kept, one row per signed size,
 * beside the read models: they are not derivable from the log (a signature is made once, at a
 * time), so a rebuild of the read models keeps them.
 */
import type Database from 'better-sqlite3';
import { MissingTreeNodeError, storedTree } from '../../projections/merkle-tree/merkle-tree.js';
import { statement } from '../../projections/statements.js';
import { LedgerError, NotFoundError, ValidationError } from '../errors.js';
import { chainedLeaf } from '../ledger/chain.js';
import type { EventStore } from '../store/port.js';
import { consistencyProof, inclusionPath, rootOf } from '../merkle/stored-tree-proofs.js';
import type { NoteSigner } from './note-signer.js';
import type { ConsistencyBundle, InclusionBundle } from './verifier/verify-proof.js';

export interface SignedCheckpoint {
  readonly size: number;
  /** Base64 of the root hash, as in the note. */
  readonly root: string;
  /** The C2SP signed note. */
  readonly note: string;
  readonly signedAt: string;
}

// tlog_meta keeps the verifier key (public) the checkpoints were signed with, so that the log alone can be verified (`pdl verify`).
const SCHEMA = `CREATE TABLE IF NOT EXISTS tlog_checkpoints (size INTEGER PRIMARY KEY, root TEXT NOT NULL, note TEXT NOT NULL, signed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tlog_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)`;
/** At most this many events proven in one bundle: a bundle is O(n log n) hashes. */
export const MAX_EVENTS_PER_BUNDLE = 1000;

/** The tree would be signed past a checkpoint it no longer holds: a history forked under the ledger's key. */
export class ForkedTreeError extends LedgerError {
  readonly code = 'TAMPERED';
}

interface CheckpointRow { size: number; root: string; note: string; signed_at: string }
const toCheckpoint = (row: CheckpointRow): SignedCheckpoint => ({ size: row.size, root: row.root, note: row.note, signedAt: row.signed_at });

/** The checkpoints signed so far, one per size; readable without the signing key (`pdl verify`). */
export class CheckpointLog {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  latest(): SignedCheckpoint | null {
    const row = statement<[], CheckpointRow>(this.db, 'SELECT * FROM tlog_checkpoints ORDER BY size DESC LIMIT 1').get();
    return row ? toCheckpoint(row) : null;
  }

  atSize(size: number): SignedCheckpoint | null {
    const row = statement<[number], CheckpointRow>(this.db, 'SELECT * FROM tlog_checkpoints WHERE size = ?').get(size);
    return row ? toCheckpoint(row) : null;
  }

  /** Every stored checkpoint, oldest first (for `pdl verify`). */
  all(): SignedCheckpoint[] {
    return statement<[], CheckpointRow>(this.db, 'SELECT * FROM tlog_checkpoints ORDER BY size').all().map(toCheckpoint);
  }

  /** Keeps a signed checkpoint, and the verifier key it was signed with when given. */
  add(checkpoint: SignedCheckpoint, verifierKey?: string): void {
    statement(this.db, 'INSERT OR IGNORE INTO tlog_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?)')
      .run(checkpoint.size, checkpoint.root, checkpoint.note, checkpoint.signedAt);
    if (verifierKey !== undefined) statement(this.db, "INSERT OR REPLACE INTO tlog_meta (name, value) VALUES ('verifier_key', ?)").run(verifierKey);
  }
}

export class Prover {
  readonly checkpoints: CheckpointLog;

  constructor(
    private readonly db: Database.Database,
    private readonly log: Pick<EventStore, 'readPositions'>,
    readonly signer: NoteSigner,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.checkpoints = new CheckpointLog(db);
  }

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
  checkpoint(): { checkpoint: SignedCheckpoint; signedNow: boolean } {
    const latest = this.checkpoints.latest();
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
    this.checkpoints.add(signed, this.signer.verifierKey);
    return { checkpoint: signed, signedNow: true };
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
    const latest = this.checkpoints.latest();
    const checkpoint = sign === 'if-needed' && latest && positions.every((p) => p <= latest.size) ? latest : this.checkpoint().checkpoint;
    const ahead = positions.filter((p) => p > checkpoint.size);
    if (ahead.length > 0) throw new MissingTreeNodeError(`position ${ahead[0]} is not in the Merkle tree yet (it holds ${checkpoint.size}): try again when the read models have caught up`);
    const tree = storedTree(this.db);
    const recorded = await this.log.readPositions([...new Set(positions)].sort((a, b) => a - b));
    return {
      checkpoint: checkpoint.note,
      verifierKey: this.signer.verifierKey,
      entries: recorded.map((event) => ({
        eventId: event.id,
        position: event.position,
        leafIndex: event.position - 1,
        leaf: Buffer.from(chainedLeaf(event)).toString('base64'),
        inclusion: inclusionPath(tree.node, event.position - 1, checkpoint.size).map((hash) => hash.toString('base64')),
      })),
    };
  }

  /** Shows the signed checkpoint of `fromSize` is a prefix of the one of `toSize` (default: the latest). */
  consistency(fromSize: number, toSize?: number): ConsistencyBundle {
    const older = this.checkpoints.atSize(fromSize);
    if (!older) throw new NotFoundError(`no checkpoint was signed at size ${fromSize}: \`pdl checkpoint --list\` shows the sizes signed`);
    const newer = toSize === undefined ? this.checkpoint().checkpoint : this.checkpoints.atSize(toSize);
    if (!newer) throw new NotFoundError(`no checkpoint was signed at size ${toSize}`);
    if (newer.size < older.size) throw new ValidationError(`the old size ${older.size} is past the new size ${newer.size}`);
    return {
      checkpoint: newer.note,
      oldCheckpoint: older.note,
      verifierKey: this.signer.verifierKey,
      oldSize: older.size,
      newSize: newer.size,
      oldRoot: older.root,
      newRoot: newer.root,
      consistency: consistencyProof(storedTree(this.db).node, older.size, newer.size).map((hash) => hash.toString('base64')),
    };
  }
}
