/**
 * One contract for every adapter of the key-store port (services/ledger/keys/key-store.ts). An
 * adapter's test file calls `keyStoreContract` with a factory that gives a fresh, empty place to
 * open stores at; opening twice there gives two connections, as two processes would have.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyMismatchError, MasterKeyRotatedError, slotOf, type MasterKeyReload, type DataKey, type Deletion, type IndexEntry, type KeyStore, type KeyWrapper } from '../../services/ledger/keys/key-store.js';
import { localKeyWrapper } from '../../services/ledger/keys/key-wrapper.js';

export interface KeyStorePlace {
  /** Opens (on first use: creates) the store at this place under `wrapper`; `reload` gives the keys to follow another's rotation with. */
  open(wrapper: KeyWrapper, reload?: MasterKeyReload): Promise<KeyStore>;
  dispose(): Promise<void> | void;
}

/** The bytes of a data key, kept: closing a store zeroes the keys it handed out. */
const bytesOf = (key: { key: Buffer }): Buffer => Buffer.from(key.key);
const entry = (subjectId: string, kind: string, value: string, source: IndexEntry['source'] = 'value'): IndexEntry => ({ subjectId, kind, value, source });
const later = (ms: number) => new Date(Date.now() + ms).toISOString();
const RETENTION = { milliseconds: 35 * 86_400_000 };

/** The port's calls as one question each, so each test reads as the behaviour it asks for. */
async function currentKey(store: KeyStore, subjectId: string, category: string | null = null, heldIn?: string): Promise<DataKey> {
  const keys = await store.sealingKeys([{ subjectId, category, ...(heldIn ? { heldIn } : {}) }]);
  return keys.get(slotOf(subjectId, category))!;
}
const keyById = async (store: KeyStore, kid: string) => (await store.keysById([kid])).get(kid) ?? null;
const erase = (store: KeyStore, subjectId: string, eventId: string) => store.applyUpkeep([{ step: 'erase', subjectId, eventId }]);
const applyDeletion = (store: KeyStore, deletion: Deletion) => store.applyUpkeep([{ step: 'delete', deletion }]);
const addToIndex = (store: KeyStore, ...entries: IndexEntry[]) => store.applyUpkeep(entries.map((e) => ({ step: 'index' as const, entry: e })));
const replaceIndexedValues = (store: KeyStore, subjectId: string, kind: string) => store.applyUpkeep([{ step: 'replace', subjectId, kind }]);

/** A wrapper that fails at its nth wrap: a key store's step that fails half-way. */
function failingAt(n: number, inner: KeyWrapper): KeyWrapper {
  let wraps = 0;
  return {
    wrap: (key, aad) => {
      if (++wraps === n) throw new Error('the token refused');
      return inner.wrap(key, aad);
    },
    unwrap: (wrapped, aad) => inner.unwrap(wrapped, aad),
  };
}

export function keyStoreContract(name: string, makePlace: () => KeyStorePlace | Promise<KeyStorePlace>): void {
  describe(`key store contract: ${name}`, () => {
    let place: KeyStorePlace;
    let wrapper: KeyWrapper;
    const opened: KeyStore[] = [];
    const open = async (using = wrapper, reload?: MasterKeyReload): Promise<KeyStore> => {
      const store = await place.open(using, reload);
      opened.push(store);
      return store;
    };
    beforeEach(async () => {
      place = await makePlace();
      wrapper = localKeyWrapper(randomBytes(32));
    });
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await place.dispose();
    });

    describe('data keys', () => {
      it("creates a subject's key once, one per category, and finds each by id", async () => {
        const store = await open();
        const own = await currentKey(store, 'u-1');
        expect((await currentKey(store, 'u-1')).kid).toBe(own.kid);
        const email = await currentKey(store, 'u-1', 'contact.email');
        expect(email.kid).not.toBe(own.kid);
        expect((await currentKey(store, 'u-1', 'contact.email')).kid).toBe(email.kid);
        expect((await currentKey(store, 'u-2')).kid).not.toBe(own.kid);
        expect(await keyById(store, own.kid)).toEqual(own.key);
        expect(await keyById(store, email.kid)).toEqual(email.key);
        expect(await keyById(store, 'no-such-kid')).toBeNull();
      });

      it('answers a batch of slots at once, the same slot twice with one key', async () => {
        const store = await open();
        const keys = await store.sealingKeys([
          { subjectId: 'u-1', category: null }, { subjectId: 'u-1', category: 'contact.email', heldIn: 'crm' },
          { subjectId: 'u-2', category: null }, { subjectId: 'u-1', category: 'contact.email', heldIn: 'user-db' },
        ]);
        expect(keys.size).toBe(3);
        expect(new Set([...keys.values()].map((k) => k.kid)).size).toBe(3);
        expect((await currentKey(store, 'u-1', 'contact.email')).kid).toBe(keys.get(slotOf('u-1', 'contact.email'))!.kid);
        const found = await store.keysById([...keys.values()].map((k) => k.kid));
        for (const key of keys.values()) expect(found.get(key.kid)).toEqual(key.key);
      });

      it('keeps its keys across a reopen, and refuses another master key without writing anything', async () => {
        const first = await open();
        const key = await currentKey(first, 'u-1');
        const bytes = bytesOf(key);
        await first.close();
        await expect(open(localKeyWrapper(randomBytes(32)))).rejects.toThrow(KeyMismatchError);
        expect(await keyById(await open(), key.kid)).toEqual(bytes);
      });

      it('leaves nothing of a batch that failed half-way: no key of it is found, and the next call makes its own', async () => {
        await (await open()).close(); // created under the plain wrapper: the failing one only fails new keys
        const store = await open(failingAt(2, wrapper));
        await expect(store.sealingKeys([{ subjectId: 'u-1', category: null }, { subjectId: 'u-2', category: null }])).rejects.toThrow('the token refused');
        const other = await open();
        const first = await currentKey(other, 'u-1');
        expect(await other.keysById([first.kid])).toEqual(new Map([[first.kid, first.key]]));
        expect((await currentKey(store, 'u-1')).kid).toBe(first.kid);
      });
    });

    describe('erasure', () => {
      it("destroys every key of the subject and its index entries, and nobody else's; again, nothing", async () => {
        const store = await open();
        const own = await currentKey(store, 'u-1');
        const email = await currentKey(store, 'u-1', 'contact.email');
        const other = await currentKey(store, 'u-2');
        await addToIndex(store, entry('u-1', 'email', 'a@example.cn'));
        expect(await erase(store, 'u-1', 'e-1')).toEqual({ destroyedKeys: 2 });
        expect([await keyById(store, own.kid), await keyById(store, email.kid)]).toEqual([null, null]);
        expect(await keyById(store, other.kid)).toEqual(other.key);
        expect(await store.findByIdentifier('email', 'a@example.cn')).toEqual([]);
        expect(await store.isErased('u-1')).toBe(true);
        expect(await store.isErased('u-2')).toBe(false);
        expect(await erase(store, 'u-1', 'e-1')).toEqual({ destroyedKeys: 0 });
        expect((await currentKey(store, 'u-1')).kid).not.toBe(own.kid);
      });

      it('applied again for the same erasure, destroys nothing made since: neither keys nor the entries of their values', async () => {
        const store = await open();
        const before = await currentKey(store, 'u-1');
        expect(await erase(store, 'u-1', 'e-1')).toEqual({ destroyedKeys: 1 });
        const after = await currentKey(store, 'u-1', 'contact.phone');
        await addToIndex(store, entry('u-1', 'phone', '+8613800001111'));
        expect(await erase(store, 'u-1', 'e-1')).toEqual({ destroyedKeys: 0 });
        expect(await keyById(store, before.kid)).toBeNull();
        expect(await keyById(store, after.kid)).toEqual(after.key);
        expect(await store.findByIdentifier('phone', '+8613800001111')).toEqual(['u-1']);
        // Another erasure of the subject is one of its own.
        expect(await erase(store, 'u-1', 'e-2')).toEqual({ destroyedKeys: 1 });
        expect(await store.findByIdentifier('phone', '+8613800001111')).toEqual([]);
      });

      it('is seen by another connection at its next use', async () => {
        const [first, second] = [await open(), await open()];
        const key = await currentKey(first, 'u-1');
        expect((await currentKey(second, 'u-1')).kid).toBe(key.kid);
        expect(await keyById(first, key.kid)).not.toBeNull();
        await erase(second, 'u-1', 'e-1');
        expect(await keyById(first, key.kid)).toBeNull();
        expect(await first.isErased('u-1')).toBe(true);
        expect((await currentKey(first, 'u-1')).kid).not.toBe(key.kid);
      });

      it('lists erased subjects by id, a page at a time, with their latest erasure', async () => {
        const store = await open();
        for (const subject of ['u-3', 'u-1', 'u-2']) await currentKey(store, subject);
        await erase(store, 'u-3', 'e-3');
        await erase(store, 'u-1', 'e-1');
        await currentKey(store, 'u-1');
        const first = (await store.erasedSubjects({ limit: 10 }))[0]!;
        await new Promise((resolve) => setTimeout(resolve, 5));
        await erase(store, 'u-1', 'e-1b');
        const page = await store.erasedSubjects({ limit: 1 });
        expect(page.map((s) => s.subjectId)).toEqual(['u-1']);
        expect(Date.parse(page[0]!.erasedAt)).toBeGreaterThan(Date.parse(first.erasedAt));
        expect((await store.erasedSubjects({ after: 'u-1', limit: 10 })).map((s) => s.subjectId)).toEqual(['u-3']);
      });

      it('gives two connections asking at once for a new slot the same key', async () => {
        const [first, second] = [await open(), await open()];
        const asked = await Promise.all(Array.from({ length: 8 }, (_, i) => currentKey(i % 2 === 0 ? first : second, 'u-race', 'contact.email')));
        expect(new Set(asked.map((k) => k.kid)).size).toBe(1);
      });
    });

    describe('deletion', () => {
      it('destroys a category key once no system holds it, with the index entries of its values; the rest stays', async () => {
        const store = await open();
        const phone = await currentKey(store, 'u-1', 'contact.phone', 'user-db');
        await currentKey(store, 'u-1', 'contact.phone', 'crm');
        const email = await currentKey(store, 'u-1', 'contact.email');
        await addToIndex(store, entry('u-1', 'phone', '+8613800001111'), entry('u-1', 'email', 'kept@example.cn'));
        const deletion = (systems: string[]) => ({ subjectId: 'u-1', categories: ['contact.phone'], systems, recordedAt: later(1000), eventId: 'd-1' });

        expect(await applyDeletion(store, deletion(['user-db']))).toEqual({ destroyedKeys: 0 });
        expect(await keyById(store, phone.kid)).toEqual(phone.key);
        expect(await store.findByIdentifier('phone', '+8613800001111')).toEqual(['u-1']);

        expect(await applyDeletion(store, deletion(['crm']))).toEqual({ destroyedKeys: 1 });
        expect(await keyById(store, phone.kid)).toBeNull();
        expect(await store.findByIdentifier('phone', '+8613800001111')).toEqual([]);
        expect(await keyById(store, email.kid)).toEqual(email.key);
        expect(await store.findByIdentifier('email', 'kept@example.cn')).toEqual(['u-1']);
        expect(await store.isErased('u-1')).toBe(false);
        expect(await applyDeletion(store, deletion(['crm']))).toEqual({ destroyedKeys: 0 });
      });

      it('never destroys a key newer than the deletion', async () => {
        const store = await open();
        const recordedAt = new Date(Date.now() - 60_000).toISOString();
        const phone = await currentKey(store, 'u-1', 'contact.phone');
        expect(await applyDeletion(store, { subjectId: 'u-1', categories: 'all', recordedAt, eventId: 'd-1' })).toEqual({ destroyedKeys: 0 });
        expect(await keyById(store, phone.kid)).toEqual(phone.key);
      });

      it('notes a system again after a deletion from it, seen from another connection', async () => {
        const [first, second] = [await open(), await open()];
        const phone = await currentKey(first, 'u-1', 'contact.phone', 'crm');
        await applyDeletion(second, { subjectId: 'u-1', categories: ['contact.phone'], systems: ['crm'], recordedAt: later(1000), eventId: 'd-1' });
        expect(await keyById(first, phone.kid)).toBeNull();
        const next = await currentKey(first, 'u-1', 'contact.phone', 'crm');
        await currentKey(first, 'u-1', 'contact.phone', 'user-db');
        await applyDeletion(second, { subjectId: 'u-1', categories: ['contact.phone'], systems: ['user-db'], recordedAt: later(2000), eventId: 'd-2' });
        expect(await keyById(first, next.kid)).toEqual(next.key);
      });
    });

    describe('blind index', () => {
      it('finds subjects by identifier, in id order, and only by the same kind and value', async () => {
        const store = await open();
        await addToIndex(store, entry('u-2', 'email', 'shared@example.cn'), entry('u-1', 'email', 'shared@example.cn', 'identifier'), entry('u-1', 'email', 'shared@example.cn'));
        expect(await store.findByIdentifier('email', 'shared@example.cn')).toEqual(['u-1', 'u-2']);
        expect(await store.findByIdentifier('phone', 'shared@example.cn')).toEqual([]);
        expect(await store.findByIdentifier('email', 'other@example.cn')).toEqual([]);
      });

      it('replaces the values of a kind, keeping what was given as an identifier', async () => {
        const store = await open();
        await addToIndex(store, entry('u-1', 'email', 'old@example.cn'), entry('u-1', 'email', 'both@example.cn'), entry('u-1', 'email', 'both@example.cn', 'identifier'),
          entry('u-1', 'phone', '+8613800001111'), entry('u-2', 'email', 'old@example.cn'));
        await replaceIndexedValues(store, 'u-1', 'email');
        expect(await store.findByIdentifier('email', 'old@example.cn')).toEqual(['u-2']);
        expect(await store.findByIdentifier('email', 'both@example.cn')).toEqual(['u-1']);
        expect(await store.findByIdentifier('phone', '+8613800001111')).toEqual(['u-1']);
        // The entry kept is an identifier now: a second replacement leaves it too.
        await replaceIndexedValues(store, 'u-1', 'email');
        expect(await store.findByIdentifier('email', 'both@example.cn')).toEqual(['u-1']);
      });

      it('tells which entries it does not know to be indexed, and forgets them when they go', async () => {
        const store = await open();
        const known = entry('u-1', 'email', 'a@example.cn');
        const unknown = entry('u-2', 'email', 'b@example.cn');
        await addToIndex(store, known);
        expect(await store.notIndexed([known, unknown])).toContainEqual(unknown);
        await replaceIndexedValues(store, 'u-1', 'email');
        expect(await store.notIndexed([known])).toEqual([known]);
      });

      it('clears, for a rebuild, with the index position back at 0', async () => {
        const store = await open();
        await addToIndex(store, entry('u-1', 'email', 'a@example.cn'));
        await store.applyUpkeep([], { part: 'index', through: 9 });
        await store.resetIndex();
        expect(await store.findByIdentifier('email', 'a@example.cn')).toEqual([]);
        expect(await store.notIndexed([entry('u-1', 'email', 'a@example.cn')])).toHaveLength(1);
        expect((await store.upkeepPosition()).index).toBe(0);
      });
    });

    describe('upkeep position', () => {
      it('starts at 0 for erasures and none for the index, and keeps each part apart across a reopen', async () => {
        const first = await open();
        expect(await first.upkeepPosition()).toEqual({ erasures: 0, index: null });
        await first.applyUpkeep([], { part: 'index', through: 7 });
        expect(await first.upkeepPosition()).toEqual({ erasures: 0, index: 7 });
        await first.applyUpkeep([], { part: 'erasures', through: 5 });
        await first.close();
        expect(await (await open()).upkeepPosition()).toEqual({ erasures: 5, index: 7 });
      });

      it('moves over appends only as far as they follow on without a gap, and never back', async () => {
        const store = await open();
        await store.applyUpkeep([], { part: 'index', through: 3 });
        await store.applyUpkeep([], { appended: [2, 1, 3, 5] });
        expect(await store.upkeepPosition()).toEqual({ erasures: 3, index: 3 });
        await store.applyUpkeep([], { appended: [4] });
        expect(await store.upkeepPosition()).toEqual({ erasures: 4, index: 4 });
        await store.applyUpkeep([], { part: 'erasures', through: 2 });
        expect((await store.upkeepPosition()).erasures).toBe(4);
      });
    });

    describe('master-key rotation', () => {
      it('re-wraps every key under the new master key: the old one no longer opens the store', async () => {
        const store = await open();
        const key = await currentKey(store, 'u-1');
        const bytes = bytesOf(key);
        await addToIndex(store, entry('u-1', 'email', 'a@example.cn'));
        const next = localKeyWrapper(randomBytes(32));
        expect((await store.rotateMaster(next, () => {}, RETENTION)).rewrapped).toBe(1);
        await store.close();
        await expect(open(wrapper)).rejects.toThrow(KeyMismatchError);
        const reopened = await open(next);
        expect(await keyById(reopened, key.kid)).toEqual(bytes);
        expect(await reopened.findByIdentifier('email', 'a@example.cn')).toEqual(['u-1']);
      });

      it('rolls back when the step before its commit fails: the old key still opens everything', async () => {
        const store = await open();
        const key = await currentKey(store, 'u-1');
        const bytes = bytesOf(key);
        await expect(store.rotateMaster(localKeyWrapper(randomBytes(32)), () => { throw new Error('the key file could not be written'); }, RETENTION)).rejects.toThrow('could not be written');
        await store.close();
        expect(await keyById(await open(wrapper), key.kid)).toEqual(bytes);
      });

      it('keeps one generation per master key: a rotation supersedes the current one, to be destroyed after the retention window', async () => {
        const store = await open();
        const [first] = await store.generations();
        expect(first).toMatchObject({ generation: 1, supersededAt: null, destroyAfter: null, destroyedAt: null });
        const before = Date.now();
        const next = localKeyWrapper(randomBytes(32));
        expect((await store.rotateMaster(next, () => {}, RETENTION)).generation).toBe(2);
        const third = localKeyWrapper(randomBytes(32));
        expect((await store.rotateMaster(third, () => {}, RETENTION)).generation).toBe(3);
        const generations = await store.generations();
        expect(generations.map((g) => [g.generation, g.supersededAt !== null, g.destroyedAt])).toEqual([[1, true, null], [2, true, null], [3, false, null]]);
        for (const g of generations.slice(0, 2)) {
          expect(Date.parse(g.supersededAt!)).toBeGreaterThanOrEqual(before - 1000);
          expect(Date.parse(g.destroyAfter!) - Date.parse(g.supersededAt!)).toBe(RETENTION.milliseconds);
        }
        await store.recordDestroyed(1);
        await store.recordDestroyed(1); // again: the first moment stays
        const destroyed = (await store.generations())[0]!.destroyedAt;
        expect(destroyed).not.toBeNull();
        await expect(store.recordDestroyed(3)).rejects.toThrow(/not a superseded/);
        await store.close();
        expect((await (await open(third)).generations())[0]!.destroyedAt).toBe(destroyed);
      });

      it('never wraps a new key under a generation another connection retired: it follows with the reloaded key, or refuses', async () => {
        const next = localKeyWrapper(randomBytes(32));
        const following = await open(wrapper, () => [{ wrapper: next, origin: 'the key file, read again' }]);
        const stale = await open(wrapper);
        const before = await currentKey(following, 'u-before');
        const rotating = await open();
        await rotating.rotateMaster(next, () => {}, RETENTION);

        const after = await currentKey(following, 'u-after');
        expect(await keyById(following, before.kid)).toEqual(before.key);
        await expect(currentKey(stale, 'u-stale')).rejects.toThrow(MasterKeyRotatedError);
        const fresh = await open(next);
        expect(await keyById(fresh, after.kid)).toEqual(after.key); // wrapped under the current generation
        expect(await keyById(fresh, before.kid)).toEqual(before.key);
      });

      it('leaves the generations as they were when a rotation rolls back', async () => {
        const store = await open();
        await expect(store.rotateMaster(localKeyWrapper(randomBytes(32)), () => { throw new Error('no'); }, RETENTION)).rejects.toThrow('no');
        expect((await store.generations()).map((g) => [g.generation, g.supersededAt])).toEqual([[1, null]]);
      });
    });
  });
}
