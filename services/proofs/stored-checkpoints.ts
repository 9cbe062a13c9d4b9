/**
 * The checkpoints a ledger has signed, checked before `pdl verify` holds the log to them: each
 * note must carry a valid signature by the ledger's key and say the size and root its row says.
 * A row that fails is itself a sign of tampering (a forged or edited checkpoint).
 */
import type { TreeHead } from '../ledger/verify.js';
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
