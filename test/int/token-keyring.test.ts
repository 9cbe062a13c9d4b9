/**
 * Master-key generations on a real PKCS#11 token (a throw-away SoftHSM2 token): a rotation makes
 * the next generation's key on the token; a backup of the key store taken before it opens while
 * the retired key is kept, and yields nothing once the window has passed and the key is destroyed
 * there; another process follows the rotation through the token.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenKeyring } from '../../services/composition/token-keyring.js';
import { KeyMismatchError, slotOf } from '../../services/ledger/keys/key-store.js';
import { Pkcs11Token, type TokenConfig } from '../../services/ledger/keys/pkcs11-key-wrapper.js';
import { SqliteKeyStore } from '../../services/ledger/keys/sqlite-key-store.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { softhsmMissing, softhsmModule, throwAwayToken } from '../fixtures/softhsm.js';

const WINDOW = { milliseconds: 60_000 };

describe.skipIf(!softhsmModule)(`master-key generations on a PKCS#11 token${softhsmModule ? '' : ` (skipped: ${softhsmMissing})`}`, () => {
  let token: Pkcs11Token;
  let config: Omit<TokenConfig, 'keyLabel'>;
  beforeAll(() => {
    const made = throwAwayToken();
    process.env.SOFTHSM2_CONF = made.conf;
    config = { module: made.module, token: made.token, pin: made.pin };
    token = Pkcs11Token.open({ ...config, keyLabel: 'unused' });
  });
  afterAll(() => token?.close());

  const labels = (keyring: TokenKeyring) => keyring.keys().map((key) => key.label);

  it('rotates into a key made on the token; a backup from before opens until the retired key is destroyed there, then yields nothing', async () => {
    const keyring = new TokenKeyring(token, { ...config, keyLabel: 'ledger-a' });
    const dir = makeTempDir('token-generations');
    const path = join(dir, 'ledger.keys.db');
    const backup = join(dir, 'backup.keys.db');
    const first = keyring.first();
    expect(first.createdNow).toBe(true);
    const made = SqliteKeyStore.open(path, [first.candidate]).store;
    const key = (await made.sealingKeys([{ subjectId: 'u-1', category: null }])).get(slotOf('u-1', null))!;
    const bytes = Buffer.from(key.key);
    await made.close();
    copyFileSync(path, backup);

    const live = SqliteKeyStore.open(path, keyring.candidates(), () => keyring.candidates()).store;
    const rotated = await keyring.rotate(live, WINDOW);
    expect(rotated).toEqual({ rewrapped: 1, generation: 2, retired: 1, origin: `pkcs11:token=${config.token};object=ledger-a.g2` });
    expect(labels(keyring)).toEqual(['ledger-a.g2', 'ledger-a']);
    expect((await live.keysById([key.kid])).get(key.kid)).toEqual(bytes);
    // Opened anew, with only the new generation's key: every data key was re-wrapped under it.
    const newest = keyring.candidates()[0]!;
    const reopened = SqliteKeyStore.open(path, [newest]);
    expect((await reopened.store.keysById([key.kid])).get(key.kid)).toEqual(bytes);
    await reopened.store.close();

    // Within the window the backup still opens: the window is real.
    const old = SqliteKeyStore.open(backup, keyring.candidates()).store;
    expect((await old.keysById([key.kid])).get(key.kid)).toEqual(bytes);
    await old.close();
    expect(await keyring.reconcile(live)).toEqual({ destroyed: [], operatorToDestroy: [] });
    expect(labels(keyring)).toEqual(['ledger-a.g2', 'ledger-a']);

    const after = new Date(Date.now() + WINDOW.milliseconds + 1_000);
    expect(await keyring.reconcile(live, after)).toEqual({ destroyed: [1], operatorToDestroy: [] });
    expect(labels(keyring)).toEqual(['ledger-a.g2']);
    expect((await live.generations())[0]!.destroyedAt).not.toBeNull();
    expect(() => SqliteKeyStore.open(backup, keyring.candidates())).toThrow(KeyMismatchError);
    expect((await live.keysById([key.kid])).get(key.kid)).toEqual(bytes);
    expect(await keyring.reconcile(live, after)).toEqual({ destroyed: [], operatorToDestroy: [] });
    await live.close();
  });

  it('another process follows a rotation through the token: keys it makes after are wrapped under the new generation', async () => {
    const keyring = new TokenKeyring(token, { ...config, keyLabel: 'ledger-b' });
    const path = join(makeTempDir('token-follow'), 'ledger.keys.db');
    const first = SqliteKeyStore.open(path, [keyring.first().candidate]).store;
    await first.sealingKeys([{ subjectId: 'u-0', category: null }]);
    await first.close();
    const rotator = SqliteKeyStore.open(path, keyring.candidates(), () => keyring.candidates()).store;
    const other = SqliteKeyStore.open(path, keyring.candidates(), () => keyring.candidates()).store;
    await keyring.rotate(rotator, WINDOW);
    const late = (await other.sealingKeys([{ subjectId: 'u-late', category: null }])).get(slotOf('u-late', null))!;
    const bytes = Buffer.from(late.key);
    await Promise.all([rotator.close(), other.close()]);
    const onlyNew = SqliteKeyStore.open(path, [keyring.candidates()[0]!]).store;
    expect((await onlyNew.keysById([late.kid])).get(late.kid)).toEqual(bytes);
    await onlyNew.close();
  });

  it('a key of the next generation left by a rotation that never committed is used, not doubled; other labels are not this ledger\'s', async () => {
    const keyring = new TokenKeyring(token, { ...config, keyLabel: 'ledger-c' });
    const path = join(makeTempDir('token-stray'), 'ledger.keys.db');
    const store = SqliteKeyStore.open(path, [keyring.first().candidate]).store;
    token.generateKey('ledger-c.g2');
    token.generateKey('ledger-c.gx');
    token.generateKey('ledger-cc');
    expect(labels(keyring)).toEqual(['ledger-c.g2', 'ledger-c']);
    const made = (await store.sealingKeys([{ subjectId: 'u-1', category: null }])).get(slotOf('u-1', null))!;
    const bytes = Buffer.from(made.key);
    await keyring.rotate(store, WINDOW);
    expect(labels(keyring)).toEqual(['ledger-c.g2', 'ledger-c']);
    await store.close();
    const again = SqliteKeyStore.open(path, [keyring.candidates()[0]!]).store;
    expect((await again.keysById([made.kid])).get(made.kid)).toEqual(bytes);
    await again.close();
  });
});
