/**
 * A witness (C2SP tlog-witness, tlog-cosignature): it keeps the latest checkpoint it saw of each
 * log (a log is its verifier key: origin and public key), checks that every new one is consistent with it — the log only grew — and only then
 * cosigns it. A log that shows one history to some and another to others cannot get both
 * cosigned by the same witness. What it saw is kept in its records (services/records/witness-store.ts):
 * a small JSON file (0600), or PostgreSQL for a witness on several hosts.
 */
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { WitnessStore } from '../records/witness-store.js';
import { checkKeyName, formatSignerKey, keyHash, parseSignerKey } from './note-signer.js';
import {
  cosignedMessage, openNote, parseCheckpoint, parseVerifierKey, verifyConsistencyBundle, type Checkpoint, type ConsistencyBundle,
} from './verifier/verify-proof.js';

const COSIGNATURE_V1 = 0x04;

export class WitnessError extends ValidationError {}

/** A witness key: a Go-format Ed25519 note key; its cosignatures use the cosignature/v1 key hash (type 0x04). */
export function witnessFromKey(text: string, what: string) {
  const signer = parseSignerKey(text, what);
  const hash = keyHash(signer.name, signer.publicKey, COSIGNATURE_V1);
  return {
    name: signer.name,
    /** Publish this: verifiers pin it (`pdl verify-proof --witness`). */
    verifierKey: `${signer.name}+${hash.toString('hex')}+${Buffer.concat([Buffer.of(COSIGNATURE_V1), signer.publicKey]).toString('base64')}`,
    /** The note with this witness's cosignature line added. */
    cosign(note: string, timestamp: number): string {
      const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
      const stamp = Buffer.alloc(8);
      stamp.writeBigUInt64BE(BigInt(timestamp));
      const signature = signer.signBytes(Buffer.from(cosignedMessage(timestamp, text)));
      return `${note}\u2014 ${signer.name} ${Buffer.concat([hash, stamp, signature]).toString('base64')}\n`;
    },
  };
}

export const newWitnessKey = (name: string): string => formatSignerKey(checkKeyName(name), randomBytes(32));

/**
 * Cosigns `checkpoint` (a log's signed note) if it is the first seen of its origin, or if `proof`
 * shows the last one seen is a prefix of it. Returns the cosigned note.
 */
export async function witness(options: {
  state: WitnessStore; key: ReturnType<typeof witnessFromKey>; logKey: string; checkpoint: string; proof?: ConsistencyBundle; now?: Date;
}): Promise<{ note: string; checkpoint: Checkpoint; first: boolean }> {
  const logKey = await parseVerifierKey(options.logKey);
  const checkpoint = parseCheckpoint(await openNote(options.checkpoint, logKey).catch((error: unknown) => {
    throw new WitnessError(`the checkpoint is not signed by the log key: ${error instanceof Error ? error.message : String(error)}`);
  }));
  if (checkpoint.origin !== logKey.name) {
    throw new WitnessError(`the checkpoint claims origin "${checkpoint.origin}" but is signed by the key of "${logKey.name}": a log's origin is its key's name, refused`);
  }
  const first = await options.state.decide(async (logs) => {
    const seen = logs.get(options.logKey);
    const sameOrigin = [...logs].find(([key, log]) => log.origin === checkpoint.origin && key !== options.logKey);
    if (sameOrigin) throw new WitnessError(`the log ${checkpoint.origin} was first seen with another key (${sameOrigin[0].split('+').slice(0, 2).join('+')}): refused`);
    if (seen && checkpoint.size < seen.size) throw new WitnessError(`the log ${checkpoint.origin} was seen at size ${seen.size}: a checkpoint of size ${checkpoint.size} goes back`);
    if (seen && checkpoint.size === seen.size && checkpoint.root !== seen.root) {
      throw new WitnessError(`the log ${checkpoint.origin} shows two different trees of size ${seen.size}: a split view, refused`);
    }
    if (seen && checkpoint.size > seen.size) {
      if (!options.proof) throw new WitnessError(`a consistency proof from size ${seen.size} is needed (pdl prove --from-size ${seen.size})`);
      if (options.proof.oldSize !== seen.size || options.proof.oldRoot !== seen.root || options.proof.newRoot !== checkpoint.root || options.proof.newSize !== checkpoint.size) {
        throw new WitnessError(`the consistency proof is not from the tree this witness saw (size ${seen.size}) to this checkpoint`);
      }
      const report = await verifyConsistencyBundle(options.proof, { verifierKey: options.logKey, origin: checkpoint.origin });
      if (!report.ok) throw new WitnessError(`the log did not only grow since size ${seen.size}: ${report.problems.join('; ')}`);
    }
    return { keep: { logKey: options.logKey, seen: { origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root, note: options.checkpoint } }, result: !seen };
  });
  const timestamp = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return { note: options.key.cosign(options.checkpoint, timestamp), checkpoint, first };
}
