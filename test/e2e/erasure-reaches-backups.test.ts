/**
 * Erasure that reaches backups, through the real binary on real files: a backup of the data
 * folder taken before an erasure still opens the subject's values while the master-key generation
 * it was wrapped under is kept (the window is real), and yields nothing once that generation is
 * destroyed — after a rotation and the backup-retention window.
 */
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registration } from '../fixtures/events.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';
import { localKeyWrapper } from '../../services/ledger/keys/key-wrapper.js';
import { parseKey } from '../../services/ledger/crypto/master-key.js';
import { dataKeyAad } from '../../services/ledger/keys/key-store.js';

const VALUE = 'backed.up@example.cn';

/** The data folder's files without any key: what a backup job copies. */
function backUp(from: string, to: string, names: readonly string[]): void {
  for (const name of names) if (existsSync(join(from, name))) copyFileSync(join(from, name), join(to, name));
}

/** A restore: the backup's files, with the keyring as it is at the time of the restore. */
function restore(backup: string, keyring: string, into: string): string {
  backUp(backup, into, readdirSync(backup));
  for (const name of readdirSync(keyring).filter((n) => n.startsWith('ledger.master.key'))) copyFileSync(join(keyring, name), join(into, name));
  return join(into, 'ledger.db');
}

describe('an erasure reaches every backup when the generation its keys were wrapped under is destroyed', () => {
  it('before: a backup from before the erasure opens the value; after the window: it yields nothing', async () => {
    const live = tempDir('backups-live');
    const db = join(live, 'ledger.db');
    expect((await runPdl(['--db', db, 'record', '-'], { input: ndjson([registration('u-backed', VALUE, '+8613800009999')]) })).code).toBe(0);
    const backup = tempDir('backups-copy');
    backUp(live, backup, ['ledger.db', 'ledger.db-wal', 'ledger.keys.db']);

    expect((await runPdl(['--db', db, 'erase', 'u-backed', '--reason', 'subject-request'])).code).toBe(0);
    const rotated = await runPdl(['--db', db, 'keys', 'rotate-master', '--backup-retention', 'PT3S']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(existsSync(join(live, 'ledger.master.key.g1'))).toBe(true);
    const waiting = await runPdl(['--db', db, 'keys', 'status', '--subject', 'u-backed', '--json']);
    const reach = JSON.parse(waiting.stdout) as { generation: number; unreadableFrom: string | null; complete: boolean };
    expect(reach).toMatchObject({ generation: 1, complete: false });
    expect(Date.parse(reach.unreadableFrom!)).toBeGreaterThan(Date.now());

    // Within the window: the backup, restored with today's keyring, still opens the erased value.
    const early = restore(backup, live, tempDir('backups-restore-early'));
    const opened = await runPdl(['--db', early, 'events', '--subject', 'u-backed', '--reveal', '--json']);
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stdout).toContain(VALUE);

    // After it: the next start destroys generation 1 and records it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(reach.unreadableFrom!) - Date.now()) + 200));
    expect((await runPdl(['--db', db, 'head'])).code).toBe(0);
    expect(existsSync(join(live, 'ledger.master.key.g1'))).toBe(false);
    const done = JSON.parse((await runPdl(['--db', db, 'keys', 'status', '--subject', 'u-backed', '--json'])).stdout) as typeof reach;
    expect(done.complete).toBe(true);

    const late = restore(backup, live, tempDir('backups-restore-late'));
    const refused = await runPdl(['--db', late, 'events', '--subject', 'u-backed', '--reveal', '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).not.toContain(VALUE);
    expect(refused.stderr).toContain('does not open the key store');
    // Nor does any key left in the live folder open the backup's wrapped key of the subject.
    const raw = new Database(join(backup, 'ledger.keys.db'), { readonly: true });
    const rows = raw.prepare<[], { kid: string; wrapped: Buffer }>("SELECT kid, wrapped FROM subject_keys WHERE subject_id = 'u-backed'").all();
    raw.close();
    expect(rows.length).toBeGreaterThan(0);
    const keyFiles = readdirSync(live).filter((n) => n.startsWith('ledger.master.key'));
    for (const file of keyFiles) {
      const wrapper = localKeyWrapper(parseKey(readFileSync(join(live, file), 'utf8'), file));
      for (const row of rows) expect(() => wrapper.unwrap(row.wrapped, dataKeyAad('u-backed', row.kid))).toThrow();
    }
  }, 120_000);
});
