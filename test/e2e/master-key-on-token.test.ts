/**
 * The ledger with its master key on a PKCS#11 token (a throw-away SoftHSM2 token), through the
 * real binary: the key is generated on the token at the first start, values are sealed and opened
 * through it, no master key file is ever written, a server starts without one in its data folder,
 * and without the token's PIN nothing opens.
 */
import { createPublicKey, verify } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pkcs11Token } from '../../services/ledger/keys/pkcs11-key-wrapper.js';
import { registration } from '../fixtures/events.js';
import { softhsmMissing, softhsmModule, throwAwayToken } from '../fixtures/softhsm.js';
import { startPdlServer } from './pdl-server.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';

describe.skipIf(!softhsmModule)(`the master key on a PKCS#11 token${softhsmModule ? '' : ` (skipped: ${softhsmMissing})`}`, () => {
  it('seals and opens through the token, writes no master key file, and opens nothing without the PIN', async () => {
    const token = throwAwayToken();
    const env = { SOFTHSM2_CONF: token.conf, PDL_PKCS11_MODULE: token.module, PDL_PKCS11_TOKEN: token.token, PDL_PKCS11_PIN: token.pin };
    const dir = tempDir('token-ledger');
    const db = join(dir, 'ledger.db');
    const recorded = await runPdl(['--db', db, 'record', '-'], { input: ndjson([registration('u-token', 'token@example.cn', '+8613800004444')]), env });
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stderr).toContain(`generated a master key on the token (pkcs11:token=${token.token};object=pdl-master), non-extractable`);
    const revealed = await runPdl(['--db', db, 'events', '--subject', 'u-token', '--reveal', '--json'], { env });
    expect(revealed.code, revealed.stderr).toBe(0);
    expect(revealed.stdout).toContain('token@example.cn');
    expect(readdirSync(dir).filter((name) => name.includes('master'))).toEqual([]);

    const wrongPin = await runPdl(['--db', db, 'events', '--subject', 'u-token', '--reveal'], { env: { ...env, PDL_PKCS11_PIN: '000000' } });
    expect(wrongPin.code).toBe(2);
    expect(wrongPin.stderr).toMatch(/PIN .* was refused/);
    const pinFile = join(tempDir('token-pin'), 'token.pin');
    writeFileSync(pinFile, `${token.pin}\n`, { mode: 0o600 });
    const byPinFile = await runPdl(['--db', db, 'events', '--subject', 'u-token', '--reveal', '--json'], { env: { ...env, PDL_PKCS11_PIN: undefined, PDL_PKCS11_PIN_FILE: pinFile } });
    expect(byPinFile.stdout, byPinFile.stderr).toContain('token@example.cn');
    const noPinFile = await runPdl(['--db', db, 'events', '--subject', 'u-token', '--reveal'], { env: { ...env, PDL_PKCS11_PIN: undefined, PDL_PKCS11_PIN_FILE: `${pinFile}.missing` } });
    expect(noPinFile.code).toBe(2);
    expect(noPinFile.stderr).toContain('could not be read (ENOENT)');
    const noToken = await runPdl(['--db', db, 'events', '--subject', 'u-token', '--reveal']);
    expect(noToken.code).toBe(2);
    expect(noToken.stdout).not.toContain('token@example.cn');

    const server = await startPdlServer({ db, embeddedKeys: false, env, globalArgs: ['--signing-key', join(tempDir('token-signing'), 's.key')] });
    try {
      expect(readdirSync(dir).filter((name) => name.includes('master'))).toEqual([]);
      expect(existsSync(join(dir, 'ledger.keys.db'))).toBe(true);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);

  it('rotates the master key into a new key on the token; the retired one is destroyed there after the window, and a backup from before then opens nothing', async () => {
    const token = throwAwayToken();
    process.env.SOFTHSM2_CONF = token.conf;
    const env = { SOFTHSM2_CONF: token.conf, PDL_PKCS11_MODULE: token.module, PDL_PKCS11_TOKEN: token.token, PDL_PKCS11_PIN: token.pin, PDL_PKCS11_KEY: 'ledger' };
    const dir = tempDir('token-rotation');
    const db = join(dir, 'ledger.db');
    expect((await runPdl(['--db', db, 'record', '-'], { input: ndjson([registration('u-rot', 'rot@example.cn', '+8613800005555')]), env })).code).toBe(0);
    // A backup of the whole folder, taken before the rotation.
    const backupDir = tempDir('token-rotation-backup');
    for (const name of readdirSync(dir)) copyFileSync(join(dir, name), join(backupDir, name));
    const backupDb = join(backupDir, 'ledger.db');

    const rotated = await runPdl(['--db', db, 'keys', 'rotate-master', '--backup-retention', 'PT3S'], { env });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain(`re-wrapped under generation 2, a key generated on the token (pkcs11:token=${token.token};object=ledger.g2)`);
    expect(readdirSync(dir).filter((name) => name.includes('master'))).toEqual([]);
    expect(labelsOn(token)).toEqual(['ledger', 'ledger.g2']);
    const reveal = (folderDb: string) => runPdl(['--db', folderDb, 'events', '--subject', 'u-rot', '--reveal', '--json'], { env });
    expect((await reveal(db)).stdout).toContain('rot@example.cn');
    // Within the window the backup still opens under the retired key: the window is real.
    expect((await reveal(backupDb)).stdout).toContain('rot@example.cn');
    // The backup's own start must not destroy anything: its key store records generation 1 as current.
    expect(labelsOn(token)).toEqual(['ledger', 'ledger.g2']);

    await new Promise((resolve) => setTimeout(resolve, 3_500));
    // The next start of the live ledger destroys the retired key on the token, and records it.
    const status = await runPdl(['--db', db, 'keys', 'status', '--json'], { env });
    expect(status.code, status.stderr).toBe(0);
    const generations = (JSON.parse(status.stdout) as { generations: Array<{ generation: number; destroyedAt: string | null }> }).generations;
    expect(generations.map((g) => [g.generation, g.destroyedAt !== null])).toEqual([[1, true], [2, false]]);
    expect(labelsOn(token)).toEqual(['ledger.g2']);
    expect((await reveal(db)).stdout).toContain('rot@example.cn');
    const fromBackup = await reveal(backupDb);
    expect(fromBackup.code).not.toBe(0);
    expect(fromBackup.stdout).not.toContain('rot@example.cn');
  }, 120_000);

  it('keeps the signing key on the token too: checkpoints signed there verify under the published key, and nothing secret is in the data folder', async () => {
    const token = throwAwayToken();
    const env = { SOFTHSM2_CONF: token.conf, PDL_PKCS11_MODULE: token.module, PDL_PKCS11_TOKEN: token.token, PDL_PKCS11_PIN: token.pin, PDL_PKCS11_SIGNING_KEY: 'pdl-signing' };
    const dir = tempDir('token-signing');
    const db = join(dir, 'ledger.db');
    const init = await runPdl(['--db', db, 'init', '--origin', 'ledger.example.com/token'], { env });
    expect(init.code, init.stderr).toBe(0);
    const verifierKey = init.stdout.trim().split('\n').at(-1)!;
    expect(verifierKey).toMatch(/^ledger\.example\.com\/token\+[0-9a-f]{8}\+/);
    expect((await runPdl(['--db', db, 'record', '-'], { input: ndjson([registration('u-sign', 'sign@example.cn', '+8613800006666')]), env })).code).toBe(0);
    const checkpoint = await runPdl(['--db', db, 'checkpoint', '--json'], { env });
    expect(checkpoint.code, checkpoint.stderr).toBe(0);
    const signed = JSON.parse(checkpoint.stdout) as { size: number; note: string; verifierKey: string };
    expect(signed.verifierKey).toBe(verifierKey);
    expect(signed.size).toBeGreaterThan(0);
    // The note's signature checked by node:crypto under the key published at init, not by pdl.
    const [text, signatureLine] = signed.note.split('\n\n') as [string, string];
    const publicKey = Buffer.from(verifierKey.split('+').slice(2).join('+'), 'base64').subarray(1);
    const spki = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]), format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from(`${text}\n`), spki, Buffer.from(signatureLine.trim().split(' ').at(-1)!, 'base64').subarray(4))).toBe(true);
    expect(readdirSync(dir).filter((name) => /master|signing|\.key$/.test(name))).toEqual([]);

    // Without the token there is no key to sign with, and none is made in its place.
    const withoutToken = await runPdl(['--db', db, '--embedded-keys', 'checkpoint'], { env: { PDL_MASTER_KEY: undefined, ...env, PDL_PKCS11_SIGNING_KEY: undefined } });
    expect(withoutToken.code).not.toBe(0);
    expect(withoutToken.stderr).toContain('signed by ledger.example.com/token+');
    // A copy keeps the signer: the same key on the token signs it, named by the same settings.
    const copyDb = join(tempDir('token-signing-copy'), 'copy.db');
    const migrated = await runPdl(['--db', db, 'migrate', '--to', copyDb], { env });
    expect(migrated.code, migrated.stderr).toBe(0);
    const copied = await runPdl(['--db', copyDb, 'checkpoint', '--verifier-key'], { env });
    expect(copied.stdout.trim(), copied.stderr).toBe(verifierKey);
    // A server starts with every secret on the token: none named beside the data, no --embedded-keys.
    const server = await startPdlServer({ db, embeddedKeys: false, env });
    try {
      expect(readdirSync(dir).filter((name) => /master|signing|\.key$/.test(name))).toEqual([]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});

/** The secret keys' labels on the token, as the token lists them to a session of this process. */
function labelsOn(made: { module: string; token: string; pin: string }): string[] {
  const token = Pkcs11Token.open({ ...made, keyLabel: 'unused' });
  try {
    return token.secretKeys().map((key) => key.label).sort();
  } finally {
    token.close();
  }
}
