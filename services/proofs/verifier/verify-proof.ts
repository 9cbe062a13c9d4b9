/**
 * The standalone proof verifier: checks an inclusion or consistency bundle (README "Proofs")
 * with nothing but WebCrypto (SHA-256, Ed25519), so the same file runs in Node and in a browser
 * and imports nothing. Algorithms: RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency);
 * checkpoints are C2SP tlog-checkpoint text in a C2SP signed-note, signed with Ed25519.
 */

// Types only (erased when compiled): the verifier stays free of imports, and the bundles' shape is
// written once, in schemas/proof-bundle.ts (zod), which `pdl verify-proof` parses bundles with first.
import type { ConsistencyBundle, InclusionBundle } from '../../../schemas/proof-bundle.js';
export type { ConsistencyBundle, InclusionBundle, InclusionEntry } from '../../../schemas/proof-bundle.js';
type InclusionEntry = InclusionBundle['entries'][number];

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  /** Base64 of the 32-byte root hash. */
  readonly root: string;
  readonly extensions: readonly string[];
}

/** What the verifier was told to trust. Without a pinned key nothing is `ok`: a bundle's own key proves only that it is self-consistent. */
export interface Trust {
  /** The operator's published verifier key, pinned by the verifier (never taken from the answer it checks). */
  readonly verifierKey?: string;
  readonly origin?: string;
  /** Witness keys (type 0x04) whose cosignature the checkpoint must carry. */
  readonly witnesses?: readonly string[];
  /**
   * The checkpoint the verifier kept from before (its signed note). A consistency bundle must start
   * from that very tree; an inclusion bundle's checkpoint must be it, or be linked to it by `link`.
   */
  readonly since?: string;
  /** With `since` and an inclusion bundle of another size: a consistency bundle between the two checkpoints, either way round. */
  readonly link?: ConsistencyBundle;
}

export interface VerificationReport {
  /** Everything verifies, under a pinned key, and reaches the kept checkpoint when one was given. */
  readonly ok: boolean;
  readonly kind: 'inclusion' | 'consistency';
  /** The checkpoint proven against, once its signature checked. */
  readonly checkpoint: Checkpoint | null;
  /** Every proof holds under the key used — pinned or the bundle's own; alone, it says nothing of who signed. */
  readonly internallyConsistent: boolean;
  /** True when no key was pinned: the signature was checked with the bundle's own key, and `ok` is false. */
  readonly keyFromBundle: boolean;
  /** The kept checkpoint (`since`) and whether the bundle was shown to extend it; null when none was given. */
  readonly since: { readonly size: number; readonly root: string; readonly reached: boolean } | null;
  readonly problems: readonly string[];
  /** Inclusion: one line per entry. */
  readonly entries: readonly { readonly eventId: string; readonly position: number; readonly ok: boolean }[];
}

/** Bytes over a plain ArrayBuffer: what WebCrypto takes. */
export type Bytes = Uint8Array<ArrayBuffer>;

const encoder = new TextEncoder();
const SIGNATURE_PREFIX = '\u2014 ';
const ED25519 = 0x01;
/** C2SP tlog-cosignature: an Ed25519 cosignature/v1, whose key hash is taken with this type byte. */
const COSIGNATURE_V1 = 0x04;

export function fromBase64(text: string): Bytes {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error('not standard base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const concat = (...parts: Bytes[]): Bytes => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

const equal = (a: Bytes, b: Bytes): boolean => a.length === b.length && a.every((byte, i) => byte === b[i]);

async function sha256(bytes: Bytes): Promise<Bytes> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
}

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ leaf). */
export const hashLeaf = (leaf: Bytes): Promise<Bytes> => sha256(concat(Uint8Array.of(0), leaf));
/** RFC 6962 interior node: SHA-256(0x01 ‖ left ‖ right). */
export const hashChildren = (left: Bytes, right: Bytes): Promise<Bytes> => sha256(concat(Uint8Array.of(1), left, right));

// Tree sizes go past 2^32: plain arithmetic, not 32-bit bit operators.
const odd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/** RFC 9162 §2.1.3.2: whether `proof` takes the leaf hash at `index` to `root` in a tree of `size` leaves. */
export async function verifyInclusion(index: number, size: number, leafHash: Bytes, proof: readonly Bytes[], root: Bytes): Promise<boolean> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (leafHash.length !== 32 || root.length !== 32) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0 || p.length !== 32) return false;
    if (odd(fn) || fn === sn) {
      r = await hashChildren(p, r);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      r = await hashChildren(r, p);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && equal(r, root);
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree of `oldSize` (root `oldRoot`) is a prefix of the one of `newSize`. */
export async function verifyConsistency(oldSize: number, newSize: number, proof: readonly Bytes[], oldRoot: Bytes, newRoot: Bytes): Promise<boolean> {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && equal(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0;
  if (proof.length === 0 || proof.some((p) => p.length !== 32) || oldRoot.length !== 32 || newRoot.length !== 32) return false;
  // The old tree is a whole subtree of the new one when its size is a power of two: its root starts the path.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (odd(fn)) [fn, sn] = [half(fn), half(sn)];
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = await hashChildren(c, fr);
      sr = await hashChildren(c, sr);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      sr = await hashChildren(sr, c);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && equal(fr, oldRoot) && equal(sr, newRoot);
}

function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}

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

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A checkpoint signed by `key`, of the origin trusted (if any), whose origin is its key's name; throws otherwise. */
async function openCheckpoint(note: string, key: VerifierKey, origin: string | undefined): Promise<Checkpoint> {
  const checkpoint = parseCheckpoint(await openNote(note, key));
  if (origin !== undefined && checkpoint.origin !== origin) throw new Error(`the checkpoint is of origin "${checkpoint.origin}", not the trusted "${origin}"`);
  if (checkpoint.origin !== key.name) throw new Error(`the checkpoint's origin "${checkpoint.origin}" is not its key's name "${key.name}"`);
  return checkpoint;
}

async function trustedCheckpoint(note: string, key: VerifierKey | null, trust: Trust, problems: string[]): Promise<Checkpoint | null> {
  if (!key) return null;
  try {
    const checkpoint = await openCheckpoint(note, key, trust.origin);
    for (const witness of trust.witnesses ?? []) {
      try {
        await openCosignature(note, await parseWitnessKey(witness));
      } catch (error) {
        problems.push(`witness: ${messageOf(error)}`);
      }
    }
    return checkpoint;
  } catch (error) {
    problems.push(`checkpoint: ${messageOf(error)}`);
    return null;
  }
}

/** The key checked with: the pinned one, else — so that the report can still say whether the bundle is self-consistent — the bundle's. */
async function keyToUse(bundleKey: string, trust: Trust, problems: string[]): Promise<VerifierKey | null> {
  try {
    if (trust.verifierKey !== undefined && trust.verifierKey !== bundleKey) {
      problems.push('the bundle names another verifier key than the one pinned: its checkpoint is checked against the pinned key');
    }
    return await parseVerifierKey(trust.verifierKey ?? bundleKey);
  } catch (error) {
    problems.push(`verifier key: ${messageOf(error)}`);
    return null;
  }
}

const sameTree = (a: { size: number; root: string }, b: { size: number; root: string }) => a.size === b.size && a.root === b.root;

/**
 * Whether the bundle reaches the checkpoint the verifier kept: a consistency bundle must start from
 * it (`from`: its old tree); an inclusion bundle's tree (`from` too) must be it, or `trust.link` must
 * prove one a prefix of the other. Problems say what is missing.
 */
async function reachesKept(from: Checkpoint, kind: 'inclusion' | 'consistency', key: VerifierKey, trust: Trust, problems: string[]) {
  let kept: Checkpoint;
  try {
    kept = await openCheckpoint(trust.since!, key, trust.origin);
  } catch (error) {
    problems.push(`kept checkpoint: ${messageOf(error)}`);
    return { size: -1, root: '', reached: false };
  }
  const answer = (reached: boolean) => ({ size: kept.size, root: kept.root, reached });
  if (kept.origin !== from.origin) {
    problems.push(`the kept checkpoint is of origin "${kept.origin}", the bundle's of "${from.origin}"`);
    return answer(false);
  }
  if (sameTree(kept, from)) return answer(true);
  if (kind === 'consistency' || kept.size === from.size) {
    problems.push(kept.size === from.size
      ? `the bundle's tree of size ${from.size} is not the one you kept (root ${from.root}, kept ${kept.root}): the log shows another history than the one you kept`
      : `the bundle's old tree (size ${from.size}) is not the checkpoint you kept (size ${kept.size}): ask for the proof from size ${kept.size} (pdl prove --from-size ${kept.size})`);
    return answer(false);
  }
  if (!trust.link) {
    problems.push(`the bundle's checkpoint (size ${from.size}) is not the one you kept (size ${kept.size}), and no consistency bundle links them ` +
      `(pdl prove --from-size ${Math.min(kept.size, from.size)} --to-size ${Math.max(kept.size, from.size)})`);
    return answer(false);
  }
  const [older, newer] = kept.size < from.size ? [kept, from] : [from, kept];
  const link = await verifyConsistencyBundle(trust.link, { verifierKey: trust.verifierKey ?? trust.link.verifierKey, origin: kept.origin });
  const joins = link.internallyConsistent && trust.link.oldSize === older.size && trust.link.oldRoot === older.root &&
    trust.link.newSize === newer.size && trust.link.newRoot === newer.root;
  if (!joins) {
    const why = link.internallyConsistent ? `it goes from size ${trust.link.oldSize} to ${trust.link.newSize}, not from the tree of size ${older.size} to the one of size ${newer.size}` : link.problems.join('; ');
    problems.push(`the consistency bundle does not link the kept checkpoint and the bundle's: ${why}`);
  }
  return answer(joins);
}

/** The report: `internallyConsistent` from the proofs alone; `ok` only under a pinned key and, when one was kept, reaching it. */
async function conclude(
  kind: 'inclusion' | 'consistency', proven: boolean, checkpoint: Checkpoint | null, from: Checkpoint | null, key: VerifierKey | null,
  trust: Trust, problems: string[], entries: VerificationReport['entries'],
): Promise<VerificationReport> {
  const internallyConsistent = proven && checkpoint !== null && problems.length === 0;
  const since = trust.since === undefined ? null : from && key ? await reachesKept(from, kind, key, trust, problems) : { size: -1, root: '', reached: false };
  const keyFromBundle = trust.verifierKey === undefined;
  if (keyFromBundle) {
    problems.push('no verifier key pinned: checked with the key the bundle carries, which shows only that the bundle is internally consistent, ' +
      'not who signed it — pin the key the operator publishes (pdl checkpoint --verifier-key; pdl verify-proof --key)');
  }
  return { ok: internallyConsistent && !keyFromBundle && (since?.reached ?? true) && problems.length === 0, kind, checkpoint, internallyConsistent, keyFromBundle, since, problems, entries };
}

function decodeProof(hashes: readonly string[]): Bytes[] | null {
  try {
    return hashes.map(fromBase64);
  } catch {
    return null;
  }
}

/** The leaf must be the stored event it claims: its position and id, as the chain hashed them. */
function leafClaims(leaf: Bytes, entry: InclusionEntry): string | null {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(leaf));
    if (typeof parsed !== 'object' || parsed === null || !('position' in parsed) || !('event' in parsed)) return 'the leaf is not a stored event';
    const { position, event } = parsed;
    if (position !== entry.position || entry.leafIndex !== entry.position - 1) return `the leaf is of position ${String(position)}, not ${entry.position} (leaf index ${entry.leafIndex})`;
    const id = typeof event === 'object' && event !== null && 'id' in event ? event.id : undefined;
    if (id !== entry.eventId) return `the leaf is of event ${String(id)}, not ${entry.eventId}`;
    return null;
  } catch {
    return 'the leaf is not UTF-8 JSON';
  }
}

export async function verifyInclusionBundle(bundle: InclusionBundle, trust: Trust = {}): Promise<VerificationReport> {
  const problems: string[] = [];
  const key = await keyToUse(bundle.verifierKey, trust, problems);
  const checkpoint = await trustedCheckpoint(bundle.checkpoint, key, trust, problems);
  const entries: { eventId: string; position: number; ok: boolean }[] = [];
  for (const entry of bundle.entries ?? []) {
    let ok = false;
    if (checkpoint) {
      const proof = decodeProof(entry.inclusion);
      let leaf: Bytes | null = null;
      try {
        leaf = fromBase64(entry.leaf);
      } catch {
        problems.push(`event ${entry.eventId}: the leaf is not base64`);
      }
      const claim = leaf && leafClaims(leaf, entry);
      if (claim) problems.push(`event ${entry.eventId}: ${claim}`);
      else if (leaf && proof) {
        ok = await verifyInclusion(entry.leafIndex, checkpoint.size, await hashLeaf(leaf), proof, fromBase64(checkpoint.root));
        if (!ok) problems.push(`event ${entry.eventId}: the inclusion proof does not lead to the checkpoint's root (size ${checkpoint.size})`);
      } else if (!proof) problems.push(`event ${entry.eventId}: a proof hash is not base64`);
    }
    entries.push({ eventId: entry.eventId, position: entry.position, ok });
  }
  if (entries.length === 0) problems.push('the bundle proves no event');
  return conclude('inclusion', entries.length > 0 && entries.every((e) => e.ok), checkpoint, checkpoint, key, trust, problems, entries);
}

export async function verifyConsistencyBundle(bundle: ConsistencyBundle, trust: Trust = {}): Promise<VerificationReport> {
  const problems: string[] = [];
  const key = await keyToUse(bundle.verifierKey, trust, problems);
  const checkpoint = await trustedCheckpoint(bundle.checkpoint, key, trust, problems);
  // The old checkpoint need not carry the witnesses' cosignatures: they vouch for the newer one.
  const old = await trustedCheckpoint(bundle.oldCheckpoint, key, { ...trust, witnesses: [] }, problems);
  let ok = false;
  if (checkpoint && old) {
    if (old.size !== bundle.oldSize || old.root !== bundle.oldRoot) problems.push('oldSize/oldRoot are not those of the old checkpoint');
    if (checkpoint.size !== bundle.newSize || checkpoint.root !== bundle.newRoot) problems.push('newSize/newRoot are not those of the checkpoint');
    const proof = decodeProof(bundle.consistency);
    if (!proof) problems.push('a proof hash is not base64');
    else {
      ok = await verifyConsistency(old.size, checkpoint.size, proof, fromBase64(old.root), fromBase64(checkpoint.root));
      if (!ok) problems.push(`the tree of size ${old.size} is not shown to be a prefix of the tree of size ${checkpoint.size}`);
    }
  }
  return conclude('consistency', ok, checkpoint, old, key, trust, problems, []);
}

/** Either bundle, told apart by its fields. */
export function verifyBundle(bundle: InclusionBundle | ConsistencyBundle, trust: Trust = {}): Promise<VerificationReport> {
  return 'consistency' in bundle ? verifyConsistencyBundle(bundle, trust) : verifyInclusionBundle(bundle, trust);
}
