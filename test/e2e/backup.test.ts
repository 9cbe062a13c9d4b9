/** `pdl backup` through the binary: the databases, consistent and 0600, and not one key; restored with the keys kept apart, the copy verifies and opens its values. */
import { copyFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPdl, tempDir } from './run-pdl.js';

describe('pdl backup', () => {
  it('copies every database and no secret; the backup alone opens nothing, with the master key it is the ledger', async () => {
    const dir = tempDir('backup-live');
    const db = join(dir, 'ledger.db');
    expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
    expect((await runPdl(['--db', db, 'keys', 'create', '--role', 'dpo'])).code).toBe(0);
    const to = join(tempDir('backup-to'), 'copy');
    const run = await runPdl(['--db', db, 'backup', '--to', to]);
    expect(run.code, run.stderr).toBe(0);
    const files = readdirSync(to).sort();
    expect(files).toEqual(['ledger.api-keys.db', 'ledger.db', 'ledger.keys.db']);
    for (const file of files) expect(statSync(join(to, file)).mode & 0o777).toBe(0o600);
    expect(statSync(to).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir).some((name) => name.includes('master.key'))).toBe(true); // there was a key to leave behind
    expect(run.stderr).toContain('no key was copied');

    const alone = await runPdl(['--db', join(to, 'ledger.db'), 'events', '--subject', 'u-1003', '--reveal']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/no master key/);

    const restored = tempDir('backup-restored');
    for (const file of files) copyFileSync(join(to, file), join(restored, file));
    copyFileSync(join(dir, 'ledger.master.key'), join(restored, 'ledger.master.key'));
    expect((await runPdl(['--db', join(restored, 'ledger.db'), 'head'])).stdout).toBe((await runPdl(['--db', db, 'head'])).stdout);
    expect((await runPdl(['--db', join(restored, 'ledger.db'), 'verify'])).code).toBe(0);
    expect((await runPdl(['--db', join(restored, 'ledger.db'), 'events', '--subject', 'u-1003', '--reveal'])).stdout).toContain('zhang.min@example.cn');

    const again = await runPdl(['--db', db, 'backup', '--to', to]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('not empty');
  }, 120_000);
});
