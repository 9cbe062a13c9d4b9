/**
 * Retired master-key generations kept as files beside the current key file, for restoring a
 * backup taken before a rotation, until the backup-retention window has passed — then destroyed
 * (overwritten, synced, removed) and recorded so in the key store. That destruction is the moment
 * an erasure reaches every backup (README "Keys and backups"). A key given by PDL_MASTER_KEY is
 * the operator's to keep and destroy: the ledger only tells when.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseKey, writeKeyFile } from '../ledger/crypto/master-key.js';
import type { KeyStore, MasterGeneration } from '../ledger/keys/key-store.js';

export const retiredKeyFile = (masterKeyFile: string, generation: number): string => `${masterKeyFile}.g${generation}`;

export interface RetiredKey {
  readonly generation: number;
  readonly file: string;
}

/** The retired generations' key files beside `masterKeyFile`, oldest first. */
export function retiredKeys(masterKeyFile: string): RetiredKey[] {
  const folder = dirname(masterKeyFile);
  if (!existsSync(folder)) return [];
  const pattern = new RegExp(`^${escape(basename(masterKeyFile))}\\.g(\\d+)$`);
  return readdirSync(folder).flatMap((name) => {
    const match = pattern.exec(name);
    return match ? [{ generation: Number(match[1]), file: join(folder, name) }] : [];
  }).sort((a, b) => a.generation - b.generation);
}

export const readRetired = (retired: RetiredKey): Buffer => parseKey(readFileSync(retired.file, 'utf8'), retired.file);

/** The retired keys that read as keys; one that does not (damaged, or left by an older pdl mid-destruction) opens nothing and is said once. */
export function readableRetired(masterKeyFile: string, warn: (message: string) => void): Array<RetiredKey & { readonly key: Buffer }> {
  return retiredKeys(masterKeyFile).flatMap((retired) => {
    try {
      return [{ ...retired, key: readRetired(retired) }];
    } catch {
      warn(`the retired master key ${retired.file} is not a key: it opens nothing, and is destroyed once its generation is recorded destroyed`);
      return [];
    }
  });
}

/** Kept before a rotation commits (a rotation that rolls back leaves a file `reconcile` removes). */
export function keepRetired(masterKeyFile: string, generation: number, key: Buffer): void {
  const file = retiredKeyFile(masterKeyFile, generation);
  if (!existsSync(file)) writeKeyFile(file, key);
}

const DESTROYING = '.destroying';

/**
 * Overwritten with zeros and synced before it is unlinked: the bytes do not stay in the file's
 * blocks. Renamed out of the keyring first, so that a process killed mid-way leaves no half-zeroed
 * key under a generation's name — only a `.destroying` file the next reconcile finishes.
 */
export function destroyKeyFile(file: string): void {
  if (!existsSync(file)) return;
  const doomed = file.endsWith(DESTROYING) ? file : `${file}${DESTROYING}`;
  if (doomed !== file) renameSync(file, doomed);
  const fd = openSync(doomed, 'r+');
  try {
    writeSync(fd, Buffer.alloc(Math.max(statSync(doomed).size, 64)), 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  rmSync(doomed);
}

/** Destructions a killed process left half-done beside `masterKeyFile`. */
function interruptedDestructions(masterKeyFile: string): string[] {
  const folder = dirname(masterKeyFile);
  if (!existsSync(folder)) return [];
  const pattern = new RegExp(`^${escape(basename(masterKeyFile))}\\.g\\d+${escape(DESTROYING)}$`);
  return readdirSync(folder).filter((name) => pattern.test(name)).map((name) => join(folder, name));
}

export interface Reconciled {
  /** Generations destroyed now: their window had passed, or a destruction was interrupted. */
  readonly destroyed: readonly number[];
  /** Superseded generations past their window whose key is not a file here (PDL_MASTER_KEY): the operator destroys them. */
  readonly operatorToDestroy: readonly MasterGeneration[];
}

/**
 * At start and on a schedule: a retired file of the current generation (a rotation that never
 * committed) goes; a generation past its window is recorded destroyed, then loses its file; one
 * recorded destroyed whose file is still there (a crash in between) loses it now.
 */
export async function reconcileGenerations(keys: KeyStore, masterKeyFile: string, now: Date = new Date()): Promise<Reconciled> {
  const generations = await keys.generations();
  const current = generations.at(-1)?.generation ?? 0;
  const files = new Map(retiredKeys(masterKeyFile).map((r) => [r.generation, r.file]));
  const destroyed: number[] = [];
  const operatorToDestroy: MasterGeneration[] = [];
  for (const file of interruptedDestructions(masterKeyFile)) destroyKeyFile(file);
  for (const [generation, file] of files) if (generation >= current) destroyKeyFile(file);
  for (const g of generations) {
    if (g.generation >= current) continue;
    const due = g.destroyedAt !== null || (g.destroyAfter !== null && Date.parse(g.destroyAfter) <= now.getTime());
    if (!due) continue;
    const file = files.get(g.generation);
    if (g.destroyedAt === null) {
      if (!file) {
        operatorToDestroy.push(g);
        continue;
      }
      // Recorded first: a crash before the file is gone leaves a destruction the next run completes.
      await keys.recordDestroyed(g.generation);
      destroyed.push(g.generation);
    }
    if (file) destroyKeyFile(file);
  }
  return { destroyed, operatorToDestroy };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
