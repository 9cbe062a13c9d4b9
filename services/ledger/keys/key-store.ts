/**
 * The key-store port: what the write path, the readers and the key upkeep ask of the place that
 * holds subjects' data keys (wrapped by the master key), the blind index and the record of
 * erasures. A copy of the log alone reveals no personal value; destroying a key here is what
 * erasure means (README "Erasure in an immutable ledger").
 *
 * Adapters: SQLite beside the log (sqlite-key-store.ts). Every adapter passes the contract in
 * test/contract/key-store-contract.ts. Calls are synchronous: sealing and opening run inside an
 * append and a read. An adapter that must wait on a network needs them made asynchronous first.
 */
import { LedgerError } from '../../errors.js';
import type { KeyWrapper } from './key-wrapper.js';

export type { KeyWrapper } from './key-wrapper.js';

/** None of the master keys offered opens the store: it was created under another. */
export class KeyMismatchError extends LedgerError {
  readonly code = 'KEY_MISMATCH';
}

export interface DataKey {
  readonly kid: string;
  readonly key: Buffer;
}

/** A normalised identifier of a subject, as the blind index takes it, and where it came from. */
export interface IndexEntry {
  readonly subjectId: string;
  readonly kind: string;
  readonly value: string;
  /** A collected or rectified value of its category, or a `subject.identifiers` entry. */
  readonly source: 'value' | 'identifier';
}

/** Which categories a deletion covers, and where: every system (undefined) or those named. */
export interface Deletion {
  readonly subjectId: string;
  readonly categories: readonly string[] | 'all';
  readonly systems?: readonly string[];
  /** Keys created after this moment are newer than the deletion: never destroyed by it. */
  readonly recordedAt: string;
  readonly eventId: string;
}

/** How far the key upkeep (key-upkeep.ts) has carried the log into the store. */
export interface UpkeepPosition {
  /** Every erasure and deletion up to this position is applied. */
  readonly erasures: number;
  /** Every identifier up to this position is indexed; null: a store from before the index kept a position. */
  readonly index: number | null;
}

/** The keys values are sealed and opened with. */
export interface DataKeys {
  /**
   * The key new values of this subject are sealed with — of one category, or (none given) the
   * subject's own; created on first use, and after an erasure or a deletion destroyed the last.
   */
  currentKey(subjectId: string, category?: string | null): DataKey;
  /** Notes that values sealed under `key` (a category key) are held in `system`. */
  heldIn(key: DataKey, system: string): void;
  /** A key for content digests, derived from the data key so that erasure destroys it too. */
  digestKey(dataKey: DataKey): Buffer;
  /** A data key by id; null once it has been destroyed (or never existed here). */
  keyById(kid: string): Buffer | null;
}

/** Subjects found by their identifiers, through a keyed digest: never the identifier itself. */
export interface BlindIndex {
  /** Idempotent: an entry already there only learns its other source. */
  addToIndex(entry: IndexEntry): void;
  /**
   * Of these entries, those not known to be in the index (known from memory, so a batch of
   * known subjects needs no write): a filter, never a guarantee.
   */
  notIndexed<T extends IndexEntry>(entries: readonly T[]): T[];
  /** A rectified e-mail or phone: entries from earlier values of that kind stop finding the subject (identifiers given as such stay). */
  replaceIndexedValues(subjectId: string, kind: string): void;
  findByIdentifier(kind: string, normalised: string): string[];
  /** Every entry gone: the index is then rebuilt from the log. */
  clearIndex(): void;
}

/** Crypto-shredding. */
export interface Erasures {
  /**
   * Destroys every data key of the subject, and its index entries; later events get a fresh key.
   * Applied again for the same erasure event (from the log, or a retried event) it changes
   * nothing: the keys the subject has by then sealed what came after it. Only an erasure that
   * found keys to destroy is remembered so.
   */
  erase(subjectId: string, eventId: string | null): { destroyedKeys: number };
  /**
   * Destroys each category key the deletion leaves held in no system (older than the deletion),
   * with the index entries of its values; a deletion from some systems only takes them off the
   * key's list. Idempotent.
   */
  applyDeletion(deletion: Deletion): { destroyedKeys: number };
  isErased(subjectId: string): boolean;
}

export interface KeyStore extends DataKeys, BlindIndex, Erasures {
  /**
   * Runs `work` in one transaction that holds the store's write lock: two writers never both
   * create a subject's first key, and a batch of new keys or entries is one commit. Nests.
   */
  inTransaction<T>(work: () => T): T;
  upkeepPosition(): UpkeepPosition;
  setUpkeepPosition(position: Partial<{ readonly erasures: number; readonly index: number }>): void;
  /**
   * Re-wraps every data key and the index key under `next` in one transaction; events are not
   * touched. `beforeCommit` runs inside it (e.g. to stage the new key file), so the store never
   * commits to a key that was not saved first.
   */
  rotateMaster(next: KeyWrapper, beforeCommit: () => void): { rewrapped: number };
  /** Zeroes the keys held in memory. */
  close(): void;
}
