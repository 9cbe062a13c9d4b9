/**
 * The checkpoint signing key on a PKCS#11 token (README "Keys and backups"): an Ed25519 key pair
 * generated there (CKM_EC_EDWARDS_KEY_PAIR_GEN), the private half sensitive and never extractable,
 * every checkpoint and cosignature signed there (CKM_EDDSA). The key's name — the ledger's origin,
 * which every note signature names — is kept beside it as its CKA_ID, so the token alone says which
 * ledger the key signs for. A copy of the data folder then holds nothing that can re-sign history.
 */
import { ValidationError } from '../errors.js';
import { Pkcs11Token, type TokenConfig } from '../ledger/keys/pkcs11-key-wrapper.js';
import { checkKeyName, NoSigningKeyError, noteSigner, type NoteSigner } from './note-signer.js';

export interface TokenSignerOptions {
  readonly token: Omit<TokenConfig, 'keyLabel'>;
  /** The key pair's label on the token (PDL_PKCS11_SIGNING_KEY). */
  readonly label: string;
  /** An origin asked for: the key's name must be it (a log keeps one origin). */
  readonly origin?: string;
  /** The name of a key made now when no origin is asked for. */
  readonly defaultOrigin?: string;
  readonly create: boolean;
}

export function openTokenSigner(options: TokenSignerOptions): NoteSigner & { readonly createdNow: boolean; close(): void } {
  const token = Pkcs11Token.open({ ...options.token, keyLabel: options.label });
  try {
    token.require('EdDSA');
    const where = `pkcs11:token=${options.token.token};object=${options.label}`;
    let pair = token.findSigningKey(options.label);
    const createdNow = pair === null;
    if (!pair) {
      const origin = options.origin ?? options.defaultOrigin;
      if (!options.create || origin === undefined) throw new NoSigningKeyError(`no checkpoint signing key on the token (${where}), and none is created here`);
      pair = token.generateSigningKey(options.label, Buffer.from(checkKeyName(origin), 'utf8'));
    }
    const name = pair.id.toString('utf8');
    if (options.origin !== undefined && options.origin !== name) {
      throw new ValidationError(`the signing key ${where} is for origin "${name}", not "${options.origin}": a ledger keeps one origin`);
    }
    const privateKey = pair.privateKey;
    return { ...noteSigner(name, pair.publicKey, (message) => token.signEd25519(privateKey, message)), createdNow, close: () => token.close() };
  } catch (error) {
    token.close();
    throw error;
  }
}
