/** Where a ledger's files lie, named after its database: a module of its own so the CLI can name them without loading the ledger. */

export const DEFAULT_DB = './data/ledger.db';

export interface LedgerPaths {
  readonly db: string;
  readonly keys: string;
  /** The master key's file (README "Keys and backups"): the one named, else `<db>.master.key`; unless PDL_MASTER_KEY gives the key. */
  readonly masterKeyFile: string;
  /** Where the read models live: the log itself when inline. */
  readonly readModelsFile: string;
  /** The API keys, shared by every server of this ledger on the host. */
  readonly apiKeys: string;
  /** The checkpoint signing key's file (README "Proofs"): the one named, else `<db>.signing.key`; unless PDL_SIGNING_KEY gives the key. */
  readonly signingKeyFile: string;
  /** Where deletion orders stand in their delivery (README "Erasure that reaches every copy"), shared by every server of this ledger on the host. */
  readonly deliveries: string;
}

/**
 * `deferred` (embedded default): kept in the log's own file by a projection worker of this process,
 * after each append has committed (README "Read your writes"). `inline`: kept in the append
 * transaction. `worker`: kept by a projection worker in `<db>.read.db` (external default), or in
 * the file given. `none`: not kept.
 */
export type ReadModelsPlacement = 'deferred' | 'inline' | 'worker' | 'none' | { readonly path: string };

export function ledgerPaths(db: string, readModels: ReadModelsPlacement = 'deferred', signingKeyFile?: string, masterKeyFile?: string): LedgerPaths {
  const base = db.replace(/\.db$/, '');
  const readModelsPath = typeof readModels === 'object' ? readModels.path : readModels === 'worker' ? `${base}.read.db` : db;
  return { db, keys: `${base}.keys.db`, masterKeyFile: masterKeyFile ?? `${base}.master.key`, readModelsFile: readModelsPath, apiKeys: `${base}.api-keys.db`, signingKeyFile: signingKeyFile ?? `${base}.signing.key`, deliveries: `${base}.deliveries.db` };
}
