/**
 * When an erasure reaches every backup. Erasure destroys a subject's data keys in the live store
 * at once; a backup taken before still holds them, wrapped under the master-key generation that
 * was current then. Every backup holding them becomes unreadable when that generation — and every
 * one before it — is destroyed: superseded by a rotation after the erasure, then kept for the
 * backup-retention window (README "Keys and backups").
 */
import type { MasterGeneration } from './key-store.js';

export interface BackupReach {
  /** The generation that was current when the subject was erased. */
  readonly generation: number;
  /**
   * From when no backup can be read for this subject: that generation's destruction date. Null
   * while it is still current (a rotation starts the clock).
   */
  readonly unreadableFrom: string | null;
  /** Every generation up to it destroyed: the erasure is complete in every backup. */
  readonly complete: boolean;
}

export function backupReach(erasedAt: string, generations: readonly MasterGeneration[]): BackupReach {
  const sorted = [...generations].sort((a, b) => a.generation - b.generation);
  const at = Date.parse(erasedAt);
  const current = sorted.filter((g) => Date.parse(g.createdAt) <= at).at(-1) ?? sorted[0];
  if (!current) return { generation: 0, unreadableFrom: null, complete: false };
  const upTo = sorted.filter((g) => g.generation <= current.generation);
  return { generation: current.generation, unreadableFrom: current.destroyAfter, complete: upTo.every((g) => g.destroyedAt !== null) };
}
