/**
 * The checkpoints a ledger has signed, checked before `pdl verify` holds the log to them: each
 * note must carry a valid signature by the ledger's key and say the size and root its row says.
 * A row that fails is itself a sign of tampering (a forged or edited checkpoint).
 */
import { verifyChain, type TreeHead, type VerifiableLog, type VerifyOptions } from '../ledger/verify.js';
import type { CheckpointReader, StoredCheckpointRow } from '../records/checkpoint-store.js';
import { openNote, parseCheckpoint, parseVerifierKey } from './verifier/verify-proof.js';

export type { StoredCheckpointRow } from '../records/checkpoint-store.js';

/** A stored checkpoint whose note verified: the tree head it signs, and the note itself. */
export interface GenuineCheckpoint extends TreeHead {
  readonly origin: string;
  readonly note: string;
}

export interface CheckedCheckpoints {
  readonly heads: GenuineCheckpoint[];
  readonly forged: { readonly size: number; readonly why: string }[];
  /** Rows taken at their word because no verifier key was known: sizes and roots, signatures unchecked. */
  readonly unchecked: TreeHead[];
}

const sizeOf = (row: StoredCheckpointRow): number => (typeof row.size === 'number' ? row.size : Number.NaN);

export async function checkStoredCheckpoints(checkpoints: readonly StoredCheckpointRow[], verifierKey: string | null): Promise<CheckedCheckpoints> {
  const heads: GenuineCheckpoint[] = [];
  const forged: { size: number; why: string }[] = [];
  const unchecked: TreeHead[] = [];
  if (verifierKey === null) {
    for (const row of checkpoints) {
      if (typeof row.size === 'number' && typeof row.root === 'string') unchecked.push({ size: row.size, root: row.root, from: 'the stored checkpoint (signature not checked)' });
      else forged.push({ size: sizeOf(row), why: 'the row is not a checkpoint: its size or root is missing or of the wrong type' });
    }
    return { heads, forged, unchecked };
  }
  const key = await parseVerifierKey(verifierKey);
  for (const stored of checkpoints) {
    try {
      if (typeof stored.note !== 'string') throw new Error('the row has no signed note');
      const body = parseCheckpoint(await openNote(stored.note, key));
      if (body.size !== stored.size || body.root !== stored.root) throw new Error('its row and its signed note disagree on size or root');
      heads.push({ size: body.size, root: body.root, origin: body.origin, note: stored.note });
    } catch (error) {
      forged.push({ size: sizeOf(stored), why: error instanceof Error ? error.message : String(error) });
    }
  }
  return { heads, forged, unchecked };
}

/** Every checkpoint row and the recorded verifier key, read without writing (a verifier creates nothing). */
export async function readStoredCheckpoints(reader: CheckpointReader): Promise<{ rows: StoredCheckpointRow[]; verifierKey: string | null }> {
  const [rows, verifierKey] = await Promise.all([reader.storedAfter(-1), reader.verifierKey()]);
  return { rows, verifierKey };
}

/**
 * `pdl verify` and the API's `verify`: the stored checkpoints checked, then the chain recomputed and
 * held to every one that is genuine (and to `options.checkpoints`, heads kept elsewhere). The
 * ledger's key is asked for only when there are checkpoints; null: none known, rows unchecked.
 */
export async function verifyLedger(
  log: VerifiableLog,
  stored: readonly StoredCheckpointRow[],
  verifierKey: () => string | null,
  options: VerifyOptions = {},
) {
  const checked = stored.length > 0 ? await checkStoredCheckpoints(stored, verifierKey()) : { heads: [], forged: [], unchecked: [] };
  const report = await verifyChain(log, { ...options, checkpoints: [...checked.heads, ...checked.unchecked, ...(options.checkpoints ?? [])] });
  return {
    ...report, ok: report.ok && checked.forged.length === 0,
    checkpoints: checked.heads.length + checked.unchecked.length, forged: checked.forged, genuine: checked.heads, unchecked: checked.unchecked.length,
  };
}
