/**
 * Opens the embedded ledger from its database path: the event log (`ledger.db`), the key store
 * beside it (`ledger.keys.db`) and the master key (`PDL_MASTER_KEY`, else `ledger.master.key`).
 */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { ProjectionRunner } from '../../projections/runner.js';
import { ValidationError } from '../errors.js';
import { SqliteEventStore, type SqliteEventStoreOptions } from '../store/sqlite/sqlite-event-store.js';
import { sha256Chain } from './chain.js';
import { KeyStore } from './crypto/key-store.js';
import { loadMasterKey, parseKey, type MasterKey } from './crypto/master-key.js';
import { Ledger } from './ledger.js';

export const DEFAULT_DB = './data/ledger.db';

export interface LedgerPaths {
  readonly db: string;
  readonly keys: string;
  readonly masterKeyFile: string;
}

export function ledgerPaths(db: string): LedgerPaths {
  const base = db.replace(/\.db$/, '');
  return { db, keys: `${base}.keys.db`, masterKeyFile: `${base}.master.key` };
}

export interface OpenLedgerOptions {
  readonly db: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly store?: Omit<SqliteEventStoreOptions, 'path' | 'chain' | 'onAppended'>;
  /** Keep the read models inline (default). Off for tools that only touch the log. */
  readonly readModels?: boolean;
}

export interface OpenedLedger {
  readonly ledger: Ledger;
  readonly store: SqliteEventStore;
  readonly keys: KeyStore;
  readonly paths: LedgerPaths;
  readonly masterKey: MasterKey;
  readonly readModels: ProjectionRunner | null;
  close(): Promise<void>;
}

export async function openLedger(options: OpenLedgerOptions): Promise<OpenedLedger> {
  const paths = ledgerPaths(options.db);
  const env = options.env ?? process.env;
  const keyStoreExisted = existsSync(paths.keys);
  let readModels: ProjectionRunner | null = null;
  const store = new SqliteEventStore({
    ...options.store, path: paths.db, chain: sha256Chain, onAppended: (events) => readModels?.apply(events),
  });
  try {
    const head = await store.head();
    if (!keyStoreExisted && head.position > 0) {
      throw new ValidationError(
        `the key store ${paths.keys} is missing but the ledger holds ${head.position} events: ` +
        'restore it from your backup (without it no personal value can be read, and erasure cannot be proven complete).');
    }
    const masterKey = loadMasterKey({ keyFile: paths.masterKeyFile, env, create: !keyStoreExisted });
    const staged = `${paths.masterKeyFile}.next`;
    const candidates = [masterKey];
    if (masterKey.origin === paths.masterKeyFile && existsSync(staged)) {
      candidates.push({ key: parseKey(readFileSync(staged, 'utf8'), staged), origin: staged, createdNow: false });
    }
    const { store: keys, opened } = KeyStore.open(paths.keys, candidates);
    // A rotation committed but not renamed: finish it. One that never committed: drop the staged key.
    if (opened === 1) renameSync(staged, paths.masterKeyFile);
    else if (candidates.length > 1) rmSync(staged);
    if (options.readModels ?? true) {
      readModels = new ProjectionRunner(store.db);
      readModels.catchUp(store);
    }
    const ledger = new Ledger(store, keys);
    await ledger.applyPendingErasures();
    return {
      ledger, store, keys, paths, masterKey: candidates[opened]!, readModels,
      async close() {
        await store.close();
        keys.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
