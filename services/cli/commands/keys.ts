import type { Command } from 'commander';
import { renameSync } from 'node:fs';
import { randomKey } from '../../ledger/crypto/aead.js';
import { formatKey, writeKeyFile } from '../../ledger/crypto/master-key.js';
import { localKeyWrapper } from '../../ledger/keys/key-wrapper.js';
import { writeOutputFile } from '../../composition/output-files.js';
import type { ApiKeys } from '../../api/auth/api-keys.js';
import { openApiKeys } from '../../composition/open-records.js';
import { ROLES, type Role } from '../../api/auth/roles.js';
import { withLedger } from '../with-ledger.js';
import { keysStatusCommands } from './keys-status.js';
import { keepRetired, retiredKeyFile } from '../../composition/master-keyring.js';
import { backupRetention, DEFAULT_BACKUP_RETENTION } from '../backup-retention.js';
import type { GlobalOptions } from '../global-options.js';
import { printable } from '../printable.js';
import { ValidationError } from '../../errors.js';

export function keysCommand(program: Command, globals: () => GlobalOptions): void {
  const keys = program.command('keys').description('manage API keys and the master key');
  keysStatusCommands(keys, globals);
  const withApiKeys = <T>(use: (apiKeys: ApiKeys) => Promise<T>) => withLedger(globals(), async (opened) => {
    const apiKeys = await openApiKeys(opened);
    try {
      return await use(apiKeys);
    } finally {
      await apiKeys.close();
    }
  });
  keys
    .command('create')
    .description('create an API key for a role; it is printed once')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--label <text>', 'what the key is for')
    .option('--json', 'print { id, role, key } as JSON')
    .action(async (options: { role: string; label?: string; json?: boolean }) => {
      if (!(ROLES as readonly string[]).includes(options.role)) throw new Error(`unknown role ${JSON.stringify(options.role)} (one of ${ROLES.join(', ')})`);
      const created = await withApiKeys((apiKeys) => apiKeys.create(options.role as Role, options.label ?? null));
      console.log(options.json ? JSON.stringify({ id: created.id, role: created.role, key: created.key }) : created.key);
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
    .option('--json', 'print { id, revoked } as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const revoked = await withApiKeys((apiKeys) => apiKeys.revoke(id));
      if (!revoked) throw new ValidationError(`no API key with id ${printable(id.slice(0, 40))} (see pdl keys list)`);
      console.log(options.json ? JSON.stringify({ id, revoked: true }) : `revoked ${id}: requests with it now get 401.`);
    });
  keys
    .command('rotate-master')
    .description('re-wrap every data key under a new master key (events are not rewritten)')
    .option('--out <file>', 'where to write the new key when the current one comes from PDL_MASTER_KEY (a new file, mode 0600)')
    .option('--force', 'with --out: replace the file when it is there and yours (never a link, nor another user\'s file)')
    .option('--backup-retention <duration>', `how long backups are kept (ISO 8601; PDL_BACKUP_RETENTION, default ${DEFAULT_BACKUP_RETENTION}): the generation replaced is destroyed after it`)
    .addHelpText('after', '\nWith a key file, the new key replaces it (crash-safe: a half-done rotation finishes or rolls back on the next start).\n' +
      'With the key on a PKCS#11 token (PDL_PKCS11_MODULE), the new key is generated there, labelled <label>.gN.\n' +
      'With PDL_MASTER_KEY, the new key is written to --out (mode 0600): set PDL_MASTER_KEY to it before the next start.\n' +
      '--out refuses a file already there (exit 2, nothing rotated) unless --force, and a symbolic link always.\n\n' +
      'Examples:\n  pdl keys rotate-master --backup-retention P35D\n' +
      '  PDL_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so PDL_PKCS11_TOKEN=pdl PDL_PKCS11_PIN_FILE=/etc/pdl/token.pin pdl keys rotate-master')
    .option('--json', 'print { rewrapped, generation, retired, retention, key } as JSON (key: where the new key is)')
    .action(async (options: { out?: string; force?: boolean; backupRetention?: string; json?: boolean }) => {
      const retention = backupRetention(options.backupRetention);
      await withLedger(globals(), async ({ keys: keyStore, masterKey, paths }) => {
        if (masterKey.keyring) {
          if (options.out) throw new ValidationError(`the master key is on a token (${masterKey.origin}): the new one is generated there, and --out has nothing to write`);
          const { rewrapped, generation, origin, retired } = await masterKey.keyring.rotate(keyStore, retention);
          if (options.json) return void console.log(JSON.stringify({ rewrapped, generation, retired, retention: retention.duration, key: origin }));
          console.log(`rotated: ${rewrapped} data keys and the index key re-wrapped under generation ${generation}, a key generated on the token (${origin}).`);
          console.log(`generation ${retired} stays on the token for backups and is destroyed there after ${retention.duration} (at a start, or hourly while serving).`);
          return;
        }
        if (masterKey.key === null) throw new ValidationError(`the master key ${masterKey.origin} is not held by pdl: it cannot be rotated here`);
        const fromEnv = masterKey.origin === 'PDL_MASTER_KEY';
        if (fromEnv && !options.out) {
          throw new Error('the master key comes from PDL_MASTER_KEY: give --out FILE for the new key');
        }
        const next = randomKey();
        const staged = fromEnv ? options.out! : `${paths.masterKeyFile}.next`;
        // The key being retired stays beside the current one until the backup window has passed (master-keyring.ts).
        const retiring = (await keyStore.generations()).at(-1)!.generation;
        if (!fromEnv) keepRetired(paths.masterKeyFile, retiring, masterKey.key);
        // Written before the rotation commits: a refused --out rolls it back, and the old key still opens the store.
        const { rewrapped, generation } = await keyStore.rotateMaster(localKeyWrapper(next), () => fromEnv ? writeOutputFile(staged, `${formatKey(next)}\n`, { force: options.force }) : writeKeyFile(staged, next), retention);
        if (!fromEnv) renameSync(staged, paths.masterKeyFile);
        if (options.json) return void console.log(JSON.stringify({ rewrapped, generation, retired: retiring, retention: retention.duration, key: fromEnv ? staged : paths.masterKeyFile }));
        console.log(`rotated: ${rewrapped} data keys and the index key re-wrapped under generation ${generation}; the one before is kept for backups until ${retention.duration} from now.`);
        console.log(fromEnv
          ? `the new master key is in ${staged}: set PDL_MASTER_KEY to its content now. Keep the old one only as long as backups (${retention.duration}), then destroy it and run pdl keys destroyed ${retiring}.`
          : `the new master key is in ${paths.masterKeyFile}; generation ${retiring} is kept in ${retiredKeyFile(paths.masterKeyFile, retiring)} for backups and destroyed after ${retention.duration}.`);
      });
    });
}
