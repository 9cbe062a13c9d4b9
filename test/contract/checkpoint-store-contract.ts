/**
 * One contract for every adapter of the signed-checkpoint records port
 * (services/records/checkpoint-store.ts). A place opened twice gives two connections, as a signer
 * and a verifier on two hosts would have.
 */
import { describe, expect, it } from 'vitest';
import { storesPerTest } from './records-place.js';
import type { CheckpointStore, SignedCheckpoint } from '../../services/records/checkpoint-store.js';

export interface CheckpointPlace {
  open(): Promise<CheckpointStore>;
  /** Whether the adapter's tables exist (a reader must create none). */
  tablesExist(): Promise<boolean>;
  dispose(): Promise<void> | void;
}

const KEY = 'ledger.example.com/pdl+0a1b2c3d+AAAA';
const at = (size: number, root = `root-${size}`, signedAt = `2026-01-01T00:00:${String(size % 60).padStart(2, '0')}.000Z`): SignedCheckpoint =>
  ({ size, root, note: `ledger.example.com/pdl\n${size}\n${root}\n\n— sig ${size}\n`, signedAt });

export function checkpointStoreContract(name: string, makePlace: () => CheckpointPlace | Promise<CheckpointPlace>): void {
  describe(`signed-checkpoint records contract: ${name}`, () => {
    const { open, place } = storesPerTest<CheckpointStore, CheckpointPlace>(makePlace);

    it('reads an empty place as no checkpoint and no key, and creates nothing there', async () => {
      const store = await open();
      expect(await store.latest()).toBeNull();
      expect(await store.latestUpTo(10)).toBeNull();
      expect(await store.atSize(1)).toBeNull();
      expect(await store.all()).toEqual([]);
      expect(await store.storedAfter(-1)).toEqual([]);
      expect(await store.verifierKey()).toBeNull();
      expect(await place().tablesExist()).toBe(false);
    });

    it('what one connection keeps, the other reads: by size, the latest, the latest a tree of some size holds, all in order, the rows as stored and the key', async () => {
      const [signer, verifier] = [await open(), await open()];
      await signer.add([at(20), at(5)], KEY);
      await signer.add([at(12)]);
      expect(await verifier.latest()).toEqual(at(20));
      expect(await verifier.atSize(12)).toEqual(at(12));
      expect(await verifier.atSize(13)).toBeNull();
      expect(await verifier.latestUpTo(19)).toEqual(at(12));
      expect(await verifier.latestUpTo(12)).toEqual(at(12));
      expect(await verifier.latestUpTo(4)).toBeNull();
      expect((await verifier.all()).map((c) => c.size)).toEqual([5, 12, 20]);
      expect(await verifier.storedAfter(5)).toEqual([at(12), at(20)].map((c) => ({ size: c.size, root: c.root, note: c.note, signedAt: c.signedAt })));
      expect(await verifier.storedAfter(-1)).toHaveLength(3);
      expect(await verifier.verifierKey()).toBe(KEY);
    });

    it('keeps the first of two signers of one tree: the same size and root again changes nothing', async () => {
      const [one, two] = [await open(), await open()];
      await one.add([at(7)], KEY);
      await two.add([at(7, 'root-7', '2030-01-01T00:00:00.000Z')], KEY);
      expect(await one.all()).toEqual([at(7)]);
    });

    it('refuses another tree of a size kept (a fork) with CONFLICT, keeping nothing of that call, not even its key', async () => {
      const [one, two] = [await open(), await open()];
      await one.add([at(7)], KEY);
      await expect(two.add([at(9), at(7, 'another-root')], 'another+00000000+BBBB')).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await one.all()).toEqual([at(7)]);
      expect(await one.verifierKey()).toBe(KEY);
    });

    it('records the verifier key given last', async () => {
      const store = await open();
      await store.add([at(1)], KEY);
      await store.add([at(2)], 'rotated+11111111+CCCC');
      expect(await store.verifierKey()).toBe('rotated+11111111+CCCC');
    });
  });
}
