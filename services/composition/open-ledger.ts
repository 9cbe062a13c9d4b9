/**
 * Opens the ledger: the event log — the embedded SQLite file at `db`, or a PostgreSQL or
 * EventStoreDB/KurrentDB server named by `store` — the key store (open-key-store.ts: beside `db`,
 * or on the PostgreSQL server with the log), the master key (`PDL_MASTER_KEY`, else
 * `ledger.master.key`) and the read models: by default kept in the embedded log's own file by a
 * projection worker of this process once each append has committed (README "Read your writes");
 * inline in the append transaction when asked; or by a worker in a file of their own.
 */
import Database from 'better-sqlite3';
import { tightenLedgerFiles } from './private-files.js';
import { ProjectionRunner } from '../../projections/runner.js';
import type { Projection } from '../../projections/projection.js';
import { ValidationError } from '../errors.js';
import { startProjectionWorker, type ProjectionWorker } from '../projector/projection-worker.js';
import { readModelsClock, type ReadModelsClock } from '../projector/read-models-clock.js';
import { openExternalStore } from '../store/open-store.js';
import type { EventStore, RecordedEvent } from '../store/port.js';
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
  /** Default: deferred (the log's own file, a worker of this process) on the embedded store, a worker on an external one. */
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
  /** How long a read waits for a position asked for (default READ_WAIT_MS, 5 s). */
  readonly readWaitMs?: number;
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
  /**
   * Where the read models stand, and a bounded wait for a position a write answered with
   * (read-your-writes); a ledger opened without read models never reaches any.
   */
  readonly readModelsClock: ReadModelsClock;
  /** Where the read models are kept, as opened. */
  readonly placement: ReadModelsPlacement;
  close(): Promise<void>;
}

export async function openLedger(options: OpenLedgerOptions): Promise<OpenedLedger> {
  const external = Boolean(options.store);
  const placement: ReadModelsPlacement = options.readModels ?? (external ? 'worker' : 'deferred');
  if (external && (placement === 'inline' || placement === 'deferred')) {
    throw new ValidationError('read models cannot be kept in the log\'s own file on an external store: give them a file (--read-models PATH)');
  }
  const paths = ledgerPaths(options.db, external && placement === 'none' ? 'worker' : placement, options.signingKeyFile, options.masterKeyFile);
  const env = options.env ?? process.env;
  let inline: ProjectionRunner | null = null;
  const sqlite: SqliteEventStore | null = external ? null : new SqliteEventStore({
    compressBodies: compressBodiesOf(env), ...options.sqlite, path: paths.db, chain: sha256Chain, onAppended: (events) => inline && applyInline(inline, sqlite!, events),
  });
  const store: EventStore = sqlite ?? await openExternalStore(options.store!, sha256Chain);
  let readModelsDb: Database.Database | null = null;
  let workerDb: Database.Database | null = null;
  let worker: ProjectionWorker | null = null;
  let progress: ProgressReporter | null = null;
  let openedKeys: KeyStore | null = null;
  let releaseKeys: () => void = () => undefined;
  try {
    const head = await store.head();
    const { keys, masterKey, release } = await openKeyStore(store, paths, env);
    openedKeys = keys;
    releaseKeys = release;

    // Deferred, the models are read (and checkpoints signed) through the log's own connection, and
    // written through one of the worker's own: its commits are not flushed, the log's are.
    readModelsDb = sqlite && placement !== 'worker' && typeof placement !== 'object' ? sqlite.db : new Database(paths.readModelsFile);
    workerDb = placement === 'deferred' ? new Database(paths.db) : readModelsDb;
    if (placement === 'inline' && sqlite) {
      inline = new ProjectionRunner(sqlite.db, options.projections);
      await inline.catchUp(sqlite);
    } else if (placement !== 'none') {
      worker = startProjectionWorker(store, workerDb, {
        onPage: (position) => {
          progress?.moved(position);
          options.onCatchUp?.(position, head.position);
        },
        onRetry: options.onWorkerRetry,
      });
      // Where this worker is, for anyone reading the shared store (pdl head --workers).
      // A deferred worker keeps the log's own models, no replica: nothing to report.
      const reports = placement === 'deferred' ? null : await openWorkerProgress(store, sqlite ? paths.db : null);
      if (reports) progress = reportWorkerProgress(reports, paths.readModelsFile, worker.runner.position);
      await worker.reached(head.position);
    }
    const upkeep = new KeyUpkeep(keys);
    const ledger = new Ledger(store, keys, upkeep, options.submitter ?? operatorSubmitter());
    await upkeep.catchUp(store);
    tightenLedgerFiles(paths);
    const ownDb = readModelsDb === sqlite?.db ? null : readModelsDb;
    const ownWorkerDb = workerDb === readModelsDb ? null : workerDb;
    const runner = inline ?? worker?.runner ?? null;
    const running = worker;
    const clock = readModelsClock({
      // As stored: another process writing the same file applies what it appends too.
      stored: () => runner?.storedPosition() ?? 0,
      head: async () => (await store.head()).position,
      ...(running ? { onMoved: (listener: () => void) => running.moved(listener) } : {}),
      failure: () => (runner ? running?.failure() ?? null : new Error('this process keeps no read models')),
    }, options.readWaitMs);
    return {
      ledger, store, keys, paths, masterKey, projectionRunner: runner, readModelsDb, worker, readModelsClock: clock, placement,
      async close() {
        // What this process appended is applied before it goes: after a command, its models are current.
        if (placement === 'deferred' && running && !running.failure()) {
          await running.reached((await store.head()).position).catch(() => undefined);
        }
        await worker?.subscription.stop();
        await progress?.stop();
        // Before the store: on PostgreSQL the key store writes through the store's connections.
        await upkeep.flush();
        await keys.close();
        release();
        await store.close();
        ownWorkerDb?.close();
        ownDb?.close();
      },
    };
  } catch (error) {
    await worker?.subscription.stop();
    await progress?.stop().catch(() => undefined);
    await openedKeys?.close();
    releaseKeys();
    await store.close();
    if (workerDb && workerDb !== readModelsDb) workerDb.close();
    if (readModelsDb && readModelsDb !== sqlite?.db) readModelsDb.close();
    throw error;
  }
}

/**
 * Inline read models, in the append transaction. Another process may keep this file's models
 * deferred (applied after its appends commit): what it appended and has not applied yet is
 * applied here first, from the log, so no event is skipped.
 */
function applyInline(runner: ProjectionRunner, log: SqliteEventStore, events: readonly RecordedEvent[]): void {
  runner.reloadCheckpoints();
  const first = events[0]!.position;
  const applied = runner.position;
  runner.apply(applied < first - 1 ? [...log.readPage(applied, first - 1 - applied), ...events] : events);
}

/** PDL_LOG_BODIES: how the embedded log stores new bodies — `compressed` (the default) or `json` (README "Bytes per event"). */
function compressBodiesOf(env: NodeJS.ProcessEnv): boolean {
  const choice = env.PDL_LOG_BODIES ?? 'compressed';
  if (choice !== 'compressed' && choice !== 'json') {
    throw new ValidationError(`PDL_LOG_BODIES is "compressed" (the default) or "json" (bodies as JSON text: faster writes, more bytes), not ${JSON.stringify(choice.slice(0, 40))}`);
  }
  return choice === 'compressed';
}
