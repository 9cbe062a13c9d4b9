/**
 * One contract for every adapter of the API-key records port (services/records/api-key-store.ts).
 * A place opened twice gives two connections, as two servers on two hosts would have: what one
 * keeps or revokes, the other sees at its next call.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { storesPerTest } from './records-place.js';
import type { ApiKeyStore, StoredApiKey } from '../../services/records/api-key-store.js';

export interface ApiKeyPlace {
  open(): Promise<ApiKeyStore>;
  /** Edits a kept key's role behind the adapter's back, as someone with the database could. */
  setRole(id: string, role: string): Promise<void>;
  dispose(): Promise<void> | void;
}

const aKey = (id: string, role: StoredApiKey['role'] = 'auditor', createdAt = new Date().toISOString()): StoredApiKey & { token: string } => {
  const token = `pdl_${id}_${randomBytes(8).toString('hex')}`;
  return { id, role, hash: createHash('sha256').update(token).digest(), label: `for ${id}`, createdAt, token };
};

export function apiKeyStoreContract(name: string, makePlace: () => ApiKeyPlace | Promise<ApiKeyPlace>): void {
  describe(`API-key records contract: ${name}`, () => {
    const { open, place } = storesPerTest<ApiKeyStore, ApiKeyPlace>(makePlace);

    it('answers an empty store: no key, no list, nothing to revoke', async () => {
      const store = await open();
      expect(await store.byHash(randomBytes(32))).toBeNull();
      expect(await store.list()).toEqual([]);
      expect(await store.remove('nope')).toBe(false);
    });

    it('a key kept through one connection is found by its hash through another, and listed without its hash', async () => {
      const [one, two] = [await open(), await open()];
      const key = aKey('a1', 'dpo');
      await one.add(key);
      expect(await two.byHash(key.hash)).toEqual({ id: 'a1', role: 'dpo' });
      expect(await two.byHash(createHash('sha256').update(`${key.token}x`).digest())).toBeNull();
      expect(await two.list()).toEqual([{ id: 'a1', role: 'dpo', label: 'for a1', createdAt: key.createdAt }]);
    });

    it('lists oldest first', async () => {
      const store = await open();
      await store.add(aKey('b2', 'admin', '2026-01-02T00:00:00.000Z'));
      await store.add(aKey('b1', 'producer', '2026-01-01T00:00:00.000Z'));
      await store.add({ ...aKey('b3'), label: null, createdAt: '2026-01-03T00:00:00.000Z' });
      const listed = await store.list();
      expect(listed.map((k) => k.id)).toEqual(['b1', 'b2', 'b3']);
      expect(listed[2]!.label).toBeNull();
    });

    it('a key revoked through one connection is refused through the other at once', async () => {
      const [one, two] = [await open(), await open()];
      const key = aKey('c1');
      await one.add(key);
      expect(await two.byHash(key.hash)).not.toBeNull();
      expect(await one.remove('c1')).toBe(true);
      expect(await two.byHash(key.hash)).toBeNull();
      expect(await two.remove('c1')).toBe(false);
      expect(await two.list()).toEqual([]);
    });

    it('refuses a second key with the same id, or the same hash, with CONFLICT', async () => {
      const store = await open();
      const key = aKey('d1');
      await store.add(key);
      await expect(store.add({ ...aKey('d1'), hash: randomBytes(32) })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(store.add({ ...aKey('d2'), hash: key.hash })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.list()).map((k) => k.id)).toEqual(['d1']);
    });

    it('grants nothing to a row whose role was edited to one the ledger does not know', async () => {
      const store = await open();
      const key = aKey('e1', 'auditor');
      await store.add(key);
      await place().setRole('e1', 'superuser');
      await expect(store.byHash(key.hash)).rejects.toMatchObject({ code: 'TAMPERED' });
      await expect(store.list()).rejects.toMatchObject({ code: 'TAMPERED' });
    });
  });
}
