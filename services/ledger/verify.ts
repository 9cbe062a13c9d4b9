/**
 * Recomputes the chain from the first event and reports the first place it breaks. An anchor
 * (a position and hash recorded elsewhere, e.g. from `ledgerHead` in an earlier report) also
 * catches a rewritten or truncated tail, which no chain can catch on its own; so does every
 * checkpoint signed earlier: the Merkle root of its first `size` events is recomputed and compared.
 */
import { CompactRange, leafHash } from '../proofs/merkle.js';
import type { EventStore, Head } from '../store/port.js';
import { chainedLeaf, linkLeaf } from './chain.js';

export type BreakKind = 'missing' | 'hash-mismatch' | 'id-mismatch' | 'anchor-mismatch' | 'truncated' | 'checkpoint-mismatch';

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
}

export async function verifyChain(
  store: Pick<EventStore, 'head' | 'readAll'>,
  options: { anchor?: Anchor; checkpoints?: readonly TreeHead[]; onProgress?: (checked: number, total: number) => void } = {},
): Promise<VerifyReport> {
  const pending = [...(options.checkpoints ?? [])].filter((c) => c.size > 0).sort((a, b) => a.size - b.size);
  const tree = pending.length > 0 ? new CompactRange() : null;
  const head = await store.head();
  let checked = 0;
  let previousHash: string | null = null;
  let expectedPosition = 1;
  let anchorSeen = false;
  const fail = (firstBreak: ChainBreak): VerifyReport => ({ ok: false, checked, head, firstBreak });

  for await (const event of store.readAll()) {
    if (event.position !== expectedPosition) {
      return fail({
        position: expectedPosition, kind: 'missing', expected: `position ${expectedPosition}`, found: `position ${event.position}`,
        message: `position ${expectedPosition} is missing: the event after position ${expectedPosition - 1} is at ${event.position} (deleted or reordered)`,
      });
    }
    if (event.body.id !== event.id || event.body.type !== event.type) {
      return fail({
        position: event.position, kind: 'id-mismatch', expected: `${event.id} ${event.type}`, found: `${String(event.body.id)} ${String(event.body.type)}`,
        message: `position ${event.position}: the stored event's id or type does not match its index columns`,
      });
    }
    const leaf = chainedLeaf(event);
    const recomputed = linkLeaf(previousHash, leaf);
    if (recomputed !== event.hash) {
      return fail({
        position: event.position, kind: 'hash-mismatch', expected: recomputed, found: event.hash ?? '(none)',
        message: event.position === 1
          ? 'position 1: the stored hash does not match the event (the event or its hash was altered)'
          : `position ${event.position}: the stored hash does not follow from position ${event.position - 1}: ` +
            `event ${event.position} was altered, or event ${event.position - 1} was rewritten together with its hash`,
      });
    }
    if (options.anchor?.position === event.position) {
      anchorSeen = true;
      if (event.hash !== options.anchor.hash) {
        return fail({
          position: event.position, kind: 'anchor-mismatch', expected: options.anchor.hash, found: event.hash,
          message: `position ${event.position}: the hash differs from the anchor recorded earlier: the ledger was rewritten up to here`,
        });
      }
    }
    previousHash = event.hash;
    expectedPosition += 1;
    checked += 1;
    if (tree) {
      tree.append(leafHash(leaf));
      while (pending[0]?.size === checked) {
        const signed = pending.shift()!;
        const root = tree.root().toString('base64');
        if (root !== signed.root) {
          return fail({
            position: checked, kind: 'checkpoint-mismatch', expected: signed.root, found: root,
            message: `the first ${checked} events no longer have the Merkle root signed in the checkpoint of size ${checked}: the ledger was rewritten at or before position ${checked}`,
          });
        }
      }
    }
    if (checked % 10_000 === 0) options.onProgress?.(checked, head.position);
  }
  options.onProgress?.(checked, head.position);
  if (pending.length > 0) {
    const { size } = pending[pending.length - 1]!;
    return fail({
      position: size, kind: 'truncated', expected: `${size} events, as signed in a checkpoint`, found: `the ledger ends at position ${checked}`,
      message: `a checkpoint was signed over ${size} events, but the ledger ends at ${checked}: events were removed from its end`,
    });
  }
  if (options.anchor && !anchorSeen) {
    return fail({
      position: options.anchor.position, kind: 'truncated', expected: `an event at position ${options.anchor.position}`,
      found: `the ledger ends at position ${checked}`,
      message: `the anchor names position ${options.anchor.position}, but the ledger ends at ${checked}: events were removed from its end`,
    });
  }
  return { ok: true, checked, head };
}
