/**
 * The standalone proof verifier: checks an inclusion or consistency bundle (README "Proofs")
 * with nothing but WebCrypto (SHA-256, Ed25519), so the same files run in Node and in a browser;
 * it imports nothing outside this folder (bytes.ts, rfc9162.ts: RFC 9162 §2.1.3.2 inclusion and
 * §2.1.4.2 consistency; signed-note.ts: C2SP tlog-checkpoint text in a C2SP signed-note, Ed25519).
 */

// Types only (erased when compiled): the verifier imports nothing outside its folder, and the bundles' shape is
// written once, in schemas/proof-bundle.ts (zod), which `pdl verify-proof` parses bundles with first.
import type { ConsistencyBundle, InclusionBundle } from '../../../schemas/proof-bundle.js';
export type { ConsistencyBundle, InclusionBundle, InclusionEntry } from '../../../schemas/proof-bundle.js';
type InclusionEntry = InclusionBundle['entries'][number];
import { fromBase64, type Bytes } from './bytes.js';
import { hashLeaf, verifyConsistency, verifyInclusion } from './rfc9162.js';
import { openCosignature, openNote, parseCheckpoint, parseVerifierKey, parseWitnessKey, type Checkpoint, type VerifierKey } from './signed-note.js';
export * from './bytes.js';
export * from './rfc9162.js';
export * from './signed-note.js';

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
