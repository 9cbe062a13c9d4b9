/**
 * The prover of an opened ledger: its Merkle tree (a read model), its checkpoints and its signing
 * key — PDL_SIGNING_KEY, else the file named by `--signing-key` (outside the data folder), else,
 * only under `--embedded-keys` or when a command finds one already there, `<db>.signing.key`
 * (composition/secret-placement.ts says why). A new key is named after the origin given, or
 * `<host>/pdl/<ledger name>/<8 random hex>`, so that no two ledgers share an origin.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { LedgerError, ValidationError } from '../errors.js';
import { keyIdOf, loadSigner, NoSigningKeyError, type NoteSigner } from '../proofs/note-signer.js';
import { Prover } from '../proofs/prover.js';
import { openCheckpoints } from './open-records.js';
import { splitNote } from '../proofs/verifier/verify-proof.js';
import type { OpenedLedger } from './open-ledger.js';
import { dataFolderOf, embeddedSecretWarning, isInside, secretInDataFolder, type Secret } from './secret-placement.js';

export const SIGNING_KEY: Secret = {
  what: 'the checkpoint signing key',
  power: 'rewrite an event, rebuild and re-sign, and the new checkpoints would verify',
  howToName: 'PDL_SIGNING_KEY (the key itself), or --signing-key PATH (a file, created there with mode 0600 if missing)',
};

/** A ledger whose checkpoints another key signed: a second key would leave checkpoints no verifier holds together. */
export class SigningKeyMismatchError extends LedgerError {
  readonly code = 'KEY_MISMATCH';
}

export function defaultOrigin(db: string, random: Buffer = randomBytes(4)): string {
  const clean = (text: string) => text.replace(/[^\x21-\x2a\x2c-\x7e]+/g, '-').replace(/\//g, '-').slice(0, 60) || 'ledger';
  return `${clean(hostname().toLowerCase())}/pdl/${clean(basename(db).replace(/\.db$/, ''))}/${random.toString('hex')}`;
}

/** Where the signing key is looked for, as the operator named it. */
export interface SigningKeyOptions {
  /** `--signing-key PATH`: a key file named apart from the data (refused inside the data folder without `embedded`). */
  readonly file?: string;
  /** `--embedded-keys`: the key may be kept, and created, in the data folder. */
  readonly embedded?: boolean;
  /** `serve`: the key must be named (or `embedded`), even if one lies in the data folder. */
  readonly serving?: boolean;
}

export interface OpenProverOptions extends SigningKeyOptions {
  readonly origin?: string;
  /** Create the key where the placement allows it when there is none (default true). */
  readonly create?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => Date;
  /** Told once when the key used lies in the data folder. */
  readonly onEmbedded?: (warning: string) => void;
}

export async function openProver(opened: Pick<OpenedLedger, 'paths' | 'store' | 'readModelsDb' | 'projectionRunner'>, options: OpenProverOptions = {}): Promise<Prover> {
  if (!opened.projectionRunner) throw new ValidationError('proofs need the read models (the Merkle tree is one): open the ledger with them');
  const env = options.env ?? process.env;
  const placed = signingKeyPlace(opened.paths.db, opened.paths.signingKeyFile, options, env);
  const place = placed.onToken ? null : placed;
  // Which key signed this ledger's checkpoints so far: the one to use, never silently another.
  const checkpoints = await openCheckpoints(opened);
  const latest = await checkpoints.latest();
  const signedBy = latest ? signatureKeyId(latest.note) : null;
  let signer: NoteSigner;
  try {
    signer = place ? loadSigner({
      keyFile: place.keyFile, env, origin: options.origin, defaultOrigin: defaultOrigin(opened.paths.db),
      create: place.mayCreate && (options.create ?? true) && signedBy === null,
    }) : await signerOnToken(env, options, opened.paths.db, signedBy === null);
  } catch (error) {
    if (error instanceof NoSigningKeyError && signedBy) {
      throw new SigningKeyMismatchError(`no signing key found, and this ledger's checkpoints are signed by ${signedBy}: a second key is not created for it. ` +
        'Give that key: PDL_SIGNING_KEY, or --signing-key PATH.');
    }
    if (error instanceof NoSigningKeyError && place && !place.mayCreate && options.file === undefined) {
      throw new NoSigningKeyError(`no checkpoint signing key: name one apart from the data — ${SIGNING_KEY.howToName} — ` +
        `or pass --embedded-keys to keep it in the data folder (${dataFolderOf(opened.paths.db)}), where whoever can write that folder could ${SIGNING_KEY.power}.`);
    }
    throw error;
  }
  if (signedBy && keyIdOf(signer.verifierKey) !== signedBy) {
    throw new SigningKeyMismatchError(`this ledger's checkpoints are signed by ${signedBy}, not by the key given (${keyIdOf(signer.verifierKey)}): refused, ` +
      'a second key would leave checkpoints no verifier can hold together. Give the ledger\'s key (PDL_SIGNING_KEY or --signing-key PATH).');
  }
  if (place?.inDataFolder && !env.PDL_SIGNING_KEY) options.onEmbedded?.(embeddedSecretWarning(SIGNING_KEY, place.keyFile));
  return new Prover(opened.readModelsDb, opened.store, signer, checkpoints, options.now);
}

/** The signing key on the PKCS#11 token the environment names (README "Keys and backups"); made there when the ledger has signed nothing yet. */
async function signerOnToken(env: NodeJS.ProcessEnv, options: OpenProverOptions, db: string, unsigned: boolean): Promise<NoteSigner> {
  const [{ tokenFromEnv }, { openTokenSigner }] = await Promise.all([import('./open-key-store.js'), import('../proofs/token-signer.js')]);
  const token = tokenFromEnv(env);
  if (!token) throw new ValidationError('PDL_PKCS11_SIGNING_KEY names a key on a token: give PDL_PKCS11_MODULE, PDL_PKCS11_TOKEN and PDL_PKCS11_PIN (or _PIN_FILE) too');
  return openTokenSigner({
    token: { module: token.module, token: token.token, pin: token.pin }, label: env.PDL_PKCS11_SIGNING_KEY!, create: (options.create ?? true) && unsigned,
    ...(options.origin !== undefined ? { origin: options.origin } : {}), defaultOrigin: defaultOrigin(db),
  });
}

/**
 * Where the key file is, and whether one may be created there. PDL_SIGNING_KEY, when set, is the
 * key and no file is read; the placement of a named file is checked all the same.
 */
export function signingKeyPlace(db: string, defaultFile: string, options: SigningKeyOptions, env: NodeJS.ProcessEnv) {
  const folder = dataFolderOf(db);
  if (env.PDL_PKCS11_SIGNING_KEY) {
    if (env.PDL_SIGNING_KEY || options.file !== undefined) {
      throw new ValidationError('PDL_PKCS11_SIGNING_KEY puts the signing key on the token: give no PDL_SIGNING_KEY nor --signing-key beside it');
    }
    return { keyFile: defaultFile, mayCreate: false, inDataFolder: false, onToken: true } as const;
  }
  if (options.file !== undefined) {
    const inDataFolder = isInside(options.file, folder);
    if (inDataFolder && !options.embedded) throw secretInDataFolder(SIGNING_KEY, folder, options.file);
    return { keyFile: options.file, mayCreate: true, inDataFolder, onToken: false } as const;
  }
  if (env.PDL_SIGNING_KEY) return { keyFile: defaultFile, mayCreate: false, inDataFolder: false, onToken: false } as const;
  if (options.serving && !options.embedded) throw secretInDataFolder(SIGNING_KEY, folder);
  // A key already in the folder is used by a command (it adds no power to anyone); creating one there takes --embedded-keys.
  return { keyFile: defaultFile, mayCreate: options.embedded === true, inDataFolder: options.embedded === true || existsSync(defaultFile), onToken: false } as const;
}

/** `<name>+<key hash>` of a note's first signature: the key that signed a stored checkpoint. */
export function signatureKeyId(note: string): string | null {
  const first = splitNote(note).signatures[0];
  return first ? `${first.name}+${first.keyHash.toString(16).padStart(8, '0')}` : null;
}
