/**
 * The proof bundles (README "Proofs"): what `pdl prove` and the API's proof fields answer, and
 * what `pdl verify-proof` and the standalone verifier read. Outside verifiers are built against
 * `schemas/json/inclusion-bundle.schema.json` and `consistency-bundle.schema.json`.
 */
import * as z from 'zod';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'standard base64');
const hash = base64.length(44).describe('a 32-byte SHA-256 hash in standard base64');
const note = z.string().min(1).max(8192).describe('a C2SP tlog-checkpoint, signed as a C2SP signed-note (Ed25519)');
const verifierKey = z.string().min(1).max(512).describe('the note verifier key: <name>+<8 hex key hash>+<base64(0x01 ‖ Ed25519 public key)>');
const size = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const InclusionEntry = z.strictObject({
  eventId: z.string().min(1).max(200),
  position: size.min(1),
  leafIndex: size.describe('position − 1'),
  leaf: base64.describe('the leaf bytes: the RFC 8785 canonical JSON of {position, stream, revision, recordedAt, event} as stored (values sealed)'),
  inclusion: z.array(hash).max(64).describe('the RFC 9162 §2.1.3 inclusion path, leaf side first'),
});

export const InclusionBundle = z.strictObject({
  checkpoint: note,
  verifierKey,
  entries: z.array(InclusionEntry).min(1).max(1000),
}).meta({ title: 'InclusionBundle', description: 'Events of the ledger and their RFC 9162 inclusion proofs against one signed checkpoint.' });

export const ConsistencyBundle = z.strictObject({
  checkpoint: note,
  oldCheckpoint: note,
  verifierKey,
  oldSize: size,
  newSize: size,
  oldRoot: hash,
  newRoot: hash,
  consistency: z.array(hash).max(128).describe('the RFC 9162 §2.1.4 consistency proof'),
}).meta({ title: 'ConsistencyBundle', description: 'Proof that the tree of an older signed checkpoint is a prefix of a newer one.' });

export const ProofBundle = z.union([ConsistencyBundle, InclusionBundle]);
export type InclusionBundle = z.infer<typeof InclusionBundle>;
export type ConsistencyBundle = z.infer<typeof ConsistencyBundle>;
export type InclusionEntry = z.infer<typeof InclusionEntry>;
export type ProofBundle = z.infer<typeof ProofBundle>;
