/**
 * The master key wraps every subject's data key and the blind-index key. It comes from
 * PDL_MASTER_KEY (32 bytes, base64 or hex) or from a key file created on first start with
 * mode 0600. It never enters the event log or the key store.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { ValidationError } from '../../errors.js';
import { KEY_BYTES } from './aead.js';

export interface MasterKey {
  readonly key: Buffer;
  /** Where it came from, for messages: `PDL_MASTER_KEY` or the file's path. */
  readonly origin: string;
  readonly createdNow: boolean;
}

export function parseKey(text: string, what: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new ValidationError(`${what} must be ${KEY_BYTES} random bytes, written as base64 (44 characters) or hex (64)`);
  }
  return key;
}

export const formatKey = (key: Buffer): string => key.toString('base64');

export function loadMasterKey(options: { keyFile: string; env?: NodeJS.ProcessEnv; create: boolean }): MasterKey {
  const fromEnv = options.env?.PDL_MASTER_KEY;
  if (fromEnv) return { key: parseKey(fromEnv, 'PDL_MASTER_KEY'), origin: 'PDL_MASTER_KEY', createdNow: false };
  if (existsSync(options.keyFile)) {
    const mode = statSync(options.keyFile).mode & 0o777;
    if ((mode & 0o077) !== 0) chmodSync(options.keyFile, 0o600); // never leave it readable by others
    return { key: parseKey(readFileSync(options.keyFile, 'utf8'), options.keyFile), origin: options.keyFile, createdNow: false };
  }
  if (!options.create) throw new ValidationError(`no master key: set PDL_MASTER_KEY or restore ${options.keyFile}`);
  const key = randomBytes(KEY_BYTES);
  writeKeyFile(options.keyFile, key);
  return { key, origin: options.keyFile, createdNow: true };
}

/** Writes a key file with mode 0600, atomically (a crash leaves the old file or the new one). */
export function writeKeyFile(path: string, key: Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${formatKey(key)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, path);
}
