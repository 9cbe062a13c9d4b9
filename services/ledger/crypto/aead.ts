/** AES-256-GCM with a fresh random 96-bit nonce per value; the tag is appended to the ciphertext. */
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';

export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class DecryptionError extends Error {
  readonly code = 'DECRYPTION_FAILED';
}

export const randomKey = (): Buffer => randomBytes(KEY_BYTES);

// Nonces are cut from a pool the CSPRNG fills ~4 KiB at a time: one call into it per 341 values
// sealed instead of one per value (a visible share of the write path). Each nonce is still
// fresh random bytes, used once: the pool is refilled before any byte is handed out twice.
const noncePool = Buffer.alloc(NONCE_BYTES * 341);
let nonceOffset = noncePool.length;
function freshNonce(): Buffer {
  if (nonceOffset + NONCE_BYTES > noncePool.length) {
    randomFillSync(noncePool);
    nonceOffset = 0;
  }
  const nonce = Buffer.from(noncePool.subarray(nonceOffset, nonceOffset + NONCE_BYTES));
  nonceOffset += NONCE_BYTES;
  return nonce;
}

/** nonce ‖ ciphertext ‖ tag, as one buffer (for wrapped keys). */
export function encryptToBuffer(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = freshNonce();
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

export function decryptBuffer(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionError('ciphertext too short');
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch (cause) {
    throw new DecryptionError('authentication failed: wrong key or altered ciphertext', { cause });
  }
}
