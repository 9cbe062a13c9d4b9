/**
 * The key-store port: what the write path, the readers and the key upkeep ask of the place that
 * holds subjects' data keys (wrapped by the master key), the blind index and the record of
 * erasures. A copy of the log alone reveals no personal value; destroying a key here is what
 * erasure means (README "Erasure in an immutable ledger").
 *
 * Adapters: SQLite beside the log (sqlite-key-store.ts) and PostgreSQL beside the log on the
 * server (postgres-key-store.ts); both pass test/contract/key-store-contract.ts. Every call is
 * asynchronous and takes a whole batch, so an adapter across a network costs one round trip per
 * batch, not per value: keys are resolved before sealing, and looked up before opening.
 * Each call is atomic on its own; no transaction spans calls.
 */
import { LedgerError } from '../../errors.js';
import type { KeyWrapper } from './key-wrapper.js';

export type { KeyWrapper } from './key-wrapper.js';

/**
 * Another process rotated the master key and this one cannot find the new one (a key given by
 * PDL_MASTER_KEY is read once, at start): it must not wrap a new key under the retired one.
 */
export class MasterKeyRotatedError extends LedgerError {
  readonly code = 'MASTER_KEY_ROTATED';
}

/** None of the master keys offered opens the store: it was created under another. */
export class KeyMismatchError extends LedgerError {
  readonly code = 'KEY_MISMATCH';
}

export interface DataKey {
  readonly kid: string;
  readonly key: Buffer;
}

/** Which key a value is sealed with: a subject's own (category null), or one category's. */
export interface KeySlot {
  readonly subjectId: string;
  readonly category: string | null;
  /** The system a collection stores this category's values in: noted on the key, so a deletion from every system holding it can destroy it. */
  readonly heldIn?: string;
}

/** The map key of a slot in what `sealingKeys` answers. */
export const slotOf = (subjectId: string, category: string | null): string => `${subjectId}\u0000${category ?? ''}`;

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

/** What an event asks of the key store, in log order (key-upkeep.ts derives them). */
export type UpkeepStep =
  | { readonly step: 'index'; readonly entry: IndexEntry }
  /** A rectified e-mail or phone: entries from earlier values of that kind stop finding the subject (identifiers given as such stay). */
  | { readonly step: 'replace'; readonly subjectId: string; readonly kind: string }
  /**
   * Destroys every data key of the subject, and its index entries; later events get a fresh key.
   * Applied again for the same erasure event it changes nothing: the keys the subject has by
   * then sealed what came after it. Only an erasure that found keys to destroy is remembered so.
   */
  | { readonly step: 'erase'; readonly subjectId: string; readonly eventId: string }
  /**
   * Destroys each category key the deletion leaves held in no system (older than the deletion),
   * with the index entries of its values; a deletion from some systems only takes them off the
   * key's list. Idempotent.
   */
  | { readonly step: 'delete'; readonly deletion: Deletion };

/** How far the key upkeep (key-upkeep.ts) has carried the log into the store. */
export interface UpkeepPosition {
  /** Every erasure and deletion up to this position is applied. */
  readonly erasures: number;
  /** Every identifier up to this position is indexed; null: a store from before the index kept a position. */
  readonly index: number | null;
}

/** How an upkeep call moves the positions, decided against the stored ones inside its transaction. */
export type UpkeepAdvance =
  /** A writer's own appends: each part moves over them as far as they follow on from it without a gap. */
  | { readonly appended: readonly number[] }
  /** A catch-up carried this part up to here: it never moves back. */
  | { readonly part: keyof UpkeepPosition; readonly through: number };

/** The position a part reaches over appended positions (sorted) that follow on from it without a gap. */
export function throughWithoutGap(from: number, sortedPositions: readonly number[]): number {
  let through = from;
  for (const position of sortedPositions) {
    if (position === through + 1) through = position;
    else if (position > through) break;
  }
  return through;
}

/** The positions after `advance`, from the stored ones (every adapter moves them alike). */
export function advanced(at: UpkeepPosition, advance: UpkeepAdvance): Partial<{ erasures: number; index: number }> {
  if ('part' in advance) return advance.through > (at[advance.part] ?? 0) ? { [advance.part]: advance.through } : {};
  const sorted = [...advance.appended].sort((a, b) => a - b);
  const erasures = throughWithoutGap(at.erasures, sorted);
  const index = throughWithoutGap(at.index ?? 0, sorted);
  return { ...(erasures > at.erasures ? { erasures } : {}), ...(index > (at.index ?? 0) ? { index } : {}) };
}

/**
 * A master key's generation. Rotation makes a new one current and re-wraps every live data key
 * under it; the one it replaces then only opens backups taken before, and is destroyed once no
 * backup the operator keeps can be that old (README "Keys and backups").
 */
export interface MasterGeneration {
  readonly generation: number;
  readonly createdAt: string;
  /** When the next generation replaced it. */
  readonly supersededAt: string | null;
  /** superseded + the backup-retention window: from then on no kept backup needs it. */
  readonly destroyAfter: string | null;
  /** When its key material was destroyed (recorded after the fact). */
  readonly destroyedAt: string | null;
}

/** A subject erased, and when its latest erasure was applied here. */
export interface ErasedSubject {
  readonly subjectId: string;
  readonly erasedAt: string;
}

export interface KeyStore {
  /**
   * The key each slot's values are sealed with now — created on first use, and after an erasure
   * or a deletion destroyed the last — with `heldIn` systems noted, in one transaction that holds
   * the store's write lock: two writers never both create a slot's first key. Answered by `slotOf`.
   */
  sealingKeys(slots: readonly KeySlot[]): Promise<ReadonlyMap<string, DataKey>>;
  /**
   * Data keys by id; null for one destroyed (or never made here). Asks the store each time (an
   * adapter may cache unwrapped keys only while it can tell nothing was destroyed since), so an
   * erasure by another process is seen at the next read.
   */
  keysById(kids: readonly string[]): Promise<ReadonlyMap<string, Buffer | null>>;
  /** Subjects found by an identifier, through a keyed digest: never the identifier itself. In id order. */
  findByIdentifier(kind: string, normalised: string): Promise<string[]>;
  isErased(subjectId: string): Promise<boolean>;
  /**
   * Of these entries, those not known to be in the index (known from memory, so a batch of
   * known subjects needs no write): a filter, never a guarantee.
   */
  notIndexed<T extends IndexEntry>(entries: readonly T[]): Promise<T[]>;
  /** Carries steps in order, and moves the positions as `advance` says, in one transaction. */
  applyUpkeep(steps: readonly UpkeepStep[], advance?: UpkeepAdvance): Promise<{ destroyedKeys: number }>;
  /** Every index entry gone and the index position at 0, in one transaction: the index is then rebuilt from the log. */
  resetIndex(): Promise<void>;
  upkeepPosition(): Promise<UpkeepPosition>;
  /**
   * Re-wraps every data key and the index key under `next` in one transaction; events are not
   * touched. `beforeCommit` runs inside it (e.g. to stage the new key file), so the store never
   * commits to a key that was not saved first.
   */
  rotateMaster(next: KeyWrapper, beforeCommit: () => void, retention: BackupRetention): Promise<{ rewrapped: number; generation: number }>;
  /** Every master-key generation, oldest first. */
  generations(): Promise<MasterGeneration[]>;
  /** Notes that a superseded generation's key material is gone (once the keyring destroyed it); the current one never is. */
  recordDestroyed(generation: number): Promise<void>;
  /** Erased subjects by id, a page at a time (ids after `after`); `only`: that subject, if erased. */
  erasedSubjects(page: { readonly after?: string; readonly limit: number; readonly only?: string }): Promise<ErasedSubject[]>;
  /** Zeroes the keys held in memory and lets the store go. */
  close(): Promise<void>;
}

/** How long the operator keeps backups: a superseded generation is kept that long after it was replaced. */
export interface BackupRetention {
  readonly milliseconds: number;
}

/** The generation a fresh or older store starts with (when no generation was recorded yet). */
export const FIRST_GENERATION = 1;

/** The moment `retention` after `at` (ISO). */
export const plus = (at: string, retention: BackupRetention): string => new Date(Date.parse(at) + retention.milliseconds).toISOString();

/** A master key offered to open a store, and where it came from (for messages). */
export interface MasterKeyCandidate {
  readonly wrapper: KeyWrapper;
  readonly origin: string;
}

/**
 * The master keys to try again when another process rotated: the key file read anew. A store
 * never wraps a new data key under a generation that is no longer current, and follows the
 * rotation when it can (otherwise MasterKeyRotatedError).
 */
export type MasterKeyReload = () => readonly MasterKeyCandidate[];

export const rotatedAway = (generation: number): MasterKeyRotatedError => new MasterKeyRotatedError(
  `the master key was rotated by another process (generation ${generation} is current) and the new key is not at hand here: ` +
  'restart with it (PDL_MASTER_KEY, or the key file the rotation wrote)');

/** What every adapter binds a wrapped key to, and checks a master key against. */
export const CHECK_PLAINTEXT = Buffer.from('pdl master key check v1');
export const CHECK_AAD = 'pdl:master-check';
export const INDEX_KEY_AAD = 'pdl:index-key';
export const dataKeyAad = (subjectId: string, kid: string): string => `pdl:data-key:${subjectId}:${kid}`;

export function mismatch(candidates: readonly MasterKeyCandidate[], where: string): KeyMismatchError {
  return new KeyMismatchError(
    `the master key from ${candidates.map((c) => c.origin).join(' or ')} does not open the key store ${where}: ` +
    'it was created with another key. Nothing was changed. Set PDL_MASTER_KEY to the key the store was created with, ' +
    'or restore its key file.');
}
