/**
 * No secret in the data folder for `serve` and `ingest` by default (README "Keys and backups"):
 * the master key and the admin key are named apart — an environment variable or a file outside
 * the folder — or the server refuses to start, before anything is created, unless --embedded-keys.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPdlServer } from './pdl-server.js';
import { PDL, tempDir } from './run-pdl.js';

const run = (db: string, args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [PDL, '--db', db, ...args], {
  encoding: 'utf8', timeout: 20_000,
  env: { ...process.env, PDL_MASTER_KEY: '', PDL_MASTER_KEY_FILE: '', PDL_ADMIN_KEY: '', PDL_ADMIN_KEY_FILE: '', PDL_SIGNING_KEY: '', PDL_SIGNING_KEY_FILE: '', ...env },
});

describe('the master key and the admin key, named apart from the data', () => {
  it('serve and ingest refuse a master key in the data folder unless --embedded-keys; nothing is created', () => {
    const db = join(tempDir('master-refused'), 'ledger.db');
    const signing = ['--signing-key', join(tempDir('master-refused-signing'), 's.key')];
    const serve = run(db, [...signing, 'serve', '--port', '0', '--no-graphiql'], { PDL_ADMIN_KEY: 'x' });
    expect(serve.status).toBe(2);
    expect(serve.stderr).toMatch(/the master key is not named apart from .*, the ledger's data folder: whoever can write that folder could decrypt every personal value in the ledger and in every backup of it/);
    expect(serve.stderr).toContain('PDL_MASTER_KEY, --master-key PATH (PDL_MASTER_KEY_FILE), or a PKCS#11 token (PDL_PKCS11_MODULE)');
    expect(serve.stderr).toContain('pass --embedded-keys');
    const ingest = run(db, ['ingest', '--brokers', '127.0.0.1:1']);
    expect(ingest.status).toBe(2);
    expect(ingest.stderr).toContain('the master key is not named apart');
    const inside = run(db, [...signing, '--master-key', join(db, '..', 'master.key'), 'serve', '--port', '0', '--no-graphiql'], { PDL_ADMIN_KEY: 'x' });
    expect(inside.status).toBe(2);
    expect(inside.stderr).toMatch(/master\.key is in .*, the ledger's data folder/);
    const noAdmin = run(db, [...signing, '--master-key', join(tempDir('master-outside'), 'm.key'), 'serve', '--port', '0', '--no-graphiql']);
    expect(noAdmin.status).toBe(2);
    expect(noAdmin.stderr).toContain('the admin API key is not named apart');
    expect(existsSync(db)).toBe(false);
  });

  it('with every secret named apart, the server starts and its data folder holds no key at all', async () => {
    const dir = tempDir('master-named');
    const secrets = tempDir('master-named-secrets');
    const server = await startPdlServer({
      db: join(dir, 'ledger.db'), embeddedKeys: false, adminKey: null,
      globalArgs: ['--signing-key', join(secrets, 'signing.key'), '--master-key', join(secrets, 'master.key')],
      args: ['--admin-key', join(secrets, 'admin.key')],
    });
    try {
      expect(readdirSync(dir).filter((name) => /key/.test(name) && !name.includes('keys.db') && !name.includes('api-keys'))).toEqual([]);
      expect(readdirSync(secrets).sort()).toEqual(['admin.key', 'master.key', 'signing.key']);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
