/**
 * One contract for every adapter of the key-store port (services/ledger/keys/key-store.ts). An
 * adapter's test file calls `keyStoreContract` with a factory that gives a fresh, empty place to
 * open stores at; opening twice there gives two connections, as two processes would have.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyMismatchError, type IndexEntry, type KeyStore, type KeyWrapper } from '../../services/ledger/keys/key-store.js';
import { localKeyWrapper } from '../../services/ledger/keys/key-wrapper.js';

export interface KeyStorePlace {
  /** Opens (on first use: creates) the store at this place under `wrapper`. */
  open(wrapper: KeyWrapper): KeyStore;
  dispose(): void;
}

/** The bytes of a data key, kept: closing a store zeroes the keys it handed out. */
const bytesOf = (key: { key: Buffer }): Buffer => Buffer.from(key.key);
const entry = (subjectId: string, kind: string, value: string, source: IndexEntry['source'] = 'value'): IndexEntry => ({ subjectId, kind, value, source });
const later = (ms: number) => new Date(Date.now() + ms).toISOString();
export function keyStoreContract(name: string, makePlace: () => KeyStorePlace): void {
  describe(`key store contract: ${name}`, () => {
    let place: KeyStorePlace;
    let wrapper: KeyWrapper;
    const opened: KeyStore[] = [];
    const open = (using = wrapper): KeyStore => {
      const store = place.open(using);
      opened.push(store);
      return store;
    };
    beforeEach(() => {
      place = makePlace();
      wrapper = localKeyWrapper(randomBytes(32));
    });
    afterEach(() => {
      opened.splice(0).forEach((store) => store.close());
      place.dispose();
    });

    describe('data keys', () => {
      it("creates a subject's key once, one per category, and finds each by id", () => {
        const store = open();
        const own = store.currentKey('u-1');
        expect(store.currentKey('u-1').kid).toBe(own.kid);
        const email = store.currentKey('u-1', 'contact.email');
        expect(email.kid).not.toBe(own.kid);
        expect(store.currentKey('u-1', 'contact.email').kid).toBe(email.kid);
        expect(store.currentKey('u-2').kid).not.toBe(own.kid);
        expect(store.keyById(own.kid)).toEqual(own.key);
        expect(store.keyById(email.kid)).toEqual(email.key);
        expect(store.keyById('no-such-kid')).toBeNull();
      });

      it('derives one digest key per data key', () => {
        const store = open();
        const a = store.currentKey('u-1');
        const b = store.currentKey('u-2');
        expect(store.digestKey(a)).toEqual(store.digestKey(a));
        expect(store.digestKey(a)).not.toEqual(store.digestKey(b));
        expect(store.digestKey(a)).not.toEqual(a.key);
      });

      it('keeps its keys across a reopen, and refuses another master key without writing anything', () => {
        const first = open();
        const key = first.currentKey('u-1');
        const bytes = bytesOf(key);
        first.close();
        expect(() => open(localKeyWrapper(randomBytes(32)))).toThrow(KeyMismatchError);
        expect(open().keyById(key.kid)).toEqual(bytes);
      });

      it('leaves nothing of a transaction that failed: a key created in it is found nowhere', () => {
        const store = open();
        let created = '';
        expect(() => store.inTransaction(() => {
          created = store.currentKey('u-1').kid;
          throw new Error('the batch failed');
        })).toThrow('the batch failed');
        expect(store.keyById(created)).toBeNull();
        expect(store.currentKey('u-1').kid).not.toBe(created);
        expect(open().keyById(created)).toBeNull();
      });
    });

    describe('erasure', () => {
      it("destroys every key of the subject and its index entries, and nobody else's; again, nothing", () => {
        const store = open();
        const own = store.currentKey('u-1');
        const email = store.currentKey('u-1', 'contact.email');
        const other = store.currentKey('u-2');
        store.addToIndex(entry('u-1', 'email', 'a@example.cn'));
        expect(store.erase('u-1', 'e-1')).toEqual({ destroyedKeys: 2 });
        expect([store.keyById(own.kid), store.keyById(email.kid)]).toEqual([null, null]);
        expect(store.keyById(other.kid)).toEqual(other.key);
        expect(store.findByIdentifier('email', 'a@example.cn')).toEqual([]);
        expect(store.isErased('u-1')).toBe(true);
        expect(store.isErased('u-2')).toBe(false);
        expect(store.erase('u-1', 'e-1')).toEqual({ destroyedKeys: 0 });
        expect(store.currentKey('u-1').kid).not.toBe(own.kid);
      });

      it('applied again for the same erasure, destroys nothing made since: neither keys nor the entries of their values', () => {
        const store = open();
        const before = store.currentKey('u-1');
        expect(store.erase('u-1', 'e-1')).toEqual({ destroyedKeys: 1 });
        const after = store.currentKey('u-1', 'contact.phone');
        store.addToIndex(entry('u-1', 'phone', '+8613800001111'));
        expect(store.erase('u-1', 'e-1')).toEqual({ destroyedKeys: 0 });
        expect(store.keyById(before.kid)).toBeNull();
        expect(store.keyById(after.kid)).toEqual(after.key);
        expect(store.findByIdentifier('phone', '+8613800001111')).toEqual(['u-1']);
        // Another erasure of the subject is one of its own.
        expect(store.erase('u-1', 'e-2')).toEqual({ destroyedKeys: 1 });
        expect(store.findByIdentifier('phone', '+8613800001111')).toEqual([]);
      });

      it('is seen by another connection at its next use', () => {
        const [first, second] = [open(), open()];
        const key = first.currentKey('u-1');
        expect(second.currentKey('u-1').kid).toBe(key.kid);
        expect(first.keyById(key.kid)).not.toBeNull();
        second.erase('u-1', null);
        expect(first.keyById(key.kid)).toBeNull();
        expect(first.isErased('u-1')).toBe(true);
        expect(first.currentKey('u-1').kid).not.toBe(key.kid);
      });
    });

    describe('deletion', () => {
      it('destroys a category key once no system holds it, with the index entries of its values; the rest stays', () => {
        const store = open();
        const phone = store.currentKey('u-1', 'contact.phone');
        const email = store.currentKey('u-1', 'contact.email');
        store.heldIn(phone, 'user-db');
        store.heldIn(phone, 'crm');
        store.addToIndex(entry('u-1', 'phone', '+8613800001111'));
        store.addToIndex(entry('u-1', 'email', 'kept@example.cn'));
        const deletion = (systems: string[]) => ({ subjectId: 'u-1', categories: ['contact.phone'], systems, recordedAt: later(1000), eventId: 'd-1' });

        expect(store.applyDeletion(deletion(['user-db']))).toEqual({ destroyedKeys: 0 });
        expect(store.keyById(phone.kid)).toEqual(phone.key);
        expect(store.findByIdentifier('phone', '+8613800001111')).toEqual(['u-1']);

        expect(store.applyDeletion(deletion(['crm']))).toEqual({ destroyedKeys: 1 });
        expect(store.keyById(phone.kid)).toBeNull();
        expect(store.findByIdentifier('phone', '+8613800001111')).toEqual([]);
        expect(store.keyById(email.kid)).toEqual(email.key);
        expect(store.findByIdentifier('email', 'kept@example.cn')).toEqual(['u-1']);
        expect(store.isErased('u-1')).toBe(false);
        expect(store.applyDeletion(deletion(['crm']))).toEqual({ destroyedKeys: 0 });
      });

      it('never destroys a key newer than the deletion', () => {
        const store = open();
        const recordedAt = new Date(Date.now() - 60_000).toISOString();
        const phone = store.currentKey('u-1', 'contact.phone');
        expect(store.applyDeletion({ subjectId: 'u-1', categories: 'all', recordedAt, eventId: 'd-1' })).toEqual({ destroyedKeys: 0 });
        expect(store.keyById(phone.kid)).toEqual(phone.key);
      });
    });

    describe('blind index', () => {
      it('finds subjects by identifier, in id order, and only by the same kind and value', () => {
        const store = open();
        store.addToIndex(entry('u-2', 'email', 'shared@example.cn'));
        store.addToIndex(entry('u-1', 'email', 'shared@example.cn', 'identifier'));
        store.addToIndex(entry('u-1', 'email', 'shared@example.cn'));
        expect(store.findByIdentifier('email', 'shared@example.cn')).toEqual(['u-1', 'u-2']);
        expect(store.findByIdentifier('phone', 'shared@example.cn')).toEqual([]);
        expect(store.findByIdentifier('email', 'other@example.cn')).toEqual([]);
      });

      it('replaces the values of a kind, keeping what was given as an identifier', () => {
        const store = open();
        store.addToIndex(entry('u-1', 'email', 'old@example.cn'));
        store.addToIndex(entry('u-1', 'email', 'both@example.cn'));
        store.addToIndex(entry('u-1', 'email', 'both@example.cn', 'identifier'));
        store.addToIndex(entry('u-1', 'phone', '+8613800001111'));
        store.addToIndex(entry('u-2', 'email', 'old@example.cn'));
        store.replaceIndexedValues('u-1', 'email');
        expect(store.findByIdentifier('email', 'old@example.cn')).toEqual(['u-2']);
        expect(store.findByIdentifier('email', 'both@example.cn')).toEqual(['u-1']);
        expect(store.findByIdentifier('phone', '+8613800001111')).toEqual(['u-1']);
        // The entry kept is an identifier now: a second replacement leaves it too.
        store.replaceIndexedValues('u-1', 'email');
        expect(store.findByIdentifier('email', 'both@example.cn')).toEqual(['u-1']);
      });

      it('tells which entries it does not know to be indexed, and forgets them when they go', () => {
        const store = open();
        const known = entry('u-1', 'email', 'a@example.cn');
        const unknown = entry('u-2', 'email', 'b@example.cn');
        store.addToIndex(known);
        expect(store.notIndexed([known, unknown])).toEqual([unknown]);
        store.replaceIndexedValues('u-1', 'email');
        expect(store.notIndexed([known])).toEqual([known]);
      });

      it('clears, for a rebuild', () => {
        const store = open();
        store.addToIndex(entry('u-1', 'email', 'a@example.cn'));
        store.clearIndex();
        expect(store.findByIdentifier('email', 'a@example.cn')).toEqual([]);
        expect(store.notIndexed([entry('u-1', 'email', 'a@example.cn')])).toHaveLength(1);
      });
    });

    describe('upkeep position', () => {
      it('starts at 0 for erasures and none for the index, and keeps each part apart across a reopen', () => {
        const first = open();
        expect(first.upkeepPosition()).toEqual({ erasures: 0, index: null });
        first.setUpkeepPosition({ index: 7 });
        expect(first.upkeepPosition()).toEqual({ erasures: 0, index: 7 });
        first.setUpkeepPosition({ erasures: 5 });
        first.close();
        expect(open().upkeepPosition()).toEqual({ erasures: 5, index: 7 });
      });
    });

    describe('master-key rotation', () => {
      it('re-wraps every key under the new master key: the old one no longer opens the store', () => {
        const store = open();
        const key = store.currentKey('u-1');
        const bytes = bytesOf(key);
        store.addToIndex(entry('u-1', 'email', 'a@example.cn'));
        const next = localKeyWrapper(randomBytes(32));
        expect(store.rotateMaster(next, () => {}).rewrapped).toBe(1);
        store.close();
        expect(() => open(wrapper)).toThrow(KeyMismatchError);
        const reopened = open(next);
        expect(reopened.keyById(key.kid)).toEqual(bytes);
        expect(reopened.findByIdentifier('email', 'a@example.cn')).toEqual(['u-1']);
      });

      it('rolls back when the step before its commit fails: the old key still opens everything', () => {
        const store = open();
        const key = store.currentKey('u-1');
        const bytes = bytesOf(key);
        expect(() => store.rotateMaster(localKeyWrapper(randomBytes(32)), () => { throw new Error('the key file could not be written'); })).toThrow('could not be written');
        store.close();
        expect(open(wrapper).keyById(key.kid)).toEqual(bytes);
      });
    });
  });
}
