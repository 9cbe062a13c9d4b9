/**
 * C2SP signed notes and what rides in them: Ed25519 verifier keys and their key hashes, the
 * tlog-checkpoint text, and tlog-cosignature cosignatures by witnesses.
 */
import { concat, fromBase64, sha256, type Bytes } from './bytes.js';

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  /** Base64 of the 32-byte root hash. */
  readonly root: string;
  readonly extensions: readonly string[];
}

const encoder = new TextEncoder();
const SIGNATURE_PREFIX = '\u2014 ';
const ED25519 = 0x01;
/** C2SP tlog-cosignature: an Ed25519 cosignature/v1, whose key hash is taken with this type byte. */
const COSIGNATURE_V1 = 0x04;

/** A note verifier key, `<name>+<8 hex key hash>+<base64(0x01 ‖ 32-byte Ed25519 public key)>`. */
export interface VerifierKey {
  readonly name: string;
  readonly keyHash: number;
  readonly publicKey: Bytes;
}

/** The C2SP key hash: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), big-endian. */
export async function keyHashOf(name: string, publicKey: Bytes, type: number = ED25519): Promise<number> {
  const digest = await sha256(concat(encoder.encode(`${name}\n`), Uint8Array.of(type), publicKey));
  return new DataView(digest.buffer).getUint32(0);
}

export async function parseVerifierKey(text: string, type: number = ED25519): Promise<VerifierKey> {
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  if (first <= 0 || second < 0) throw new Error('a verifier key is <name>+<key hash>+<key>');
  const name = text.slice(0, first);
  const hashText = text.slice(first + 1, second);
  if (!/^[0-9a-f]{8}$/.test(hashText) || /[\s+]/.test(name)) throw new Error('a verifier key is <name>+<8 hex digits>+<key>');
  const material = fromBase64(text.slice(second + 1));
  if (material.length !== 33 || material[0] !== type) {
    throw new Error(type === ED25519 ? 'only Ed25519 verifier keys (type 0x01, 32 bytes) are supported' : 'a witness key is an Ed25519 cosignature/v1 key (type 0x04, 32 bytes)');
  }
  const publicKey = material.slice(1);
  const keyHash = Number.parseInt(hashText, 16);
  if (await keyHashOf(name, publicKey, type) !== keyHash) throw new Error('the verifier key\'s hash does not match its name and key');
  return { name, keyHash, publicKey };
}

/** Splits a signed note into its text and signature lines (C2SP signed-note). */
export function splitNote(note: string): { text: string; signatures: { name: string; keyHash: number; signature: Bytes }[] } {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('not a signed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const signatures = note.slice(split + 2, -1).split('\n').map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw new Error('a signature line starts with "\u2014 "');
    const [name, blob, extra] = line.slice(SIGNATURE_PREFIX.length).split(' ');
    if (!name || !blob || extra !== undefined) throw new Error('a signature line is "\u2014 <name> <base64>"');
    const bytes = fromBase64(blob);
    if (bytes.length < 5) throw new Error('a signature is a 4-byte key hash and the signature');
    return { name, keyHash: new DataView(bytes.buffer, bytes.byteOffset).getUint32(0), signature: bytes.slice(4) };
  });
  return { text, signatures };
}

/** The note's text when `key` signed it; throws otherwise. */
export async function openNote(note: string, key: VerifierKey): Promise<string> {
  const { text, signatures } = splitNote(note);
  const mine = signatures.filter((s) => s.name === key.name && s.keyHash === key.keyHash);
  if (mine.length === 0) throw new Error(`the note is not signed by ${key.name}+${key.keyHash.toString(16).padStart(8, '0')}`);
  const publicKey = await globalThis.crypto.subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
  for (const { signature } of mine) {
    if (signature.length === 64 && await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, publicKey, signature, encoder.encode(text))) return text;
  }
  throw new Error(`the note's signature by ${key.name} does not verify: the checkpoint was altered or signed by another key`);
}

/** A witness's verifier key (C2SP tlog-cosignature): `<name>+<hash>+<base64(0x04 ‖ public key)>`. */
export const parseWitnessKey = (text: string): Promise<VerifierKey> => parseVerifierKey(text, COSIGNATURE_V1);

/** The message a cosignature/v1 signs: two header lines, then the checkpoint's note text. */
export const cosignedMessage = (timestamp: number, text: string): string => `cosignature/v1\ntime ${timestamp}\n${text}`;

/**
 * When `witness` cosigned this checkpoint (C2SP tlog-cosignature, Ed25519 cosignature/v1): it had
 * checked the log only grew up to this tree. Throws when it did not, or the cosignature does not verify.
 */
export async function openCosignature(note: string, witness: VerifierKey): Promise<{ timestamp: number }> {
  const { text, signatures } = splitNote(note);
  const mine = signatures.filter((s) => s.name === witness.name && s.keyHash === witness.keyHash);
  if (mine.length === 0) throw new Error(`the checkpoint carries no cosignature by the witness ${witness.name}`);
  const publicKey = await globalThis.crypto.subtle.importKey('raw', witness.publicKey, { name: 'Ed25519' }, false, ['verify']);
  for (const { signature } of mine) {
    if (signature.length !== 8 + 64) continue;
    const timestamp = Number(new DataView(signature.buffer, signature.byteOffset).getBigUint64(0));
    if (await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, publicKey, signature.slice(8), encoder.encode(cosignedMessage(timestamp, text)))) return { timestamp };
  }
  throw new Error(`the cosignature by ${witness.name} does not verify`);
}

/** Parses C2SP tlog-checkpoint text: origin, size, base64 root, then extension lines. */
export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.pop() !== '' || lines.length < 3) throw new Error('a checkpoint is three lines or more, each ending in a newline');
  const [origin, sizeText, root, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === '') throw new Error('a checkpoint\'s first line names its origin');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw new Error('a checkpoint\'s second line is its tree size in decimal');
  if (fromBase64(root).length !== 32) throw new Error('a checkpoint\'s third line is a 32-byte root hash in base64');
  return { origin, size: Number(sizeText), root, extensions };
}
