/**
 * One contract for every adapter of the witness records port (services/records/witness-store.ts).
 * A place opened twice gives two connections, as two witness processes would have.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { storesPerTest } from './records-place.js';
import type { SeenLog, WitnessStore } from '../../services/records/witness-store.js';

export interface WitnessPlace {
  open(): Promise<WitnessStore>;
  /** Whether two stores opened here (two processes) decide one at a time too, not only calls on one store. */
  readonly sharedAcrossProcesses: boolean;
  dispose(): Promise<void> | void;
}

const LOG = 'ledger.example.com/pdl+0a1b2c3d+AAAA';
const seenAt = (size: number): SeenLog => ({ origin: 'ledger.example.com/pdl', size, root: `root-${size}`, note: `note ${size}\n` });

/** A decision that reads the size seen, waits (another decision could run now), and keeps the next size. */
const grow = (store: WitnessStore) => store.decide(async (logs) => {
  const size = logs.get(LOG)?.size ?? 0;
  await sleep(30);
  return { keep: { logKey: LOG, seen: seenAt(size + 1) }, result: size };
});

export function witnessStoreContract(name: string, makePlace: () => WitnessPlace | Promise<WitnessPlace>): void {
  describe(`witness records contract: ${name}`, () => {
    const { open, place } = storesPerTest<WitnessStore, WitnessPlace>(makePlace);

    it('starts with nothing seen; what a decision keeps, the next decision (through another connection) sees', async () => {
      const [one, two] = [await open(), await open()];
      expect(await one.decide(async (logs) => ({ result: logs.size }))).toBe(0);
      expect(await one.decide(async () => ({ keep: { logKey: LOG, seen: seenAt(20) }, result: 'kept' }))).toBe('kept');
      await one.decide(async () => ({ keep: { logKey: 'other.example/pdl+00000000+BBBB', seen: { ...seenAt(3), origin: 'other.example/pdl' } }, result: null }));
      const seen = await two.decide(async (logs) => ({ result: new Map(logs) }));
      expect(seen.get(LOG)).toEqual(seenAt(20));
      expect(seen.size).toBe(2);
      await two.decide(async () => ({ keep: { logKey: LOG, seen: seenAt(25) }, result: null }));
      expect(await one.decide(async (logs) => ({ result: logs.get(LOG) }))).toEqual(seenAt(25));
    });

    it('keeps nothing of a decision that throws (a refusal)', async () => {
      const store = await open();
      await store.decide(async () => ({ keep: { logKey: LOG, seen: seenAt(20) }, result: null }));
      await expect(store.decide(async () => {
        throw new Error('refused: a split view');
      })).rejects.toThrow('split view');
      expect(await store.decide(async (logs) => ({ result: logs.get(LOG)?.size }))).toBe(20);
    });

    it('takes decisions one at a time: none decides on what another is about to replace', async () => {
      const store = await open();
      const sizes = await Promise.all([grow(store), grow(store), grow(store)]);
      expect(sizes.sort()).toEqual([0, 1, 2]);
    });

    it('one at a time across processes sharing the store, where the adapter is for several hosts', async (context) => {
      if (!place().sharedAcrossProcesses) return context.skip();
      const [one, two, three] = [await open(), await open(), await open()];
      const sizes = await Promise.all([grow(one), grow(two), grow(three)]);
      expect(sizes.sort()).toEqual([0, 1, 2]);
      expect(await one.decide(async (logs) => ({ result: logs.get(LOG)?.size }))).toBe(3);
    });
  });
}
