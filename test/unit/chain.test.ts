import { describe, expect, it } from 'vitest';
import { chainedLeaf, GENESIS_HASH } from '../../services/ledger/chain.js';
import { chainedContent, linkHash } from '../fixtures/chain-reference.js';
import { canonicalJson, sha256Hex } from '../../services/store/digest.js';

const body = (n: number) => ({
  id: `0190b6b0-0000-7000-8000-${String(n).padStart(12, '0')}`, type: 'DataCollected', occurredAt: '2026-01-01T00:00:00.000Z',
  subject: { id: `s-${n}`, identifiers: [{ kind: 'email', value: { enc: 'A256GCM', kid: 'k', ct: 'Zm9v' } }] },
  data: { categories: ['contact.email'], 'ü\u{1f602}': 'x"\\\n', nested: { b: [1.5, -0, 1e21], a: null } },
});

describe('the chained leaf, written out around the body text', () => {
  const cases = [
    { position: 1, stream: 'subject-s-1', revision: 0, recordedAt: '2026-01-01T00:00:00.000Z', body: body(1) },
    { position: 987_654_321, stream: 'subject-"quoted"\u2028\\', revision: 41, recordedAt: '2026-11-29T20:00:00.123Z', body: body(2) },
  ];

  it.each(cases.map((c) => [c.stream, c] as const))('is the canonical JSON of the chained content (%s)', (_stream, event) => {
    expect(chainedLeaf(event)).toBe(canonicalJson(chainedContent(event)));
  });

  it('is what the chain hashes after the previous hash', () => {
    const event = { ...cases[0]!, id: 'e', type: 'DataCollected', digest: 'sha256:x' };
    expect(linkHash(null, event)).toBe(sha256Hex(Buffer.from(GENESIS_HASH, 'hex'), canonicalJson(chainedContent(event))));
  });
});
