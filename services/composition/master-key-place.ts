/**
 * Where the master key (and a server's admin key) may lie (README "Keys and backups"): whoever holds it decrypts every value
 * of the ledger and of every backup of it, so a server or an ingest process takes it named apart
 * from the data — PDL_MASTER_KEY, or a file outside the data folder (`--master-key PATH`) — and
 * keeps it beside the data only under `--embedded-keys` (the quick start). Other commands use
 * one already beside the data (they add no power to anyone), as they do the signing key.
 */
import { dataFolderOf, isInside, secretInDataFolder, type Secret } from './secret-placement.js';

export const MASTER_KEY: Secret = {
  what: 'the master key',
  power: 'decrypt every personal value in the ledger and in every backup of it',
  howToName: 'PDL_MASTER_KEY, --master-key PATH (PDL_MASTER_KEY_FILE), or a PKCS#11 token (PDL_PKCS11_MODULE)',
};

export interface MasterKeyOptions {
  /** `--master-key PATH`: the key file, named apart from the data. */
  readonly file?: string;
  /** `--embedded-keys`: the key may be kept, and created, in the data folder. */
  readonly embedded?: boolean;
  /** `serve`, `ingest`: the key must be named (or `embedded`). */
  readonly serving?: boolean;
}

/** The key file to use (unless PDL_MASTER_KEY gives the key), or the refusal. */
export function masterKeyPlace(db: string, defaultFile: string, options: MasterKeyOptions, env: NodeJS.ProcessEnv): { keyFile: string; inDataFolder: boolean } {
  const folder = dataFolderOf(db);
  if (options.file !== undefined) {
    const inDataFolder = isInside(options.file, folder);
    if (inDataFolder && !options.embedded) throw secretInDataFolder(MASTER_KEY, folder, options.file);
    return { keyFile: options.file, inDataFolder };
  }
  if (env.PDL_MASTER_KEY || env.PDL_PKCS11_MODULE) return { keyFile: defaultFile, inDataFolder: false };
  if (options.serving && !options.embedded) throw secretInDataFolder(MASTER_KEY, folder);
  return { keyFile: defaultFile, inDataFolder: true };
}

export const ADMIN_KEY: Secret = {
  what: 'the admin API key',
  power: 'call every query and mutation of the API as admin, erasures and new API keys included',
  howToName: 'PDL_ADMIN_KEY, or serve --admin-key PATH (PDL_ADMIN_KEY_FILE)',
};

/** The admin key's file for `serve` (unless PDL_ADMIN_KEY gives the key), or the refusal: the same rule as the master key's. */
export function adminKeyPlace(db: string, defaultFile: string, options: Omit<MasterKeyOptions, 'serving'>, env: NodeJS.ProcessEnv): string {
  const folder = dataFolderOf(db);
  if (options.file !== undefined) {
    if (isInside(options.file, folder) && !options.embedded) throw secretInDataFolder(ADMIN_KEY, folder, options.file);
    return options.file;
  }
  if (!env.PDL_ADMIN_KEY && !options.embedded) throw secretInDataFolder(ADMIN_KEY, folder);
  return defaultFile;
}
