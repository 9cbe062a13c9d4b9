import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../services/store/digest.js';

interface Vector { name: string; input: string; output: string }
const { cases } = JSON.parse(readFileSync(new URL('../fixtures/vectors/rfc8785.json', import.meta.url), 'utf8')) as { cases: Vector[] };

describe('canonical JSON (RFC 8785) against the RFC author\'s published test data', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, vector) => {
    expect(canonicalJson(JSON.parse(vector.input) as object)).toBe(vector.output);
  });

  it('sorts keys by UTF-16 code units, not by code points or locale', () => {
    // U+1F602 is stored as the surrogates D83D DE02, which sort before U+FB33.
    expect(canonicalJson({ '\ufb33': 1, '\u{1f602}': 2 })).toBe('{"\u{1f602}":2,"\ufb33":1}');
  });

  it('writes -0 as 0 and refuses what has no JSON form', () => {
    expect(canonicalJson([-0])).toBe('[0]');
    expect(() => canonicalJson([Number.NaN])).toThrow();
    expect(() => canonicalJson({ a: Number.POSITIVE_INFINITY })).toThrow();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => canonicalJson(circular)).toThrow();
  });
});
