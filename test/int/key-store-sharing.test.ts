/**
 * Two writers on one key store (an ingest process and an API replica sharing the data volume):
 * an erasure by one is seen by the other at its next use, never later. Two real connections to
 * a real file, which is what two processes are to SQLite.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyStore } from '../../services/ledger/keys/key-store.js';
import { localKeyWrapper } from '../../services/ledger/keys/key-wrapper.js';
import { SqliteKeyStore } from '../../services/ledger/keys/sqlite-key-store.js';

describe('a key store shared by two writers', () => {
  const open: KeyStore[] = [];
  afterEach(() => open.splice(0).forEach((store) => store.close()));

  it("drops a cached key as soon as the other writer erases its subject", () => {
    const path = join(makeTempDir('keys'), 'ledger.keys.db');
    const master = [{ wrapper: localKeyWrapper(randomBytes(32)), origin: 'test' }];
    const [first, second] = [SqliteKeyStore.open(path, master).store, SqliteKeyStore.open(path, master).store];
    open.push(first!, second!);

    const before = first!.currentKey('u-1');
    expect(second!.currentKey('u-1').kid).toBe(before.kid); // the other writer finds the same key, not a second one
    expect(first!.keyById(before.kid)).not.toBeNull();

    second!.erase('u-1', null);

    expect(first!.keyById(before.kid)).toBeNull();
    const after = first!.currentKey('u-1');
    expect(after.kid).not.toBe(before.kid);
    expect(first!.isErased('u-1')).toBe(true);
  });
});
