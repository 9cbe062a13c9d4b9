import type { Command } from 'commander';
import { renameSync } from 'node:fs';
import { randomKey } from '../../ledger/crypto/aead.js';
import { formatKey, writeKeyFile } from '../../ledger/crypto/master-key.js';
import { localKeyWrapper } from '../../ledger/keys/key-wrapper.js';
import { writeOutputFile } from '../../composition/output-files.js';
import { ApiKeys } from '../../api/auth/api-keys.js';
import { ROLES, type Role } from '../../api/auth/roles.js';
import { withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';
import { printable } from '../printable.js';
import { ValidationError } from '../../errors.js';

export function keysCommand(program: Command, globals: () => GlobalOptions): void {
  const keys = program.command('keys').description('manage API keys and the master key');
  const withApiKeys = <T>(use: (apiKeys: ApiKeys) => T) => withLedger(globals(), async ({ paths }) => {
    const apiKeys = ApiKeys.open(paths.apiKeys);
    try {
      return use(apiKeys);
    } finally {
      apiKeys.close();
    }
  });
  keys
    .command('create')
    .description('create an API key for a role; it is printed once')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--label <text>', 'what the key is for')
    .action(async (options: { role: string; label?: string }) => {
      if (!(ROLES as readonly string[]).includes(options.role)) throw new Error(`unknown role ${JSON.stringify(options.role)} (one of ${ROLES.join(', ')})`);
      const created = await withApiKeys((apiKeys) => apiKeys.create(options.role as Role, options.label ?? null));
      console.log(created.key);
      process.stderr.write(`pdl: ${created.role} key ${created.id} created; it is shown only now.\n`);
    });
  keys
    .command('list')
    .description('list the API keys: id, role, created, label (never the keys themselves)')
    .option('--json', 'one key per line as JSON')
    .action(async (options: { json?: boolean }) => {
      const listed = await withApiKeys((apiKeys) => apiKeys.list());
      if (listed.length === 0) process.stderr.write('pdl: no stored API keys (PDL_ADMIN_KEY, when set, is never stored)\n');
      for (const key of listed) {
        console.log(options.json ? JSON.stringify(key) : printable(`${key.id}  ${key.role.padEnd(8)}  ${key.createdAt}  ${key.label ?? ''}`));
      }
    });
  keys
    .command('revoke')
    .description('revoke an API key at once, on every server of this ledger')
    .argument('<id>', 'the key id (from pdl keys list, or the pdl_<id>_… prefix of the key)')
    .action(async (id: string) => {
      const revoked = await withApiKeys((apiKeys) => apiKeys.revoke(id));
      if (!revoked) throw new ValidationError(`no API key with id ${printable(id.slice(0, 40))} (see pdl keys list)`);
      console.log(`revoked ${id}: requests with it now get 401.`);
    });
  keys
    .command('rotate-master')
    .description('re-wrap every data key under a new master key (events are not rewritten)')
    .option('--out <file>', 'where to write the new key when the current one comes from PDL_MASTER_KEY (a new file, mode 0600)')
    .option('--force', 'with --out: replace the file when it is there and yours (never a link, nor another user\'s file)')
    .addHelpText('after', '\nWith a key file, the new key replaces it (crash-safe: a half-done rotation finishes or rolls back on the next start).\n' +
      'With PDL_MASTER_KEY, the new key is written to --out (mode 0600): set PDL_MASTER_KEY to it before the next start.\n' +
      '--out refuses a file already there (exit 2, nothing rotated) unless --force, and a symbolic link always.')
    .action(async (options: { out?: string; force?: boolean }) => {
      await withLedger(globals(), async ({ keys: keyStore, masterKey, paths }) => {
        const fromEnv = masterKey.origin === 'PDL_MASTER_KEY';
        if (fromEnv && !options.out) {
          throw new Error('the master key comes from PDL_MASTER_KEY: give --out FILE for the new key');
        }
        const next = randomKey();
        const staged = fromEnv ? options.out! : `${paths.masterKeyFile}.next`;
        // Written before the rotation commits: a refused --out rolls it back, and the old key still opens the store.
        const { rewrapped } = await keyStore.rotateMaster(localKeyWrapper(next), () => fromEnv ? writeOutputFile(staged, `${formatKey(next)}\n`, { force: options.force }) : writeKeyFile(staged, next));
        if (!fromEnv) renameSync(staged, paths.masterKeyFile);
        console.log(`rotated: ${rewrapped} data keys and the index key re-wrapped.`);
        console.log(fromEnv ? `the new master key is in ${staged}: set PDL_MASTER_KEY to its content now; the old key no longer opens the store.` : `the new master key is in ${paths.masterKeyFile}.`);
      });
    });
}
