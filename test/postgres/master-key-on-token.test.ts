/**
 * The ledger on PostgreSQL with its master key on a PKCS#11 token (a throw-away SoftHSM2 token):
 * the wrapped keys and the generations are on the server, no key file in the data folder, and a
 * rotation generates the next key on the token.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registration } from '../fixtures/events.js';
import { softhsmMissing, softhsmModule, throwAwayToken } from '../fixtures/softhsm.js';
import { freshLedgerUrl, postgresUrl, skipReason, withAdmin } from '../contract/postgres-fixture.js';
import { ndjson, runPdl, tempDir } from '../e2e/run-pdl.js';

const skipped = !postgresUrl ? skipReason : softhsmModule ? '' : ` (skipped: ${softhsmMissing})`;

describe.skipIf(!postgresUrl || !softhsmModule)(`the key store on PostgreSQL, the master key on a PKCS#11 token${skipped}`, () => {
  it('records and reveals through the token, rotates to a new key there, and writes no master key file nor key store in the data folder', async () => {
    const { url, schema } = await freshLedgerUrl();
    const token = throwAwayToken();
    const env = { SOFTHSM2_CONF: token.conf, PDL_PKCS11_MODULE: token.module, PDL_PKCS11_TOKEN: token.token, PDL_PKCS11_PIN: token.pin };
    const dir = tempDir('pg-token');
    const global = ['--db', join(dir, 'ledger.db'), '--store', url];
    const recorded = await runPdl([...global, 'record', '-'], { input: ndjson([registration('u-pg-token', 'pg-token@example.cn', '+8613800006666')]), env });
    expect(recorded.code, recorded.stderr).toBe(0);
    const reveal = () => runPdl([...global, 'events', '--subject', 'u-pg-token', '--reveal', '--json'], { env });
    expect((await reveal()).stdout).toContain('pg-token@example.cn');

    const rotated = await runPdl([...global, 'keys', 'rotate-master'], { env });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain(`re-wrapped under generation 2, a key generated on the token (pkcs11:token=${token.token};object=pdl-master.g2)`);
    const after = await reveal();
    expect(after.stdout, after.stderr).toContain('pg-token@example.cn');
    expect((await runPdl([...global, 'events', '--subject', 'u-pg-token', '--reveal'], { env: { ...env, PDL_PKCS11_PIN: '000000' } })).code).toBe(2);

    expect(readdirSync(dir).filter((name) => name.includes('master') || name.includes('keys'))).toEqual([]);
    const generations = await withAdmin(async (client) => (await client.query<{ generation: number }>(`SELECT generation FROM ${schema}.pdl_master_generations ORDER BY generation`)).rows);
    expect(generations.map((row) => row.generation)).toEqual([1, 2]);
  }, 120_000);
});
