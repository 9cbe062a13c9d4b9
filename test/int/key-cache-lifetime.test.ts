/**
 * Unwrapped data keys are held in memory for a bounded time: within KEY_CACHE_MS a key is unwrapped
 * once, after it the key store asks the master key again (counted at the wrapper, a real AES-GCM
 * wrapper around a real SQLite key store; only the clock is moved).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { localKeyWrapper, type KeyWrapper } from '../../services/ledger/keys/key-wrapper.js';
import { KEY_CACHE_MS, SqliteKeyStore } from '../../services/ledger/keys/sqlite-key-store.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';

describe('the key cache lifetime', () => {
  afterEach(() => vi.useRealTimers());

  it('unwraps a key again once it has been held KEY_CACHE_MS, and not before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const local = localKeyWrapper(randomBytes(32));
    let unwraps = 0;
    const counting: KeyWrapper = { wrap: (plain, aad) => local.wrap(plain, aad), unwrap: (wrapped, aad) => { unwraps += 1; return local.unwrap(wrapped, aad); } };
    const path = join(makeTempDir('key-cache'), 'ledger.keys.db');
    const made = SqliteKeyStore.open(path, [{ wrapper: counting, origin: 'test' }]).store;
    const kid = [...(await made.sealingKeys([{ subjectId: 'u-cache', category: 'contact' }])).values()][0]!.kid;
    await made.close();

    const store = SqliteKeyStore.open(path, [{ wrapper: counting, origin: 'test' }]).store;
    try {
      const opened = unwraps;
      const first = (await store.keysById([kid])).get(kid);
      expect(first).toBeInstanceOf(Buffer);
      expect(unwraps - opened).toBe(1);
      vi.setSystemTime(Date.now() + KEY_CACHE_MS - 1_000);
      expect((await store.keysById([kid])).get(kid)).toEqual(first);
      expect(unwraps - opened).toBe(1);
      vi.setSystemTime(Date.now() + 2_000);
      expect((await store.keysById([kid])).get(kid)).toEqual(first);
      expect(unwraps - opened).toBe(2);
    } finally {
      await store.close();
    }
  });
});
