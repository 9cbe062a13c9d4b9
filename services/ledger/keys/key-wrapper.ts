/**
 * The seam between the key store and the master key: the store keeps data keys only wrapped,
 * and asks a wrapper to wrap and unwrap them. The local wrapper holds the master key in this
 * process (from PDL_MASTER_KEY or the key file); a wrapper whose key never leaves a token can
 * stand in its place without the store changing.
 */
import { decryptBuffer, encryptToBuffer } from '../crypto/aead.js';

export interface KeyWrapper {
  /** `key` sealed under the master key, bound to `aad` (what the key is, and whose). */
  wrap(key: Buffer, aad: string): Buffer;
  /** The key `wrap` sealed; throws DecryptionError when another master key wrapped it, or it was altered. */
  unwrap(wrapped: Buffer, aad: string): Buffer;
}

/** AES-256-GCM under a master key held in memory. */
export function localKeyWrapper(master: Buffer): KeyWrapper {
  return {
    wrap: (key, aad) => encryptToBuffer(master, key, aad),
    unwrap: (wrapped, aad) => decryptBuffer(master, wrapped, aad),
  };
}
