/**
 * When an erasure reaches every backup. Erasure destroys a subject's data keys in the live store
 * at once; a backup taken before still holds them, wrapped under the master-key generation that
 * was current then. Every backup holding them becomes unreadable when that generation — and every
 * one before it — is destroyed: superseded by a rotation after the erasure, then kept for the
 * backup-retention window (README "Keys and backups").
 */
import type { KeyStore, MasterGeneration } from './key-store.js';

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

/** Erased subjects counted by how far their erasure has reached the backups. */
export interface BackupReachCounts {
  readonly total: number;
  /** Unreadable in every backup: their generation and every earlier one destroyed. */
  readonly complete: number;
  /** Their generation superseded and kept until a date: unreadable in every backup from then. */
  readonly scheduled: number;
  /** The latest of those dates. */
  readonly scheduledBy: string | null;
  /** Erased under the generation still current: a rotation starts their clock. */
  readonly waitingForRotation: number;
}

const PAGE = 1000;

/** Every erased subject of the store, a page at a time. */
export async function countBackupReach(store: Pick<KeyStore, 'erasedSubjects'>, generations: readonly MasterGeneration[]): Promise<BackupReachCounts> {
  let total = 0;
  let complete = 0;
  let scheduled = 0;
  let waitingForRotation = 0;
  let scheduledBy: string | null = null;
  let after: string | undefined;
  for (;;) {
    const page = await store.erasedSubjects({ ...(after === undefined ? {} : { after }), limit: PAGE });
    for (const erased of page) {
      total += 1;
      const reach = backupReach(erased.erasedAt, generations);
      if (reach.complete) complete += 1;
      else if (reach.unreadableFrom === null) waitingForRotation += 1;
      else {
        scheduled += 1;
        if (scheduledBy === null || reach.unreadableFrom > scheduledBy) scheduledBy = reach.unreadableFrom;
      }
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.subjectId;
  }
  return { total, complete, scheduled, scheduledBy, waitingForRotation };
}
