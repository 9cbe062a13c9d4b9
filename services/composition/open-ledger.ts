/**
 * Opens the ledger: the event log — the embedded SQLite file at `db`, or a PostgreSQL or
 * EventStoreDB/KurrentDB server named by `store` — the key store (open-key-store.ts: beside `db`,
 * or on the PostgreSQL server with the log), the master key (`PDL_MASTER_KEY`, else
 * `ledger.master.key`) and the read models: inline in the embedded log's own transaction, or kept
 * by a projection worker in a file of their own.
 */
import Database from 'better-sqlite3';
import { tightenLedgerFiles } from './private-files.js';
import { ProjectionRunner } from '../../projections/runner.js';
import type { Projection } from '../../projections/projection.js';
import { ValidationError } from '../errors.js';
import { startProjectionWorker, type ProjectionWorker } from '../projector/projection-worker.js';
import { openExternalStore } from '../store/open-store.js';
import type { EventStore } from '../store/port.js';
import { SqliteEventStore, type SqliteEventStoreOptions } from '../store/sqlite/sqlite-event-store.js';
import { sha256Chain } from '../ledger/chain.js';
import { KeyUpkeep } from '../ledger/key-upkeep.js';
import type { KeyStore } from '../ledger/keys/key-store.js';
import { openKeyStore, type OpenedMasterKey } from './open-key-store.js';
import { openWorkerProgress } from './open-records.js';
import { reportWorkerProgress, type ProgressReporter } from './worker-progress-reporter.js';
import { Ledger } from '../ledger/ledger.js';
import { ledgerPaths, type LedgerPaths, type ReadModelsPlacement } from './ledger-paths.js';
import { operatorSubmitter } from './operator.js';
import type { Submitter } from '../../schemas/submitter.js';

export { DEFAULT_DB, ledgerPaths, type LedgerPaths, type ReadModelsPlacement } from './ledger-paths.js';

export interface OpenLedgerOptions {
  /** The embedded log; with `store`, the base name of the local files (key store, master key, read models). */
  readonly db: string;
  /** Connection string of an external store (`esdb://…`); omitted: the embedded store at `db`. */
  readonly store?: string;
  /** Default: inline on the embedded store, a worker on an external one. */
  readonly readModels?: ReadModelsPlacement;
  readonly env?: NodeJS.ProcessEnv;
  /** The master key's file when named apart from the data (`--master-key`). */
  readonly masterKeyFile?: string;
  /** The checkpoint signing key's file when named apart from the data (`--signing-key`). */
  readonly signingKeyFile?: string;
  readonly sqlite?: Omit<SqliteEventStoreOptions, 'path' | 'chain' | 'onAppended'>;
  /** The read models kept inline (default: all): the bench leaves one out to price it. */
  readonly projections?: readonly Projection[];
  /** Progress while a projection worker catches up at open. */
  readonly onCatchUp?: (position: number, head: number) => void;
  /** Who records when a call names nobody (default: this process's operator, by login). */
  readonly submitter?: Submitter;
  /** The worker lost the store and follows again after `delayMs`. */
  readonly onWorkerRetry?: (error: Error, delayMs: number) => void;
}

export interface OpenedLedger {
  readonly ledger: Ledger;
  readonly store: EventStore;
  readonly keys: KeyStore;
  readonly paths: LedgerPaths;
  readonly masterKey: OpenedMasterKey;
  /** Keeps the read models: inline in the append, or the worker's; null when none are kept. */
  readonly projectionRunner: ProjectionRunner | null;
  /** The database read models are read from. */
  readonly readModelsDb: Database.Database;
  /** The worker following the store, when read models are not inline. */
  readonly worker: ProjectionWorker | null;
  close(): Promise<void>;
}

export async function openLedger(options: OpenLedgerOptions): Promise<OpenedLedger> {
  const external = Boolean(options.store);
  const placement: ReadModelsPlacement = options.readModels ?? (external ? 'worker' : 'inline');
  if (external && placement === 'inline') {
    throw new ValidationError('read models cannot be inline on an external store: give them a file (--read-models PATH)');
  }
  const paths = ledgerPaths(options.db, external && placement === 'none' ? 'worker' : placement, options.signingKeyFile, options.masterKeyFile);
  const env = options.env ?? process.env;
  let inline: ProjectionRunner | null = null;
  const sqlite = external ? null : new SqliteEventStore({
    ...options.sqlite, path: paths.db, chain: sha256Chain, onAppended: (events) => inline?.apply(events),
  });
  const store: EventStore = sqlite ?? await openExternalStore(options.store!, sha256Chain);
  let readModelsDb: Database.Database | null = null;
  let worker: ProjectionWorker | null = null;
  let progress: ProgressReporter | null = null;
  let openedKeys: KeyStore | null = null;
  let releaseKeys: () => void = () => undefined;
  try {
    const head = await store.head();
    const { keys, masterKey, release } = await openKeyStore(store, paths, env);
    openedKeys = keys;
    releaseKeys = release;

    readModelsDb = sqlite && (placement === 'inline' || placement === 'none') ? sqlite.db : new Database(paths.readModelsFile);
    if (placement === 'inline' && sqlite) {
      inline = new ProjectionRunner(sqlite.db, options.projections);
      await inline.catchUp(sqlite);
    } else if (placement !== 'none') {
      worker = startProjectionWorker(store, readModelsDb, {
        onPage: (position) => {
          progress?.moved(position);
          options.onCatchUp?.(position, head.position);
        },
        onRetry: options.onWorkerRetry,
      });
      // Where this worker is, for anyone reading the shared store (pdl head --workers).
      const reports = await openWorkerProgress(store, sqlite ? paths.db : null);
      if (reports) progress = reportWorkerProgress(reports, paths.readModelsFile, worker.runner.position);
      await worker.reached(head.position);
    }
    const upkeep = new KeyUpkeep(keys);
    const ledger = new Ledger(store, keys, upkeep, options.submitter ?? operatorSubmitter());
    await upkeep.catchUp(store);
    tightenLedgerFiles(paths);
    const ownDb = readModelsDb === sqlite?.db ? null : readModelsDb;
    return {
      ledger, store, keys, paths, masterKey, projectionRunner: inline ?? worker?.runner ?? null, readModelsDb, worker,
      async close() {
        await worker?.subscription.stop();
        await progress?.stop();
        // Before the store: on PostgreSQL the key store writes through the store's connections.
        await upkeep.flush();
        await keys.close();
        release();
        await store.close();
        ownDb?.close();
      },
    };
  } catch (error) {
    await worker?.subscription.stop();
    await progress?.stop().catch(() => undefined);
    await openedKeys?.close();
    releaseKeys();
    await store.close();
    if (readModelsDb && readModelsDb !== sqlite?.db) readModelsDb.close();
    throw error;
  }
}
