/**
 * Two writers on one key store (an ingest process and an API replica sharing the data volume):
 * an erasure by one is seen by the other at its next use, never later. Two real connections to
 * a real file, which is what two processes are to SQLite.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { afterEach, describe, expect, it } from 'vitest';
import { slotOf, type KeyStore } from '../../services/ledger/keys/key-store.js';
import { localKeyWrapper } from '../../services/ledger/keys/key-wrapper.js';
import { SqliteKeyStore } from '../../services/ledger/keys/sqlite-key-store.js';

const currentKey = async (store: KeyStore, subjectId: string) => (await store.sealingKeys([{ subjectId, category: null }])).get(slotOf(subjectId, null))!;
const keyById = async (store: KeyStore, kid: string) => (await store.keysById([kid])).get(kid) ?? null;

describe('a key store shared by two writers', () => {
  const open: KeyStore[] = [];
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });

  it("drops a cached key as soon as the other writer erases its subject", async () => {
    const path = join(makeTempDir('keys'), 'ledger.keys.db');
    const master = [{ wrapper: localKeyWrapper(randomBytes(32)), origin: 'test' }];
    const [first, second] = [SqliteKeyStore.open(path, master).store, SqliteKeyStore.open(path, master).store];
    open.push(first, second);

    const before = await currentKey(first, 'u-1');
    expect((await currentKey(second, 'u-1')).kid).toBe(before.kid); // the other writer finds the same key, not a second one
    expect(await keyById(first, before.kid)).not.toBeNull();

    await second.applyUpkeep([{ step: 'erase', subjectId: 'u-1', eventId: 'e-1' }]);

    expect(await keyById(first, before.kid)).toBeNull();
    const after = await currentKey(first, 'u-1');
    expect(after.kid).not.toBe(before.kid);
    expect(await first.isErased('u-1')).toBe(true);
  });
});
