/**
 * The ledger's checkpoint signer: an Ed25519 key in the format Go's golang.org/x/mod/sumdb/note
 * reads (`PRIVATE+KEY+<name>+<key hash>+<base64(0x01 ‖ seed)>`), from PDL_SIGNING_KEY or a file
 * created with mode 0600 on first use — where, composition/open-prover.ts decides. It never enters
 * the log. Its name is the ledger's origin; its verifier key is what auditors pin (README "Proofs").
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValidationError } from '../errors.js';

const ED25519 = 0x01;
// DER prefixes that wrap a raw Ed25519 seed (PKCS #8) and public key (SPKI), RFC 8410.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX_LENGTH = 12;

/** No signing key where one was looked for, and none may be created there. */
export class NoSigningKeyError extends ValidationError {}

export interface NoteSigner {
  /** The key's name: the origin line of every checkpoint it signs. */
  readonly name: string;
  /** `<name>+<hash>+<base64(0x01 ‖ public key)>`: publish it; verifiers pin it. */
  readonly verifierKey: string;
  /** The note text signed: text, a blank line, the signature line. */
  sign(text: string): string;
  /** The raw Ed25519 key, for other signature types over the same key (a witness's cosignatures). */
  readonly publicKey: Buffer;
  signBytes(message: Buffer): Buffer;
}

/** The C2SP key hash: the first 4 bytes of SHA-256(name ‖ "\n" ‖ type ‖ public key); type 0x01 for notes, 0x04 for cosignatures. */
/** `<name>+<8 hex key hash>`: which key, without the key itself — what a note's signature line names. */
export const keyIdOf = (verifierKey: string): string => verifierKey.split('+').slice(0, 2).join('+');

export function keyHash(name: string, publicKey: Buffer, type: number = ED25519): Buffer {
  return createHash('sha256').update(`${name}\n`).update(Buffer.of(type)).update(publicKey).digest().subarray(0, 4);
}

/** A key name (= origin) per C2SP: printable, no spaces or '+'. */
export function checkKeyName(name: string): string {
  if (!/^[\x21-\x2a\x2c-\x7e]{1,200}$/.test(name)) {
    throw new ValidationError(`the checkpoint origin ${JSON.stringify(name).slice(0, 80)} must be 1-200 printable ASCII characters with no space or '+' (e.g. ledger.example.com/pdl)`);
  }
  return name;
}

export function signerFromSeed(name: string, seed: Buffer): NoteSigner {
  checkKeyName(name);
  if (seed.length !== 32) throw new ValidationError('an Ed25519 signing key is 32 bytes');
  const privateKey: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX_LENGTH);
  return noteSigner(name, publicKey, (message) => sign(null, message, privateKey));
}

/** A signer over an Ed25519 key held anywhere (here, or on a token): its public key and a way to sign. */
export function noteSigner(name: string, publicKey: Buffer, signBytes: (message: Buffer) => Buffer): NoteSigner {
  checkKeyName(name);
  if (publicKey.length !== 32) throw new ValidationError('an Ed25519 public key is 32 bytes');
  const hash = keyHash(name, publicKey);
  return {
    name,
    verifierKey: `${name}+${hash.toString('hex')}+${Buffer.concat([Buffer.of(ED25519), publicKey]).toString('base64')}`,
    publicKey,
    signBytes,
    sign(text) {
      if (!text.endsWith('\n')) throw new Error('a note\'s text ends with a newline');
      return `${text}\n\u2014 ${name} ${Buffer.concat([hash, signBytes(Buffer.from(text))]).toString('base64')}\n`;
    },
  };
}

/** Reads a signer key in Go's format; its hash must match its name and key. */
export function parseSignerKey(text: string, what: string): NoteSigner {
  const match = /^PRIVATE\+KEY\+([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(text.trim());
  const material = match ? Buffer.from(match[3]!, 'base64') : null;
  if (!match || !material || material.length !== 33 || material[0] !== ED25519) {
    throw new ValidationError(`${what} is not an Ed25519 note signer key (PRIVATE+KEY+<name>+<hash>+<base64>)`);
  }
  const signer = signerFromSeed(match[1]!, material.subarray(1));
  if (signer.verifierKey.split('+')[1] !== match[2]) throw new ValidationError(`${what}: the key hash does not match its name and key`);
  return signer;
}

export function formatSignerKey(name: string, seed: Buffer): string {
  const signer = signerFromSeed(name, seed);
  return `PRIVATE+KEY+${name}+${signer.verifierKey.split('+')[1]}+${Buffer.concat([Buffer.of(ED25519), seed]).toString('base64')}`;
}

/**
 * The ledger's signer: PDL_SIGNING_KEY, else the key file, else — when `create` — a new key named
 * `origin`, written 0600. An origin asked for that differs from the existing key's name is refused:
 * a log keeps one origin, or old checkpoints stop verifying.
 */
export function loadSigner(options: { keyFile: string; env?: NodeJS.ProcessEnv; origin?: string; defaultOrigin?: string; create: boolean }): NoteSigner {
  const fromEnv = options.env?.PDL_SIGNING_KEY;
  const signer = fromEnv ? parseSignerKey(fromEnv, 'PDL_SIGNING_KEY')
    : existsSync(options.keyFile) ? parseSignerKey(readFileSync(options.keyFile, 'utf8'), options.keyFile)
    : null;
  if (signer) {
    if (options.origin !== undefined && options.origin !== signer.name) {
      throw new ValidationError(`the signing key is for origin "${signer.name}", not "${options.origin}": a ledger keeps one origin`);
    }
    return signer;
  }
  const origin = options.origin ?? options.defaultOrigin;
  if (!options.create || origin === undefined) {
    throw new NoSigningKeyError(`no checkpoint signing key: set PDL_SIGNING_KEY, or name its file with --signing-key PATH (there is none at ${options.keyFile})`);
  }
  const seed = randomBytes(32);
  const temporary = `${options.keyFile}.${process.pid}.tmp`;
  mkdirSync(dirname(options.keyFile), { recursive: true, mode: 0o700 });
  writeFileSync(temporary, `${formatSignerKey(checkKeyName(origin), seed)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, options.keyFile);
  return signerFromSeed(origin, seed);
}
