/**
 * A key store's whole content as it is stored — keys still wrapped, index entries as digests —
 * for `pdl migrate` between a file and a server: the copy opens with the same master key, finds
 * the same subjects, and knows the same erasures. Nothing in it is unwrapped on the way.
 */
import type { MasterGeneration, UpkeepPosition } from './key-store.js';

export interface KeyStoreImage {
  /** master-check and index-key, wrapped. */
  readonly meta: readonly { readonly name: string; readonly value: Buffer }[];
  readonly keys: readonly { readonly kid: string; readonly subjectId: string; readonly category: string | null; readonly wrapped: Buffer; readonly createdAt: string; readonly systems: readonly string[] }[];
  readonly erasures: readonly { readonly subjectId: string; readonly kid: string; readonly erasedAt: string; readonly eventId: string | null }[];
  readonly index: readonly { readonly digest: Buffer; readonly subjectId: string; readonly kind: string | null; readonly source: string }[];
  readonly deletions: readonly { readonly subjectId: string; readonly kid: string; readonly category: string; readonly deletedAt: string; readonly eventId: string | null }[];
  readonly upkeep: UpkeepPosition;
  /** The master-key generations: the copy knows when each erasure reaches the backups. */
  readonly generations: readonly MasterGeneration[];
}

/** The check value every image of one store shares: a target holding another store's is refused. */
export const masterCheckOf = (image: KeyStoreImage): Buffer | null => image.meta.find((m) => m.name === 'master-check')?.value ?? null;
