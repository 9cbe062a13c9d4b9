/**
 * Where a ledger's secrets may lie (README "What a proof proves, and against whom"). A secret kept
 * in the database's folder gives whoever can write that folder its power: with the signing key
 * there, they rewrite an event, rebuild and re-sign, and the new checkpoints verify. So a secret is
 * named apart from the data — an environment variable or a file outside the folder — and kept in
 * the folder only when `--embedded-keys` says so (the quick start). One rule and one refusal for
 * every secret that follows it.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { LedgerError } from '../errors.js';

export const EMBEDDED_KEYS_FLAG = '--embedded-keys';

/** A secret the ledger would keep in its data folder without `--embedded-keys`. */
export class SecretPlacementError extends LedgerError {
  readonly code = 'SECRET_PLACEMENT';
}

export interface Secret {
  /** e.g. "the checkpoint signing key" */
  readonly what: string;
  /** What whoever holds it can do, e.g. "re-sign a rewritten history". */
  readonly power: string;
  /** How to name it apart, e.g. "PDL_SIGNING_KEY, or --signing-key PATH". */
  readonly howToName: string;
}

/** The folder a ledger's files live in, symbolic links resolved (so a link into it is inside it too). */
export function dataFolderOf(db: string): string {
  return real(dirname(resolve(db)));
}

function real(path: string): string {
  if (existsSync(path)) return realpathSync(path);
  const parent = dirname(path);
  return parent === path ? path : resolve(real(parent), path.slice(parent.length + 1));
}

export function isInside(path: string, folder: string): boolean {
  const at = real(resolve(path));
  return at === folder || at.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`);
}

/** The one refusal: said the same way for every secret, with how to name it and how to opt in. */
export function secretInDataFolder(secret: Secret, folder: string, file?: string): SecretPlacementError {
  return new SecretPlacementError(
    `${file ? `${file} is in ${folder}` : `${secret.what} is not named apart from ${folder}`}, the ledger's data folder: whoever can write that folder could ${secret.power}. ` +
    `Name ${secret.what} apart from the data: ${secret.howToName} outside that folder. ` +
    `To keep it in the data folder anyway (the quick start, npm start), pass ${EMBEDDED_KEYS_FLAG}.`);
}

/** The line printed whenever a secret is used from the data folder under `--embedded-keys`. */
export function embeddedSecretWarning(secret: Secret, file: string): string {
  return `warning: ${secret.what} is kept beside the data (${file}, ${EMBEDDED_KEYS_FLAG}): whoever can write that folder can ${secret.power}; ` +
    `its checkpoints prove nothing against them (README "What a proof proves, and against whom").`;
}
