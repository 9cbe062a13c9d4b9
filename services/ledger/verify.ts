/**
 * Recomputes the chain from the first event and reports the first place it breaks. An anchor
 * (a position and hash recorded elsewhere, e.g. from `ledgerHead` in an earlier report) also
 * catches a rewritten or truncated tail, which no chain can catch on its own; so does every
 * checkpoint signed earlier: the Merkle root of its first `size` events is recomputed and compared.
 * Rows are read as stored (`StoredRows` where the store has it): whatever a row was altered into,
 * the report names its position.
 */
import { CompactRange } from '../merkle/compact-range.js';
import { leafHash } from '../merkle/rfc6962.js';
import type { EventStore, Head, StoredRow, StoredRows } from '../store/port.js';
import { linkLeaf } from './chain.js';
import { readStoredRow, type ReadableRow } from './stored-row.js';

export type BreakKind =
  | 'missing' | 'malformed' | 'hash-mismatch' | 'id-mismatch' | 'anchor-mismatch' | 'truncated' | 'checkpoint-mismatch' | 'unsigned-tail';

export interface ChainBreak {
  readonly position: number;
  readonly kind: BreakKind;
  readonly expected: string;
  readonly found: string;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checked: number;
  readonly head: Head;
  readonly firstBreak?: ChainBreak;
}

export interface Anchor {
  readonly position: number;
  readonly hash: string;
}

/** A signed tree head to hold the log to: the Merkle root (base64) of its first `size` events. */
export interface TreeHead {
  readonly size: number;
  readonly root: string;
  /** What signed or kept it, for the report ("the checkpoint you kept (--since)"); default: a stored signed checkpoint. */
  readonly from?: string;
}

/**
 * Events recorded before `cutoff` must be covered by a signed checkpoint: the ledger signs soon
 * after every append, so an old unsigned tail means checkpoint rows were removed, or no signer ran.
 */
export interface UnsignedTailRule {
  readonly cutoff: Date;
  /** The grace period, in words, for the report ("5 min"). */
  readonly grace: string;
}

export type VerifiableLog = Pick<EventStore, 'head'> & (StoredRows | Pick<EventStore, 'readAll'>);

export interface VerifyOptions {
  readonly anchor?: Anchor;
  readonly checkpoints?: readonly TreeHead[];
  readonly unsignedTail?: UnsignedTailRule;
  readonly onProgress?: (checked: number, total: number) => void;
}

function rowsOf(log: VerifiableLog): AsyncIterable<StoredRow> {
  return 'storedRows' in log ? log.storedRows() : log.readAll();
}

/** A store's own "this is not what the ledger wrote" (a damaged file, a foreign journal entry). */
export const isTampered = (error: unknown): error is Error => error instanceof Error && 'code' in error && error.code === 'TAMPERED';

export async function verifyChain(log: VerifiableLog, options: VerifyOptions = {}): Promise<VerifyReport> {
  const pending = [...(options.checkpoints ?? [])].filter((c) => c.size > 0).sort((a, b) => a.size - b.size);
  const covered = pending.at(-1)?.size ?? 0;
  const tree = pending.length > 0 ? new CompactRange() : null;
  const head = await log.head();
  let checked = 0;
  let previousHash: string | null = null;
  let anchorSeen = false;
  const unsigned = { first: 0, last: 0, lastAt: '' };
  const fail = (firstBreak: ChainBreak): VerifyReport => ({ ok: false, checked, head, firstBreak });

  const step = (stored: StoredRow): ChainBreak | null => {
    const expected = checked + 1;
    const checkedRow = checkRow(stored, expected, previousHash);
    if (!checkedRow.ok) return checkedRow.break;
    const event = checkedRow.row;
    if (options.anchor?.position === expected) {
      anchorSeen = true;
      if (event.hash !== options.anchor.hash) {
        return {
          position: expected, kind: 'anchor-mismatch', expected: options.anchor.hash, found: event.hash,
          message: `position ${expected}: the hash differs from the anchor recorded earlier: the ledger was rewritten up to here`,
        };
      }
    }
    previousHash = event.hash;
    checked = expected;
    if (options.unsignedTail && expected > covered && Date.parse(event.recordedAt) <= options.unsignedTail.cutoff.getTime()) {
      unsigned.first ||= expected;
      [unsigned.last, unsigned.lastAt] = [expected, event.recordedAt];
    }
    if (tree) {
      tree.append(leafHash(event.leaf));
      while (pending[0]?.size === checked) {
        const signed = pending.shift()!;
        const root = tree.root().toString('base64');
        if (root !== signed.root) return checkpointMismatch(signed, root);
      }
    }
    if (checked % 10_000 === 0) options.onProgress?.(checked, head.position);
    return null;
  };

  try {
    for await (const stored of rowsOf(log)) {
      const broken = step(stored);
      if (broken) return fail(broken);
    }
  } catch (error) {
    if (!isTampered(error)) throw error;
    const position = checked + 1;
    return fail({
      position, kind: 'malformed', expected: 'a readable stored event', found: error.message,
      message: `position ${position} and after cannot be read: ${error.message}`,
    });
  }
  options.onProgress?.(checked, head.position);
  if (pending.length > 0) return fail(signedBeyondTheEnd(pending[pending.length - 1]!, checked));
  if (options.anchor && !anchorSeen) {
    return fail({
      position: options.anchor.position, kind: 'truncated', expected: `an event at position ${options.anchor.position}`,
      found: `the ledger ends at position ${checked}`,
      message: `the anchor names position ${options.anchor.position}, but the ledger ends at ${checked}: events were removed from its end`,
    });
  }
  if (options.unsignedTail && unsigned.first > 0) {
    const range = unsigned.first === unsigned.last ? `position ${unsigned.first} was` : `positions ${unsigned.first}–${unsigned.last} were`;
    return fail({
      position: unsigned.first, kind: 'unsigned-tail',
      expected: `a signed checkpoint covering position ${unsigned.last} (recorded ${unsigned.lastAt})`,
      found: covered === 0 ? 'no signed checkpoint' : `signed checkpoints up to size ${covered}`,
      message: `${range} recorded more than ${options.unsignedTail.grace} ago and no signed checkpoint covers them: ` +
        'checkpoint rows were removed, or no signer ran',
    });
  }
  return { ok: true, checked, head };
}

/**
 * One stored row held to the position it must have and the hash before it: the row read, or the
 * break it is. The rest of a verification (anchors, checkpoints) builds on rows that passed.
 */
export function checkRow(stored: StoredRow, expected: number, previousHash: string | null): { ok: true; row: ReadableRow } | { ok: false; break: ChainBreak } {
  const broken = (found: ChainBreak) => ({ ok: false as const, break: found });
  if (typeof stored.position === 'number' && stored.position !== expected) {
    return broken({
      position: expected, kind: 'missing', expected: `position ${expected}`, found: `position ${stored.position}`,
      message: `position ${expected} is missing: the event after position ${expected - 1} is at ${stored.position} (deleted or reordered)`,
    });
  }
  const reading = readStoredRow(stored);
  if (!reading.ok) {
    return broken({
      position: expected, kind: 'malformed', expected: 'a stored event as the ledger writes it', found: reading.problem,
      message: `position ${expected}: the stored event cannot be read as the ledger wrote it: ${reading.problem} (the row was altered)`,
    });
  }
  const event = reading.row;
  if (event.bodyId !== event.id || event.bodyType !== event.type) {
    return broken({
      position: expected, kind: 'id-mismatch', expected: `${event.id} ${event.type}`, found: `${String(event.bodyId)} ${String(event.bodyType)}`,
      message: `position ${expected}: the stored event's id or type does not match its index columns`,
    });
  }
  const recomputed = linkLeaf(previousHash, event.leaf);
  if (recomputed !== event.hash) {
    return broken({
      position: expected, kind: 'hash-mismatch', expected: recomputed, found: event.hash,
      message: expected === 1
        ? 'position 1: the stored hash does not match the event (the event or its hash was altered)'
        : `position ${expected}: the stored hash does not follow from position ${expected - 1}: ` +
          `event ${expected} was altered, or event ${expected - 1} was rewritten together with its hash`,
    });
  }
  return { ok: true, row: event };
}

/** The first `signed.size` events hash to `root`, not to the root `signed` says. */
export function checkpointMismatch(signed: TreeHead, root: string): ChainBreak {
  return {
    position: signed.size, kind: 'checkpoint-mismatch', expected: signed.root, found: root,
    message: `the first ${signed.size} events no longer have the Merkle root signed in ${signed.from ?? 'the checkpoint'} of size ${signed.size}: ` +
      `the ledger was rewritten at or before position ${signed.size}`,
  };
}

/** `signed` covers more events than the log holds (`end`). */
export function signedBeyondTheEnd(signed: TreeHead, end: number): ChainBreak {
  return {
    position: signed.size, kind: 'truncated', expected: `${signed.size} events, as in ${signed.from ?? 'a signed checkpoint'}`, found: `the ledger ends at position ${end}`,
    message: `${signed.from ?? 'a checkpoint'} was signed over ${signed.size} events, but the ledger ends at ${end}: events were removed from its end`,
  };
}
