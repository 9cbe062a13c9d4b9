import { describe, expect, it } from 'vitest';
import { backupReach } from '../../services/ledger/keys/erasure-reach.js';
import type { MasterGeneration } from '../../services/ledger/keys/key-store.js';

const g = (generation: number, createdAt: string, supersededAt: string | null, destroyAfter: string | null, destroyedAt: string | null = null): MasterGeneration =>
  ({ generation, createdAt, supersededAt, destroyAfter, destroyedAt });

describe('when an erasure reaches every backup', () => {
  const generations = [
    g(1, '2026-01-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', '2026-04-05T00:00:00.000Z', '2026-04-05T00:00:01.000Z'),
    g(2, '2026-03-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z', '2026-07-06T00:00:00.000Z'),
    g(3, '2026-06-01T00:00:00.000Z', null, null),
  ];

  it('is the destruction of the generation current at the erasure, complete once it and every earlier one are destroyed', () => {
    expect(backupReach('2026-02-10T00:00:00.000Z', generations)).toEqual({ generation: 1, unreadableFrom: '2026-04-05T00:00:00.000Z', complete: true });
    expect(backupReach('2026-03-01T00:00:00.000Z', generations)).toEqual({ generation: 2, unreadableFrom: '2026-07-06T00:00:00.000Z', complete: false });
  });

  it('waits for a rotation while the generation is still current', () => {
    expect(backupReach('2026-06-02T00:00:00.000Z', generations)).toEqual({ generation: 3, unreadableFrom: null, complete: false });
  });

  it('is not complete while an earlier generation is kept, whatever the later ones', () => {
    const kept = [g(1, '2026-01-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', '2026-04-05T00:00:00.000Z'), { ...generations[1]!, destroyedAt: '2026-07-06T00:00:01.000Z' }, generations[2]!];
    expect(backupReach('2026-05-01T00:00:00.000Z', kept)).toMatchObject({ generation: 2, complete: false });
  });
});
