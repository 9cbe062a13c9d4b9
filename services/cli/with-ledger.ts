import { sha256Chain } from '../ledger/chain.js';
import type { OpenedLedger } from '../composition/open-ledger.js';
import type { OpenedMasterKey } from '../composition/open-key-store.js';
import { ledgerPaths, type ReadModelsPlacement } from '../composition/ledger-paths.js';
import { masterKeyPlace } from '../composition/master-key-place.js';
import { openExternalStore, openLogStore } from '../store/open-store.js';
import type { EventStore, VerbatimImport } from '../store/port.js';
import type { GlobalOptions } from './global-options.js';
import { progress } from './progress.js';

/**
 * The master key's file the global options name, checked for its place (master-key-place.ts):
 * `serving` (serve, ingest) refuses one in the data folder without --embedded-keys.
 */
export function masterKeyFileOf(globals: GlobalOptions, serving: boolean): string {
  const defaultFile = ledgerPaths(globals.db).masterKeyFile;
  const options = { ...(globals.masterKey ? { file: globals.masterKey } : {}), embedded: globals.embeddedKeys === true, serving };
  return masterKeyPlace(globals.db, defaultFile, options, process.env).keyFile;
}

/** Said once, when the master key was made at this start: where it is, and what to keep apart from the data. */
export function createdMessage(masterKey: OpenedMasterKey): string {
  return masterKey.keyring
    ? `generated a master key on the token (${masterKey.origin}), non-extractable: it never leaves the token. Back the token up by the HSM's own means, apart from the data: without it nothing can be decrypted.`
    : `created a master key in ${masterKey.origin} (mode 0600). Back it up apart from the data: without it nothing can be decrypted.`;
}

/** Where the global options put the read models; `needed: false` spares an external store's catch-up. */
export function readModelsPlacement(globals: GlobalOptions, needed = true): ReadModelsPlacement | undefined {
  if (globals.readModels) return { path: globals.readModels };
  if (globals.store && !needed) return 'none';
  return undefined;
}

/**
 * Opens the ledger the global options name, runs `work`, and closes it whatever happens.
 * `readModels: true` for work that reads them (on an external store they are caught up first).
 */
export async function withLedger<T>(
  globals: GlobalOptions,
  work: (opened: OpenedLedger) => Promise<T>,
  options: { readModels?: boolean } = {},
): Promise<T> {
  const bar = { current: null as ReturnType<typeof progress> | null };
  // Loaded on use: `pdl <command> --help` answers without loading the ledger.
  const { openLedger } = await import('../composition/open-ledger.js');
  const opened = await openLedger({
    db: globals.db, store: globals.store, readModels: readModelsPlacement(globals, options.readModels ?? false), signingKeyFile: globals.signingKey || undefined,
    masterKeyFile: masterKeyFileOf(globals, false),
    onCatchUp: (position, head) => (bar.current ??= progress('catching up read models', head)).update(position),
  });
  bar.current?.finish();
  if (opened.masterKey.createdNow) {
    process.stderr.write(`pdl: ${createdMessage(opened.masterKey)}\n`);
  }
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}

/** Where the global options say the signing key is. */
/**
 * Where the global options say the signing key is, and the origin it is created with: a command's own `--origin`, else
 * PDL_ORIGIN (an origin, not a global option: `verify-proof --origin` is the origin a verifier trusts, and a global
 * option of that name would take it from every command line).
 */
export const signingKeyOptions = (globals: GlobalOptions, origin: string | undefined = process.env.PDL_ORIGIN || undefined) => ({
  file: globals.signingKey || undefined, embedded: globals.embeddedKeys === true, ...(origin ? { origin } : {}),
});

/** The log the global options name, alone (no keys, no read models): `--store` when given, else `--db`. */
export function openGlobalLog(globals: GlobalOptions): Promise<EventStore & VerbatimImport> {
  return globals.store ? openExternalStore(globals.store, sha256Chain) : openLogStore(globals.db, sha256Chain);
}
