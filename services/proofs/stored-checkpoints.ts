/**
 * The checkpoints a ledger has signed, checked before `pdl verify` holds the log to them: each
 * note must carry a valid signature by the ledger's key and say the size and root its row says.
 * A row that fails is itself a sign of tampering (a forged or edited checkpoint).
 */
import { verifyChain, type Anchor, type TreeHead } from '../ledger/verify.js';
import type { EventStore } from '../store/port.js';
import type { SignedCheckpoint } from './prover.js';
import { openNote, parseCheckpoint, parseVerifierKey } from './verifier/verify-proof.js';

export interface CheckedCheckpoints {
  readonly heads: TreeHead[];
  readonly forged: { readonly size: number; readonly why: string }[];
}

export async function checkStoredCheckpoints(checkpoints: readonly SignedCheckpoint[], verifierKey: string): Promise<CheckedCheckpoints> {
  const key = await parseVerifierKey(verifierKey);
  const heads: TreeHead[] = [];
  const forged: { size: number; why: string }[] = [];
  for (const stored of checkpoints) {
    try {
      const body = parseCheckpoint(await openNote(stored.note, key));
      if (body.size !== stored.size || body.root !== stored.root) throw new Error('its row and its signed note disagree on size or root');
      heads.push({ size: body.size, root: body.root });
    } catch (error) {
      forged.push({ size: stored.size, why: error instanceof Error ? error.message : String(error) });
    }
  }
  return { heads, forged };
}

/**
 * `pdl verify` and the API's `verify`: the stored checkpoints checked, then the chain recomputed and
 * held to every one that is genuine. The ledger's key is asked for only when there are checkpoints.
 */
export async function verifyLedger(
  log: Pick<EventStore, 'head' | 'readAll'>,
  stored: readonly SignedCheckpoint[],
  verifierKey: () => string,
  options: { anchor?: Anchor; onProgress?: (checked: number, total: number) => void } = {},
) {
  const checked = stored.length > 0 ? await checkStoredCheckpoints(stored, verifierKey()) : { heads: [], forged: [] };
  const report = await verifyChain(log, { ...options, checkpoints: checked.heads });
  return { ...report, ok: report.ok && checked.forged.length === 0, checkpoints: checked.heads.length, forged: checked.forged };
}
