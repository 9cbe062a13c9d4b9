/**
 * The ledger with its master key on a PKCS#11 token (a throw-away SoftHSM2 token), through the
 * real binary: the key is generated on the token at the first start, values are sealed and opened
 * through it, no master key file is ever written, a server starts without one in its data folder,
 * and without the token's PIN nothing opens.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
    expect((await runPdl(['--db', db, 'record', '-'], { input: ndjson([registration('u-token', 'token@example.cn', '+8613800004444')]), env })).code).toBe(0);
    const revealed = await runPdl(['--db', db, 'events', '--subject', 'u-token', '--reveal', '--json'], { env });
    expect(revealed.code, revealed.stderr).toBe(0);
    expect(revealed.stdout).toContain('token@example.cn');
    expect(readdirSync(dir).filter((name) => name.includes('master'))).toEqual([]);

    const wrongPin = await runPdl(['--db', db, 'events', '--subject', 'u-token', '--reveal'], { env: { ...env, PDL_PKCS11_PIN: '000000' } });
    expect(wrongPin.code).toBe(2);
    expect(wrongPin.stderr).toMatch(/PIN .* was refused/);
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
});
