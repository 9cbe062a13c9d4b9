/**
 * The tree, its proofs and the note format against published vectors (test/fixtures/vectors/,
 * each file names its source): RFC 6962 hashes and proofs from transparency-dev/merkle, and Go's
 * reference signed note. Both our prover (node:crypto) and the standalone verifier (WebCrypto) are held to them.
 */
import { describe, expect, it } from 'vitest';
import { CompactRange } from '../../services/merkle/compact-range.js';
import { EMPTY_ROOT, leafHash, type NodeReader } from '../../services/merkle/rfc6962.js';
import { consistencyProof, inclusionPath, inclusionPaths, rootOf } from '../../services/merkle/stored-tree-proofs.js';
import { parseSignerKey } from '../../services/proofs/note-signer.js';
import {
  fromBase64, hashLeaf, openCosignature, openNote, parseCheckpoint, parseVerifierKey, parseWitnessKey, splitNote, verifyConsistency, verifyInclusion, type Bytes,
} from '../../services/proofs/verifier/verify-proof.js';
import rfc6962 from '../fixtures/vectors/rfc6962.json' with { type: 'json' };
import note from '../fixtures/vectors/signed-note.json' with { type: 'json' };
import cosignature from '../fixtures/vectors/cosignature.json' with { type: 'json' };

const bytes = (hex: string): Bytes => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (buffers: readonly Buffer[]) => buffers.map((b) => b.toString('hex'));

/** The vectors' first `count` leaves appended to a compact range whose visitor keeps every node, as the tree projection does. */
function treeOf(count: number): { range: CompactRange; node: NodeReader; root(size?: number): Buffer } {
  const nodes = new Map<string, Buffer>();
  const range = new CompactRange();
  for (const leaf of rfc6962.leaves.slice(0, count)) range.append(leafHash(Buffer.from(leaf, 'hex')), (level, index, hash) => nodes.set(`${level}/${index}`, hash));
  const node: NodeReader = (level, index) => {
    const hash = nodes.get(`${level}/${index}`);
    if (!hash) throw new RangeError(`no node (${level}, ${index})`);
    return hash;
  };
  return { range, node, root: (size = count) => rootOf(node, size) };
}

describe('the Merkle tree against the RFC 6962 vectors', () => {
  it('has the published root at every size from 0 to 8', () => {
    expect(treeOf(0).root().toString('hex')).toBe(rfc6962.emptyRoot);
    expect(EMPTY_ROOT.toString('hex')).toBe(rfc6962.emptyRoot);
    for (let size = 1; size <= 8; size += 1) expect(treeOf(8).root(size).toString('hex'), `size ${size}`).toBe(rfc6962.roots[size - 1]);
  });

  it('gives, from the compact range alone, the root the stored nodes give, and restores the range from them', () => {
    for (let size = 0; size <= 8; size += 1) {
      const tree = treeOf(size);
      expect(tree.range.root().toString('hex'), `size ${size}`).toBe(size === 0 ? rfc6962.emptyRoot : rfc6962.roots[size - 1]);
      const restored = CompactRange.restore(size, treeOf(8).node);
      expect(restored.size).toBe(size);
      expect(restored.root().toString('hex'), `restored at ${size}`).toBe(tree.range.root().toString('hex'));
      if (size < 8) {
        restored.append(leafHash(Buffer.from(rfc6962.leaves[size]!, 'hex')));
        expect(restored.root().toString('hex'), `restored at ${size}, then one more`).toBe(rfc6962.roots[size]);
      }
    }
  });

  it('shows the visitor each node an append completes, leaf first, and only those', () => {
    const seen: string[] = [];
    const range = new CompactRange();
    for (const leaf of rfc6962.leaves.slice(0, 4)) range.append(leafHash(Buffer.from(leaf, 'hex')), (level, index) => seen.push(`${level}/${index}`));
    expect(seen).toEqual(['0/0', '0/1', '1/0', '0/2', '0/3', '1/1', '2/0']);
  });

  it.each(rfc6962.inclusion)('gives the published inclusion path of leaf $leaf in a tree of $size', ({ leaf, size, proof }) => {
    expect(hex(inclusionPath(treeOf(8).node, leaf - 1, size))).toEqual(proof);
  });

  it('gives many leaves\' paths at once as the published ones, reading each stored node once', () => {
    const tree = treeOf(8);
    for (const size of [5, 6, 7, 8]) {
      const cases = rfc6962.inclusion.filter((c) => c.size === size);
      const paths = inclusionPaths(tree.node, cases.map((c) => c.leaf - 1), size);
      expect(paths.map(hex), `size ${size}`).toEqual(cases.map((c) => c.proof));
    }
    // Every leaf of a tree of 7 (the ragged right edge hashed for each path, alone): the same paths, each node read once.
    const reads: string[] = [];
    const counted: NodeReader = (level, index) => {
      reads.push(`${level}/${index}`);
      return tree.node(level, index);
    };
    const leaves = [0, 1, 2, 3, 4, 5, 6];
    expect(inclusionPaths(counted, leaves, 7).map(hex)).toEqual(leaves.map((leaf) => hex(inclusionPath(tree.node, leaf, 7))));
    expect(reads.length).toBe(new Set(reads).size);
    reads.length = 0;
    for (const leaf of leaves) inclusionPath(counted, leaf, 7);
    expect(reads.length).toBeGreaterThan(new Set(reads).size);
  });

  it.each(rfc6962.consistency)('gives the published consistency proof from $size1 to $size2', ({ size1, size2, proof }) => {
    expect(hex(consistencyProof(treeOf(8).node, size1, size2))).toEqual(proof);
  });
});

describe('the standalone verifier against the RFC 6962 vectors', () => {
  it.each(rfc6962.inclusion)('accepts the published path of leaf $leaf in $size, and no corruption of it', async ({ leaf, size, proof }) => {
    const hash = await hashLeaf(bytes(rfc6962.leaves[leaf - 1]!));
    const root = bytes(rfc6962.roots[size - 1]!);
    const path = proof.map(bytes);
    expect(await verifyInclusion(leaf - 1, size, hash, path, root)).toBe(true);
    // The corruptions transparency-dev/merkle probes: wrong index, size, leaf, root; extra, missing, flipped hashes.
    const wrongs: [number, number, Bytes, Bytes[], Bytes][] = [
      [leaf, size, hash, path, root], [leaf - 2, size, hash, path, root], [leaf - 1, size * 2, hash, path, root],
      [leaf - 1, Math.floor(size / 2), hash, path, root], [leaf - 1, size, await hashLeaf(bytes('ff')), path, root],
      [leaf - 1, size, hash, path, bytes(rfc6962.emptyRoot)], [leaf - 1, size, hash, [...path, root], root],
      [leaf - 1, size, hash, [root, ...path], root],
      ...path.map((_, i): [number, number, Bytes, Bytes[], Bytes] => [leaf - 1, size, hash, path.map((p, j) => (j === i ? flip(p) : p)), root]),
      ...(path.length > 0 ? [[leaf - 1, size, hash, path.slice(0, -1), root] as [number, number, Bytes, Bytes[], Bytes]] : []),
    ];
    for (const [index, n, h, p, r] of wrongs) expect(await verifyInclusion(index, n, h, p, r)).toBe(false);
  });

  it.each(rfc6962.consistency)('accepts the published proof from $size1 to $size2, and no corruption of it', async ({ size1, size2, proof }) => {
    const [root1, root2] = [bytes(rfc6962.roots[size1 - 1]!), bytes(rfc6962.roots[size2 - 1]!)];
    const path = proof.map(bytes);
    expect(await verifyConsistency(size1, size2, path, root1, root2)).toBe(true);
    if (path.length === 0) return;
    const wrongs: [number, number, Bytes[], Bytes, Bytes][] = [
      [size1 - 1, size2, path, root1, root2], [size1 + 1, size2, path, root1, root2], [size1, size2 * 2, path, root1, root2],
      [size1, size2, path, root2, root1], [size1, size2, [], root1, root2], [size1, size2, [...path, root1], root1, root2],
      [size1, size2, [root2, ...path], root1, root2], [size1, size2, path.slice(0, -1), root1, root2],
      ...path.map((_, i): [number, number, Bytes[], Bytes, Bytes] => [size1, size2, path.map((p, j) => (j === i ? flip(p) : p)), root1, root2]),
    ];
    for (const [a, b, p, r1, r2] of wrongs) expect(await verifyConsistency(a, b, p, r1, r2)).toBe(false);
  });
});

describe('signed notes against Go\'s reference note', () => {
  it('our signer, given Go\'s key, writes Go\'s note byte for byte (Ed25519 is deterministic)', () => {
    const signer = parseSignerKey(note.signerKey, 'the vector');
    expect(signer.verifierKey).toBe(note.verifierKey);
    expect(signer.sign(note.text)).toBe(note.note);
  });

  it('the verifier opens Go\'s note with its key, and refuses a changed text, another key or a mangled key', async () => {
    const key = await parseVerifierKey(note.verifierKey);
    expect(await openNote(note.note, key)).toBe(note.text);
    await expect(openNote(note.note.replace('cryptography', 'cryptographY'), key)).rejects.toThrow(/does not verify/);
    const other = parseSignerKey('PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'x');
    expect(other.verifierKey).toBe(note.verifierKey);
    await expect(parseVerifierKey(note.verifierKey.replace('c74f20a3', 'c74f20a4'))).rejects.toThrow(/hash does not match/);
    await expect(parseVerifierKey(note.verifierKey.replace('PeterNeumann', 'PaulNeumann'))).rejects.toThrow(/hash does not match/);
  });

  it('reads a checkpoint\'s origin, size, root and extension lines, and refuses malformed ones', () => {
    const root = Buffer.from(rfc6962.roots[7]!, 'hex').toString('base64');
    expect(parseCheckpoint(`example.com/log\n8\n${root}\nx-ext\n`)).toEqual({ origin: 'example.com/log', size: 8, root, extensions: ['x-ext'] });
    for (const bad of [`example.com/log\n08\n${root}\n`, `example.com/log\n8\n${root}`, `\n8\n${root}\n`, 'example.com/log\n8\nAAAA\n']) {
      expect(() => parseCheckpoint(bad), JSON.stringify(bad)).toThrow();
    }
    expect(fromBase64(root)).toHaveLength(32);
  });
});

describe('cosignatures (C2SP tlog-cosignature) against transparency-dev/formats', () => {
  it('reads the published witness key (type 0x04 key hash) and a key whose base64 holds a "+"', async () => {
    const witness = await parseWitnessKey(cosignature.witnessKey);
    expect(witness.name).toBe('remora.n621.de');
    expect(witness.keyHash.toString(16)).toBe('da77ade7');
    await expect(parseVerifierKey(cosignature.witnessKey)).rejects.toThrow(/type 0x01/);
    expect((await parseVerifierKey(cosignature.plusKey)).name).toBe('TEST');
  });

  it('finds the published timestamp in a cosignature line, and does not take it for another witness\'s', async () => {
    const line = `x\n1\n${Buffer.alloc(32).toString('base64')}\n\n\u2014 remora.n621.de ${cosignature.signature}\n`;
    const [signature] = splitNote(line).signatures;
    // Its first four bytes are another key's hash (0x646846b9): the published test signs with a key of its own.
    expect(signature!.keyHash.toString(16)).toBe('646846b9');
    expect(Number(new DataView(signature!.signature.buffer, signature!.signature.byteOffset).getBigUint64(0))).toBe(cosignature.timestamp);
    await expect(openCosignature(line, await parseWitnessKey(cosignature.witnessKey))).rejects.toThrow(/no cosignature by the witness remora/);
  });
});

function flip(hash: Bytes): Bytes {
  const copy = new Uint8Array(hash);
  copy[0] = copy[0]! ^ 8;
  return copy;
}
