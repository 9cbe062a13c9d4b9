/**
 * Opens the key store of a ledger with its master key: in the embedded SQLite file beside `db`,
 * or — when the log is on PostgreSQL — in the same database as the log, on its connections, so
 * every writer and replica on any host shares one set of keys. The master key is local either
 * way (PDL_MASTER_KEY, else `<db>.master.key`). A rotation that committed but whose key file was
 * not yet renamed is finished here; one that never committed is dropped.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValidationError } from '../errors.js';
import type { TokenConfig } from '../ledger/keys/pkcs11-key-wrapper.js';
import type { TokenKeyring } from './token-keyring.js';
import { loadMasterKey, parseKey, type MasterKey } from '../ledger/crypto/master-key.js';
import { FIRST_GENERATION, type KeyStore, type MasterKeyCandidate, type MasterKeyReload } from '../ledger/keys/key-store.js';
import { readableRetired, reconcileGenerations } from './master-keyring.js';
import { localKeyWrapper } from '../ledger/keys/key-wrapper.js';
import { SqliteKeyStore } from '../ledger/keys/sqlite-key-store.js';
import { isPostgresStore } from '../store/open-store.js';
import type { EventStore } from '../store/port.js';
import type { LedgerPaths } from './ledger-paths.js';
import { PRIVATE_DIR_MODE } from './private-files.js';

/** The master key a ledger was opened with: its bytes, or null when they never leave a token. */
export interface OpenedMasterKey {
  readonly key: Buffer | null;
  /** Where it came from, for messages: PDL_MASTER_KEY, a file's path, or `pkcs11:token=…;object=…`. */
  readonly origin: string;
  readonly createdNow: boolean;
  /** The token's generations, when the master key is on a token (rotation and destruction go through it). */
  readonly keyring: TokenKeyring | null;
}

/** The master key on a PKCS#11 token, when PDL_PKCS11_MODULE names one (README "Keys and backups"). */
export function tokenFromEnv(env: NodeJS.ProcessEnv): TokenConfig | null {
  const module = env.PDL_PKCS11_MODULE;
  if (!module) return null;
  const token = env.PDL_PKCS11_TOKEN;
  const pin = env.PDL_PKCS11_PIN ?? (env.PDL_PKCS11_PIN_FILE ? readPinFile(env.PDL_PKCS11_PIN_FILE) : undefined);
  if (!token || !pin) throw new ValidationError('PDL_PKCS11_MODULE names a PKCS#11 module: give PDL_PKCS11_TOKEN (the token\'s label) and PDL_PKCS11_PIN (or PDL_PKCS11_PIN_FILE) too');
  return { module, token, pin, keyLabel: env.PDL_PKCS11_KEY || 'pdl-master' };
}

function readPinFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ValidationError(`PDL_PKCS11_PIN_FILE ${file} could not be read (${error instanceof Error && 'code' in error ? String(error.code) : 'unreadable'})`);
  }
}

export async function openKeyStore(store: EventStore, paths: LedgerPaths, env: NodeJS.ProcessEnv): Promise<{ keys: KeyStore; masterKey: OpenedMasterKey; release: () => void }> {
  const onServer = await postgresServerOf(store);
  const where = onServer ? 'in PostgreSQL' : paths.keys;
  const existed = onServer ? await onServer.keyStoreExists() : existsSync(paths.keys);
  const head = await store.head();
  if (!existed && head.position > 0) {
    throw new ValidationError(
      `the key store ${where} is missing but the ledger holds ${head.position} events: ` +
      'restore it from your backup (without it no personal value can be read, and erasure cannot be proven complete).');
  }
  if (!onServer) mkdirSync(dirname(paths.keys), { recursive: true, mode: PRIVATE_DIR_MODE });
  const tokenConfig = tokenFromEnv(env);
  if (tokenConfig) {
    // The master key on a token: generated there for a new store, never a file; its bytes never leave it.
    const [{ Pkcs11Token }, { TokenKeyring }] = await Promise.all([import('../ledger/keys/pkcs11-key-wrapper.js'), import('./token-keyring.js')]);
    const token = Pkcs11Token.open(tokenConfig);
    let keys: KeyStore | null = null;
    try {
      token.require('AES-GCM');
      const keyring = new TokenKeyring(token, tokenConfig);
      // A new store starts at the first generation's label; an existing one is offered every generation on the token, newest first.
      const first = existed ? null : keyring.first();
      const offered = first ? [{ ...first.candidate, generation: FIRST_GENERATION }] : keyring.candidates();
      if (offered.length === 0) throw new ValidationError(`no key labelled "${tokenConfig.keyLabel}" (or "${tokenConfig.keyLabel}.gN") on token "${tokenConfig.token}", and the key store ${where} exists: it was made under another master key`);
      const reload = () => keyring.candidates();
      const opened = onServer ? await onServer.openKeyStore(offered, reload) : SqliteKeyStore.open(paths.keys, offered, reload);
      keys = opened.store;
      const used = offered[opened.opened]!;
      const current = (await keys.generations()).at(-1)?.generation;
      if (used.generation === current) await keyring.reconcile(keys);
      // Labels that do not match the store's generations: nothing is destroyed on their word.
      else process.stderr.write(`pdl: the key store opens with ${used.origin} (generation ${used.generation} by its label) but records generation ${current ?? '?'} as current: no retired key is destroyed on the token until that is resolved\n`);
      return { keys, masterKey: { key: null, origin: used.origin, createdNow: first?.createdNow ?? false, keyring }, release: () => token.close() };
    } catch (error) {
      await keys?.close();
      token.close();
      throw error;
    }
  }
  const masterKey = loadMasterKey({ keyFile: paths.masterKeyFile, env, create: !existed });
  const staged = `${paths.masterKeyFile}.next`;
  // The current key first; then a rotation's staged key (committed, not yet renamed); then retired
  // generations still kept, which open a key store restored from a backup taken before a rotation.
  const candidates: MasterKey[] = [masterKey];
  if (masterKey.origin === paths.masterKeyFile && existsSync(staged)) {
    candidates.push({ key: parseKey(readFileSync(staged, 'utf8'), staged), origin: staged, createdNow: false });
  }
  for (const retired of readableRetired(paths.masterKeyFile, (message) => process.stderr.write(`pdl: ${message}\n`)).reverse()) {
    candidates.push({ key: retired.key, origin: retired.file, createdNow: false });
  }
  const offered: MasterKeyCandidate[] = candidates.map(({ key, origin }) => ({ wrapper: localKeyWrapper(key), origin }));
  // Another process's rotation is followed with the key file as it is then; PDL_MASTER_KEY is read once.
  const reload = (): MasterKeyCandidate[] => {
    if (masterKey.origin !== paths.masterKeyFile || !existsSync(paths.masterKeyFile)) return [];
    return [{ wrapper: localKeyWrapper(parseKey(readFileSync(paths.masterKeyFile, 'utf8'), paths.masterKeyFile)), origin: paths.masterKeyFile }];
  };
  const { store: keys, opened } = onServer
    ? await onServer.openKeyStore(offered, reload)
    : SqliteKeyStore.open(paths.keys, offered, reload);
  if (candidates[opened]!.origin === staged) renameSync(staged, paths.masterKeyFile);
  else if (existsSync(staged) && masterKey.origin === paths.masterKeyFile) rmSync(staged);
  if (opened > 0 && candidates[opened]!.origin !== staged) {
    // A restored backup: its generations are not the keyring's, so nothing is destroyed on its word.
    process.stderr.write(`pdl: the key store opens only with a retired master-key generation (${candidates[opened]!.origin}): a backup from before a rotation; rotate to re-wrap it under a new key\n`);
    return { keys, masterKey: { ...candidates[opened]!, keyring: null }, release: () => undefined };
  }
  try {
    await reconcileGenerations(keys, paths.masterKeyFile);
  } catch (error) {
    await keys.close();
    throw error;
  }
  return { keys, masterKey: { ...candidates[opened]!, keyring: null }, release: () => undefined };
}

/**
 * The key store's place on the log's PostgreSQL server, when the log is there. The client is
 * loaded only then: the embedded path never loads it.
 */
async function postgresServerOf(store: EventStore) {
  if (!isPostgresStore(store)) return null;
  const [{ PostgresEventStore }, { PostgresKeyStore }] = await Promise.all([
    import('../store/postgres/postgres-event-store.js'), import('../ledger/keys/postgres-key-store.js')]);
  if (!(store instanceof PostgresEventStore)) return null;
  return {
    keyStoreExists: () => PostgresKeyStore.exists(store.pool),
    openKeyStore: (offered: readonly MasterKeyCandidate[], reload: MasterKeyReload) => PostgresKeyStore.open(store.pool, offered, reload),
  };
}
