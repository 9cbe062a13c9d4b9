/**
 * Which key signs a copy of the ledger (`pdl migrate --to FILE`): the source's, never a new one.
 * A copy signed by another key would prove "another ledger" to every verifier who pinned the
 * published key, and its carried checkpoints would stop verifying (README "Copies keep their proofs").
 * Settled before anything is copied, so that a refusal leaves the target as it was.
 */
import { existsSync, readFileSync } from 'node:fs';
import { keyIdOf, NoSigningKeyError, parseSignerKey, type NoteSigner } from '../proofs/note-signer.js';
import { openTokenSigner } from '../proofs/token-signer.js';
import { ledgerPaths } from './ledger-paths.js';
import { tokenFromEnv } from './open-key-store.js';
import { SigningKeyMismatchError } from './open-prover.js';

/** A signed ledger whose key is not at hand: its copy could only be signed by a new key, so it is not made. */
export class NoKeyForCopyError extends NoSigningKeyError {}

export type CopyKey =
  /** `<source>.signing.key` (an embedded key): copied beside the copy, 0600. */
  | { readonly place: 'beside'; readonly signer: NoteSigner; readonly file: string }
  /** PDL_SIGNING_KEY, --signing-key PATH or the key on a token (PDL_PKCS11_SIGNING_KEY): the copy is signed, and run, with the same named key. */
  | { readonly place: 'named'; readonly signer: NoteSigner; readonly how: string }
  /** The source has neither key nor checkpoint: there is no identity to keep; the copy's first signer names it. */
  | { readonly place: 'none' };

export interface CopyKeyQuestion {
  readonly sourceDb: string;
  readonly targetDb: string;
  /** `--signing-key PATH`, as given. */
  readonly keyFile?: string;
  readonly env: NodeJS.ProcessEnv;
  /** `<name>+<key hash>` of the key that signed the source's checkpoints; null when it has none. */
  readonly signedBy: string | null;
}

const HOW_TO_GIVE = 'give the ledger\'s key as for the source: PDL_SIGNING_KEY="$(cat …/ledger.signing.key)", or --signing-key PATH';

export function settleCopyKey(question: CopyKeyQuestion): CopyKey {
  const fromEnv = question.env.PDL_SIGNING_KEY;
  const onToken = question.env.PDL_PKCS11_SIGNING_KEY ? tokenFromEnv(question.env) : null;
  const named = onToken
    ? { signer: openTokenSigner({ token: { module: onToken.module, token: onToken.token, pin: onToken.pin }, label: question.env.PDL_PKCS11_SIGNING_KEY!, create: false }), how: 'PDL_PKCS11_SIGNING_KEY' }
    : fromEnv ? { signer: parseSignerKey(fromEnv, 'PDL_SIGNING_KEY'), how: 'PDL_SIGNING_KEY' }
    : question.keyFile !== undefined && existsSync(question.keyFile)
      ? { signer: parseSignerKey(readFileSync(question.keyFile, 'utf8'), question.keyFile), how: `--signing-key ${question.keyFile}` }
      : null;
  const besideFile = ledgerPaths(question.sourceDb).signingKeyFile;
  const key: CopyKey | null = named ? { place: 'named', ...named }
    : existsSync(besideFile) ? { place: 'beside', signer: parseSignerKey(readFileSync(besideFile, 'utf8'), besideFile), file: besideFile }
    : null;
  if (!key) {
    if (question.signedBy === null) return { place: 'none' };
    throw new NoKeyForCopyError(`the source's checkpoints are signed by ${question.signedBy}, and that key is not at hand ` +
      `(no PDL_SIGNING_KEY, ${question.keyFile === undefined ? 'no --signing-key' : `nothing at ${question.keyFile}`}, none beside the source at ${besideFile}): ` +
      `the copy could only be signed by a new key, and would then prove another ledger. Nothing was copied: ${HOW_TO_GIVE}.`);
  }
  const id = keyIdOf(key.signer.verifierKey);
  if (question.signedBy !== null && id !== question.signedBy) {
    throw new SigningKeyMismatchError(`the source's checkpoints are signed by ${question.signedBy}, not by the key given (${id}): ` +
      `a copy signed by it would prove another ledger. Nothing was copied: ${HOW_TO_GIVE}.`);
  }
  const targetFile = ledgerPaths(question.targetDb).signingKeyFile;
  if (existsSync(targetFile)) {
    const there = keyIdOf(parseSignerKey(readFileSync(targetFile, 'utf8'), targetFile).verifierKey);
    if (there !== id) {
      throw new SigningKeyMismatchError(`${targetFile} holds another signing key (${there}) than the ledger's (${id}): ` +
        'the copy would be signed by two keys. Nothing was copied: choose a new target, or remove that file if it is a leftover.');
    }
  }
  return key;
}
