/**
 * The master key on a PKCS#11 token (an HSM; SoftHSM in the tests): an AES-256 key generated on
 * the token, never extractable, with which data keys are wrapped and unwrapped there — AES-GCM
 * with a fresh 12-byte nonce and the `aad` bound in, as the local wrapper binds it, so a wrapped
 * key cannot be moved to another subject or purpose. Nothing unwrapped is kept here: the key store
 * caches what it opens, as it does with the local wrapper. Through `pkcs11js` (the binding
 * graphene-pk11 builds on), loaded only when a token is named.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Pkcs11 from 'pkcs11js';
import { LedgerError } from '../../errors.js';
import { DecryptionError } from '../crypto/aead.js';
import type { KeyWrapper } from './key-wrapper.js';

/** The token could not be used as configured (module, token label, PIN, key label). */
export class TokenError extends LedgerError {
  readonly code = 'UNAVAILABLE';
}

export interface TokenConfig {
  /** The PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  readonly module: string;
  /** The token's label. */
  readonly token: string;
  readonly pin: string;
  /** The master key's label on the token. */
  readonly keyLabel: string;
}

/** PKCS#11 is initialised once per process and module: tokens opened from one module share it, and the last close finalises it. */
const loaded = new Map<string, { readonly lib: Pkcs11.PKCS11; users: number }>();

// PKCS#11 3.0 names for Ed25519, which pkcs11js's constants predate.
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
/** The curve as RFC 8410 and PKCS#11 3.0 name it: the DER of the printable string "edwards25519". */
const ED25519_PARAMS = Buffer.concat([Buffer.from([0x13, 12]), Buffer.from('edwards25519')]);

/** CKA_EC_POINT: the 32-byte point, DER OCTET STRING-wrapped by most tokens (SoftHSM included), bare by some. */
function ed25519Point(value: unknown): Buffer {
  if (!(value instanceof Buffer)) throw new TokenError('the token gave no public key for the signing key');
  if (value.length === 34 && value[0] === 0x04 && value[1] === 32) return value.subarray(2);
  if (value.length === 32) return value;
  throw new TokenError(`the token's public key is not an Ed25519 point (${value.length} bytes)`);
}

const NONCE = 12;
const TAG_BITS = 128;

export class Pkcs11Token {
  private constructor(
    private readonly p11: typeof Pkcs11,
    private readonly lib: Pkcs11.PKCS11,
    private readonly session: Buffer,
    private readonly module: string,
    private readonly slot: Buffer,
  ) {}

  static open(config: TokenConfig): Pkcs11Token {
    const p11 = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11;
    let entry = loaded.get(config.module);
    if (!entry) {
      const lib = new p11.PKCS11();
      try {
        lib.load(config.module);
        lib.C_Initialize();
      } catch (error) {
        throw new TokenError(`the PKCS#11 module ${config.module} could not be loaded: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
      entry = { lib, users: 0 };
      loaded.set(config.module, entry);
    }
    const { lib } = entry;
    entry.users += 1;
    try {
      const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === config.token);
      if (!slot) throw new TokenError(`no PKCS#11 token labelled "${config.token}" in ${config.module}`);
      const session = lib.C_OpenSession(slot, p11.CKF_RW_SESSION | p11.CKF_SERIAL_SESSION);
      try {
        lib.C_Login(session, p11.CKU_USER, config.pin);
      } catch (error) {
        // Login is per process and token: a second session (the signer beside the key store) finds it done.
        if (error instanceof p11.Pkcs11Error && error.code === p11.CKR_USER_ALREADY_LOGGED_IN) return new Pkcs11Token(p11, lib, session, config.module, slot);
        lib.C_CloseSession(session);
        throw new TokenError(`the PIN for token "${config.token}" was refused (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
      }
      return new Pkcs11Token(p11, lib, session, config.module, slot);
    } catch (error) {
      release(config.module);
      throw error;
    }
  }

  /** Refuses, by name, a token that lacks a mechanism pdl needs — at open, not at the first value sealed. */
  require(mechanism: 'AES-GCM' | 'EdDSA'): void {
    const code = mechanism === 'AES-GCM' ? this.p11.CKM_AES_GCM : CKM_EDDSA;
    if (!this.lib.C_GetMechanismList(this.slot).includes(code)) {
      throw new TokenError(`the PKCS#11 token does not offer ${mechanism} (mechanism 0x${code.toString(16)}), which pdl needs for ${mechanism === 'AES-GCM' ? 'the master key' : 'the signing key'}`);
    }
  }

  /** The secret key with this label, or null. */
  findKey(label: string): Buffer | null {
    const { lib, p11, session } = this;
    lib.C_FindObjectsInit(session, [{ type: p11.CKA_CLASS, value: p11.CKO_SECRET_KEY }, { type: p11.CKA_LABEL, value: label }]);
    try {
      const [found] = lib.C_FindObjects(session, 1);
      return found ?? null;
    } finally {
      lib.C_FindObjectsFinal(session);
    }
  }

  /** Every secret key on the token this session may see, with its label. */
  secretKeys(): Array<{ readonly label: string; readonly handle: Buffer }> {
    const { lib, p11, session } = this;
    const handles: Buffer[] = [];
    lib.C_FindObjectsInit(session, [{ type: p11.CKA_CLASS, value: p11.CKO_SECRET_KEY }]);
    try {
      for (let page = lib.C_FindObjects(session, 64); page.length > 0; page = lib.C_FindObjects(session, 64)) handles.push(...page);
    } finally {
      lib.C_FindObjectsFinal(session);
    }
    return handles.map((handle) => {
      const [attribute] = lib.C_GetAttributeValue(session, handle, [{ type: p11.CKA_LABEL }]);
      return { label: attribute?.value instanceof Buffer ? attribute.value.toString('utf8') : '', handle };
    });
  }

  relabel(key: Buffer, label: string): void {
    this.lib.C_SetAttributeValue(this.session, key, [{ type: this.p11.CKA_LABEL, value: label }]);
  }

  /** An AES-256 key generated on the token: kept there, sensitive, never extractable. */
  generateKey(label: string): Buffer {
    const { lib, p11, session } = this;
    return lib.C_GenerateKey(session, { mechanism: p11.CKM_AES_KEY_GEN }, [
      { type: p11.CKA_CLASS, value: p11.CKO_SECRET_KEY }, { type: p11.CKA_KEY_TYPE, value: p11.CKK_AES },
      { type: p11.CKA_TOKEN, value: true }, { type: p11.CKA_LABEL, value: label }, { type: p11.CKA_VALUE_LEN, value: 32 },
      { type: p11.CKA_ENCRYPT, value: true }, { type: p11.CKA_DECRYPT, value: true },
      { type: p11.CKA_EXTRACTABLE, value: false }, { type: p11.CKA_SENSITIVE, value: true },
    ]);
  }

  /** Asks the token for the key's value: a conforming token refuses (the test of non-extractability). */
  exportValue(key: Buffer): Buffer {
    const [attribute] = this.lib.C_GetAttributeValue(this.session, key, [{ type: this.p11.CKA_VALUE }]);
    return attribute?.value instanceof Buffer ? attribute.value : Buffer.alloc(0);
  }

  /**
   * Asks the token to wrap the key under another key (AES key wrap, a session key made for it and
   * destroyed after): the other way a key leaves a token; a conforming token refuses a key that is
   * not extractable.
   */
  exportWrapped(key: Buffer): Buffer {
    const { lib, p11, session } = this;
    const carrier = lib.C_GenerateKey(session, { mechanism: p11.CKM_AES_KEY_GEN }, [
      { type: p11.CKA_CLASS, value: p11.CKO_SECRET_KEY }, { type: p11.CKA_KEY_TYPE, value: p11.CKK_AES }, { type: p11.CKA_TOKEN, value: false },
      { type: p11.CKA_VALUE_LEN, value: 32 }, { type: p11.CKA_WRAP, value: true },
    ]);
    try {
      return Buffer.from(lib.C_WrapKey(session, { mechanism: p11.CKM_AES_KEY_WRAP_PAD }, carrier, key, Buffer.alloc(64)));
    } finally {
      lib.C_DestroyObject(session, carrier);
    }
  }

  /** What the token says of a key: whether it can ever leave it, and whether it was made there. */
  protection(key: Buffer): { readonly sensitive: boolean; readonly extractable: boolean; readonly neverExtractable: boolean; readonly local: boolean } {
    const { lib, p11, session } = this;
    const flag = (type: number) => {
      const [attribute] = lib.C_GetAttributeValue(session, key, [{ type }]);
      // CK_BBOOL: one byte, 0 or 1.
      return attribute?.value instanceof Buffer && attribute.value.length === 1 && attribute.value[0] === 1;
    };
    return { sensitive: flag(p11.CKA_SENSITIVE), extractable: flag(p11.CKA_EXTRACTABLE), neverExtractable: flag(p11.CKA_NEVER_EXTRACTABLE), local: flag(p11.CKA_LOCAL) };
  }

  destroyKey(key: Buffer): void {
    this.lib.C_DestroyObject(this.session, key);
  }

  /** The Ed25519 key pair labelled so: the private key's handle, the raw public key, and its CKA_ID (what the caller stored there). */
  findSigningKey(label: string): { readonly privateKey: Buffer; readonly publicKey: Buffer; readonly id: Buffer } | null {
    const { lib, p11, session } = this;
    const find = (objectClass: number): Buffer | null => {
      lib.C_FindObjectsInit(session, [{ type: p11.CKA_CLASS, value: objectClass }, { type: p11.CKA_LABEL, value: label }]);
      try {
        return lib.C_FindObjects(session, 1)[0] ?? null;
      } finally {
        lib.C_FindObjectsFinal(session);
      }
    };
    const privateKey = find(p11.CKO_PRIVATE_KEY);
    const publicObject = find(p11.CKO_PUBLIC_KEY);
    if (!privateKey || !publicObject) return null;
    const [point] = lib.C_GetAttributeValue(session, publicObject, [{ type: p11.CKA_EC_POINT }]);
    const [id] = lib.C_GetAttributeValue(session, privateKey, [{ type: p11.CKA_ID }]);
    return { privateKey, publicKey: ed25519Point(point?.value), id: id?.value instanceof Buffer ? id.value : Buffer.alloc(0) };
  }

  /** An Ed25519 key pair generated on the token, the private half sensitive and never extractable; `id` is stored beside it. */
  generateSigningKey(label: string, id: Buffer): { readonly privateKey: Buffer; readonly publicKey: Buffer; readonly id: Buffer } {
    const { lib, p11, session } = this;
    const common = [{ type: p11.CKA_TOKEN, value: true }, { type: p11.CKA_LABEL, value: label }, { type: p11.CKA_ID, value: id }];
    let pair: { publicKey: Buffer; privateKey: Buffer };
    try {
      pair = lib.C_GenerateKeyPair(session, { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
        [...common, { type: p11.CKA_EC_PARAMS, value: ED25519_PARAMS }, { type: p11.CKA_VERIFY, value: true }],
        [...common, { type: p11.CKA_SIGN, value: true }, { type: p11.CKA_PRIVATE, value: true }, { type: p11.CKA_SENSITIVE, value: true }, { type: p11.CKA_EXTRACTABLE, value: false }]);
    } catch (error) {
      throw new TokenError(`the token made no Ed25519 key pair (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): it may not offer CKM_EC_EDWARDS_KEY_PAIR_GEN`);
    }
    const [point] = lib.C_GetAttributeValue(session, pair.publicKey, [{ type: p11.CKA_EC_POINT }]);
    return { privateKey: pair.privateKey, publicKey: ed25519Point(point?.value), id };
  }

  /** An Ed25519 signature (CKM_EDDSA, pure: the message itself) made on the token. */
  signEd25519(privateKey: Buffer, message: Buffer): Buffer {
    this.lib.C_SignInit(this.session, { mechanism: CKM_EDDSA }, privateKey);
    return Buffer.from(this.lib.C_Sign(this.session, message, Buffer.alloc(64)));
  }

  /** The key-wrapping port over a key on this token: nonce ‖ AES-GCM ciphertext ‖ tag. */
  wrapper(key: Buffer): KeyWrapper {
    const { lib, p11, session } = this;
    const mechanism = (nonce: Buffer, aad: string) => ({
      mechanism: p11.CKM_AES_GCM, parameter: { type: p11.CK_PARAMS_AES_GCM, iv: nonce, aad: Buffer.from(aad, 'utf8'), tagBits: TAG_BITS },
    });
    return {
      wrap(plain, aad) {
        const nonce = randomBytes(NONCE);
        lib.C_EncryptInit(session, mechanism(nonce, aad), key);
        return Buffer.concat([nonce, lib.C_Encrypt(session, plain, Buffer.alloc(plain.length + TAG_BITS / 8))]);
      },
      unwrap(wrapped, aad) {
        if (wrapped.length < NONCE + TAG_BITS / 8) throw new DecryptionError('a wrapped key is too short');
        try {
          lib.C_DecryptInit(session, mechanism(wrapped.subarray(0, NONCE), aad), key);
          return Buffer.from(lib.C_Decrypt(session, wrapped.subarray(NONCE), Buffer.alloc(wrapped.length)));
        } catch (error) {
          // A tag that does not check (another key, another aad, altered bytes): the token says so by an error code.
          throw new DecryptionError(`the token did not open the wrapped key (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
        }
      },
    };
  }

  close(): void {
    try {
      // No C_Logout: it would end every session of this process on the token; closing the last one logs out.
      this.lib.C_CloseSession(this.session);
    } finally {
      release(this.module);
    }
  }
}

function release(module: string): void {
  const entry = loaded.get(module);
  if (!entry || --entry.users > 0) return;
  loaded.delete(module);
  entry.lib.C_Finalize();
}
