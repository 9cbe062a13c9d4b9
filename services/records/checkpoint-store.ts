/**
 * The signed-checkpoint records port (README "Proofs" and "Beyond one machine: which records live
 * where"). A checkpoint cannot be derived from the log — a signature is made once, at a time — so
 * it is kept apart from the read models' rows: a rebuild keeps it, and with the log on PostgreSQL
 * every signer and verifier on any host reads one list. Adapters: sqlite-checkpoint-store.ts (the
 * read models' database, the embedded default), postgres-checkpoint-store.ts.
 */
import { RecordConflictError } from './errors.js';

export interface SignedCheckpoint {
  readonly size: number;
  /** Base64 of the root hash, as in the note. */
  readonly root: string;
  /** The C2SP signed note. */
  readonly note: string;
  readonly signedAt: string;
}

/** A checkpoint row as stored: read without trusting its types (a row may have been edited). */
export interface StoredCheckpointRow {
  readonly size: unknown;
  readonly root: unknown;
  readonly note: unknown;
  readonly signedAt: unknown;
}

/** What a verifier reads: never creates or writes anything (`pdl verify`, the chain monitor). */
export interface CheckpointReader {
  /** The rows of sizes past `size` (-1: all), smallest first, as stored: checked by whoever reads them. */
  storedAfter(size: number): Promise<StoredCheckpointRow[]>;
  /** The verifier key (public) the checkpoints were recorded as signed with; null: none recorded. */
  verifierKey(): Promise<string | null>;
  close(): Promise<void>;
}

export interface CheckpointStore extends CheckpointReader {
  latest(): Promise<SignedCheckpoint | null>;
  /** The largest checkpoint of a size at most `size` (a replica whose tree is behind the latest one signed). */
  latestUpTo(size: number): Promise<SignedCheckpoint | null>;
  atSize(size: number): Promise<SignedCheckpoint | null>;
  /** Every checkpoint, smallest first. */
  all(): Promise<SignedCheckpoint[]>;
  /**
   * Keeps checkpoints — all or none — and the verifier key they were signed with, when given. A
   * size kept already with the same root stays as it was (two signers of one tree); with another
   * root it is refused with `RecordConflictError`: two trees of one size are a fork, never kept side by side.
   */
  add(checkpoints: readonly SignedCheckpoint[], verifierKey?: string): Promise<void>;
}

/** The typed checkpoint of a row read back from the adapter's own table. */
export const checkpointOf = (row: { size: number | string; root: string; note: string; signed_at: string }): SignedCheckpoint =>
  ({ size: Number(row.size), root: row.root, note: row.note, signedAt: row.signed_at });

/** Two trees of one size: refused, whichever signer came second. */
export const forked = (checkpoint: SignedCheckpoint, held: string | undefined): RecordConflictError =>
  new RecordConflictError(`a checkpoint of size ${checkpoint.size} is kept already with another root (${held ?? '?'}, not ${checkpoint.root}): ` +
    'two trees of one size are a fork; nothing was kept. Run pdl verify.');
