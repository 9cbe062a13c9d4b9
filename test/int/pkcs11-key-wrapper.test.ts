/**
 * The master key on a real PKCS#11 token (a throw-away SoftHSM2 token): generated there, never
 * extractable, wrapping and unwrapping data keys with their associated data bound in; the key
 * store works under it and refuses another token key.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecryptionError } from '../../services/ledger/crypto/aead.js';
import { KeyMismatchError, slotOf } from '../../services/ledger/keys/key-store.js';
import { Pkcs11Token } from '../../services/ledger/keys/pkcs11-key-wrapper.js';
import { SqliteKeyStore } from '../../services/ledger/keys/sqlite-key-store.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { softhsmMissing, softhsmModule, throwAwayToken } from '../fixtures/softhsm.js';

describe.skipIf(!softhsmModule)(`the master key on a PKCS#11 token${softhsmModule ? '' : ` (skipped: ${softhsmMissing})`}`, () => {
  let token: Pkcs11Token;
  beforeAll(() => {
    const made = throwAwayToken();
    process.env.SOFTHSM2_CONF = made.conf;
    token = Pkcs11Token.open({ module: made.module, token: made.token, pin: made.pin, keyLabel: 'pdl-master' });
  });
  afterAll(() => token?.close());

  it('wraps and unwraps a data key on the token, bound to its associated data; another key or aad opens nothing', () => {
    const master = token.wrapper(token.generateKey('pdl-master-a'));
    const other = token.wrapper(token.generateKey('pdl-master-b'));
    const dataKey = randomBytes(32);
    const wrapped = master.wrap(dataKey, 'pdl:data-key:u-1:k-1');
    expect(wrapped.length).toBe(12 + 32 + 16);
    expect(master.wrap(dataKey, 'pdl:data-key:u-1:k-1').equals(wrapped)).toBe(false); // a fresh nonce each time
    expect(master.unwrap(wrapped, 'pdl:data-key:u-1:k-1')).toEqual(dataKey);
    expect(() => master.unwrap(wrapped, 'pdl:data-key:u-2:k-1')).toThrow(DecryptionError);
    expect(() => other.unwrap(wrapped, 'pdl:data-key:u-1:k-1')).toThrow(DecryptionError);
    const altered = Buffer.from(wrapped);
    altered[20]! ^= 1;
    expect(() => master.unwrap(altered, 'pdl:data-key:u-1:k-1')).toThrow(DecryptionError);
  });

  it('generates the master key non-extractable: the token refuses to give its value', () => {
    const key = token.generateKey('pdl-master-export');
    expect(() => token.exportValue(key)).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
    expect(() => token.exportWrapped(key)).toThrow(/CKR_KEY_UNEXTRACTABLE/);
    expect(token.protection(key)).toEqual({ sensitive: true, extractable: false, neverExtractable: true, local: true });
    expect(token.findKey('pdl-master-export')).not.toBeNull();
    token.destroyKey(key);
    expect(token.findKey('pdl-master-export')).toBeNull();
  });

  it('is the key store\'s master key: keys made, reopened under the same token key, refused under another', async () => {
    const path = join(makeTempDir('p11-keys'), 'ledger.keys.db');
    const master = token.wrapper(token.findKey('pdl-master-a') ?? token.generateKey('pdl-master-a'));
    const first = SqliteKeyStore.open(path, [{ wrapper: master, origin: 'pkcs11:pdl-master-a' }]).store;
    const made = (await first.sealingKeys([{ subjectId: 'u-1', category: null }])).get(slotOf('u-1', null))!;
    const bytes = Buffer.from(made.key);
    await first.close();
    const again = SqliteKeyStore.open(path, [{ wrapper: master, origin: 'pkcs11:pdl-master-a' }]).store;
    expect((await again.keysById([made.kid])).get(made.kid)).toEqual(bytes);
    await again.close();
    const other = token.wrapper(token.findKey('pdl-master-b') ?? token.generateKey('pdl-master-b'));
    expect(() => SqliteKeyStore.open(path, [{ wrapper: other, origin: 'pkcs11:pdl-master-b' }])).toThrow(KeyMismatchError);
  });
});
