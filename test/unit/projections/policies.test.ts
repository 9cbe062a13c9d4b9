/** Published policy versions, and which one is in force when: the same answer from the table and from the rows folded in memory. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, policyAt, policyFrom } from '../../../projections/policies/policy-in-force.js';
import { policies } from '../../../projections/policies/policies.js';
import { defaultPolicy } from '../../../schemas/default-policy.js';
import { anEvent } from '../../fixtures/events.js';
import { keyedSpecification } from '../../fixtures/projection-specification.js';

const publish = (version: string, occurredAt: string, effectiveFrom?: string, required = defaultPolicy.consent.required) => anEvent('PolicyPublished', {
  occurredAt, data: { version, effectiveFrom, policy: { ...structuredClone(defaultPolicy), consent: { ...defaultPolicy.consent, required } } },
});

describe('policies', () => {
  it('in force: the latest effectiveFrom not after the moment (else the publication time); before any, the built-in default', () => {
    const v1 = publish('1', '2026-01-01T00:00:00Z');
    const v2 = publish('2', '2026-03-01T00:00:00Z', '2026-06-01T00:00:00Z');
    keyedSpecification(policies).given([v1]).when([v2]).then(({ db, rows }) => {
      for (const inForce of [(at: string) => policyAt(db, at), (at: string) => policyFrom(rows, at)]) {
        expect(inForce('2025-12-31T23:59:59.999Z')).toBe(DEFAULT_POLICY);
        expect(inForce('2026-01-01T00:00:00.000Z')).toMatchObject({ version: '1', eventId: v1.id });
        expect(inForce('2026-05-31T23:59:59.999Z').version).toBe('1');
        expect(inForce('2026-06-01T00:00:00.000Z')).toMatchObject({ version: '2', eventId: v2.id });
      }
    });
  });

  it('two versions from the same moment: the later publication wins; a version published again with new content is read with it', () => {
    const a = publish('a', '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z');
    const b = publish('b', '2026-01-02T00:00:00Z', '2026-06-01T00:00:00Z');
    const aAgain = publish('a', '2026-01-03T00:00:00Z', '2026-06-01T00:00:00Z', []);
    keyedSpecification(policies).given([a, b]).when([aAgain]).then(({ db, rows, state }) => {
      expect(state('a')).toMatchObject({ eventId: aAgain.id, effectiveFrom: '2026-06-01T00:00:00.000Z', lastPosition: 3 });
      for (const inForce of [policyAt(db, '2026-07-01T00:00:00.000Z'), policyFrom(rows, '2026-07-01T00:00:00.000Z')]) {
        expect(inForce.version).toBe('a');
        expect(inForce.document.consent.required).toEqual([]);
      }
    });
  });
});
