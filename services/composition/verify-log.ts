/**
 * `pdl verify` on the log alone: the chain and the Merkle root at every checkpoint, from the log
 * database (and the file the checkpoints are kept in, when not the log) opened read-only — no key
 * store, no master key, no signing key needed, and no file created beside the ledger. Held also
 * to checkpoints kept outside the operator's reach: one the verifier remembers from an earlier
 * run (VerifyState), and one handed in (`--since`).
 */
import { existsSync, realpathSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { ValidationError } from '../errors.js';
import type { Anchor, ChainBreak, TreeHead } from '../ledger/verify.js';
import { loadSigner } from '../proofs/note-signer.js';
import { readStoredCheckpoints, verifyLedger, type GenuineCheckpoint } from '../proofs/stored-checkpoints.js';
import { openNote, parseCheckpoint, parseVerifierKey, splitNote, type VerifierKey } from '../proofs/verifier/verify-proof.js';
import { openExternalStore } from '../store/open-store.js';
import type { CheckpointReader } from '../records/checkpoint-store.js';
import { PostgresCheckpointStore } from '../records/postgres-checkpoint-store.js';
import { SqliteCheckpointStore } from '../records/sqlite-checkpoint-store.js';
import { postgresRecordsOf } from './open-records.js';
import type { EventStore } from '../store/port.js';
import { SqliteLogReader, openToRead } from '../store/sqlite/sqlite-log-reader.js';
import type { VerifyState } from './verify-state.js';
import { ledgerPaths } from './ledger-paths.js';

/** Where the key checkpoints were checked with came from: only `pinned` (and a key seen before, `remembered`) hold against the operator. */
export type KeySource = 'pinned' | 'remembered' | 'ledger' | 'signing-key' | 'none';

export interface LogVerifyOptions {
  readonly db: string;
  readonly store?: string;
  readonly readModels?: string;
  /** The verifier key the operator published (`--key`). */
  readonly key?: string;
  /** A checkpoint note the verifier kept (`--since FILE`). */
  readonly since?: { readonly file: string; readonly note: string };
  readonly state: VerifyState | null;
  /** Events older than this many minutes must be covered by a signed checkpoint; null: not asked. */
  readonly graceMinutes: number | null;
  readonly anchor?: Anchor;
  readonly env: NodeJS.ProcessEnv;
  readonly now: Date;
  readonly onProgress?: (checked: number, total: number) => void;
}

/** Said on every run: the chain covers ciphertext, so these need the keys, not the log. */
export const NOT_CHECKED_WITHOUT_KEYS = [
  'that each sealed value opens under its subject\'s key (AES-GCM authentication needs the key store and master key)',
  'the blind index (kept in the key store, under its own secret)',
  'the idempotency digests of events with personal values (HMACs keyed from the subjects\' keys)',
];

type Log = Pick<EventStore, 'head' | 'readAll' | 'close'> | SqliteLogReader;

/**
 * The log and where its checkpoints are read from: PostgreSQL with the log when it is there, else
 * the read models' file (`--read-models`, `<db>.read.db` beside an external store), else the log's own file.
 */
async function openLog(options: LogVerifyOptions): Promise<{ log: Log; checkpoints: CheckpointReader | null; close(): Promise<void> }> {
  const external = options.store ? await openExternalStore(options.store) : null;
  const log: Log = external ?? new SqliteLogReader(options.db);
  const onServer = external ? await postgresRecordsOf(external) : null;
  const where = onServer ? null : options.readModels ?? (options.store ? ledgerPaths(options.db, 'worker').readModelsFile : null);
  let own: Database.Database | null = null;
  try {
    own = where !== null && existsSync(where) ? openToRead(where, 'read-models database') : null;
  } catch (error) {
    await log.close();
    throw error;
  }
  const file = own ?? (log instanceof SqliteLogReader ? log.db : null);
  const checkpoints = onServer ? new PostgresCheckpointStore(onServer) : file ? new SqliteCheckpointStore(file) : null;
  return {
    log, checkpoints,
    async close() {
      own?.close();
      await log.close();
    },
  };
}

function resolveKey(options: LogVerifyOptions, recorded: string | null, location: string): { key: string | null; source: KeySource } {
  if (options.key !== undefined) return { key: options.key.trim(), source: 'pinned' };
  if (recorded !== null) return { key: recorded, source: 'ledger' };
  try {
    const signer = loadSigner({ keyFile: ledgerPaths(options.db).signingKeyFile, env: options.env, create: false });
    return { key: signer.verifierKey, source: 'signing-key' };
  } catch {
    // No key in the ledger (removed with its checkpoints, or never written): the one this verifier saw here before.
    const seen = options.state?.seenAt(location).at(-1);
    return seen ? { key: seen.verifierKey, source: 'remembered' } : { key: null, source: 'none' };
  }
}

async function parsedKey(text: string): Promise<VerifierKey> {
  try {
    return await parseVerifierKey(text);
  } catch (error) {
    throw new ValidationError(`--key: ${error instanceof Error ? error.message : String(error)} (give the verifier key the operator published, from \`pdl checkpoint --verifier-key\`)`);
  }
}

/** The kept note, checked under the key: its tree head, or the break that its not verifying is. */
async function sinceHead(since: NonNullable<LogVerifyOptions['since']>, key: VerifierKey | null, source: KeySource): Promise<TreeHead | ChainBreak> {
  let claimed;
  try {
    claimed = parseCheckpoint(splitNote(since.note).text);
  } catch (error) {
    throw new ValidationError(`--since ${since.file} is not a checkpoint note as \`pdl checkpoint\` prints it: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (key === null) throw new ValidationError(`--since: the ledger records no verifier key to check ${since.file} with: pass the published one with --key`);
  try {
    const signed = parseCheckpoint(await openNote(since.note, key));
    return { size: signed.size, root: signed.root, from: `the checkpoint you kept (${since.file})` };
  } catch (error) {
    return {
      position: claimed.size, kind: 'checkpoint-mismatch', expected: `a checkpoint signed by ${source === 'pinned' ? 'the key you pinned' : 'the ledger\'s key'}`,
      found: error instanceof Error ? error.message : String(error),
      message: `the checkpoint you kept (${since.file}) does not verify under ${source === 'pinned' ? 'the key you pinned' : 'the key the ledger records now'}: ` +
        'the ledger\'s key was replaced, or the note is of another ledger',
    };
  }
}

const isBreak = (value: TreeHead | ChainBreak): value is ChainBreak => 'kind' in value;

/** The checkpoints this verifier remembers under the key, each checked again (the state file is only a file). */
async function recalled(state: VerifyState, text: string, key: VerifierKey): Promise<TreeHead[]> {
  const heads: TreeHead[] = [];
  for (const entry of state.recall(text)) {
    let signed;
    try {
      signed = parseCheckpoint(await openNote(entry.note, key));
    } catch {
      throw new ValidationError(`${state.path}: the checkpoint remembered for this key does not verify under it: the file was altered; move it away, or pass --no-state`);
    }
    heads.push({ size: signed.size, root: signed.root, from: `the checkpoint of size ${signed.size} this verifier saw on ${entry.verifiedAt.slice(0, 10)} (${state.path})` });
  }
  return heads;
}

/** Where a ledger is, for the state file's report: a path made absolute, or a server with no credentials. */
export function ledgerLocation(options: Pick<LogVerifyOptions, 'db' | 'store'>): string {
  if (options.store) return options.store.replace(/\/\/[^@/]*@/, '//');
  return existsSync(options.db) ? realpathSync(options.db) : options.db;
}

export async function verifyLog(options: LogVerifyOptions) {
  const opened = await openLog(options);
  try {
    const stored = opened.checkpoints ? await readStoredCheckpoints(opened.checkpoints) : { rows: [], verifierKey: null };
    const location = ledgerLocation(options);
    const { key, source } = resolveKey(options, stored.verifierKey, location);
    const parsed = key === null ? null : await parsedKey(key);
    const since = options.since ? await sinceHead(options.since, parsed, source) : undefined;
    const { state } = options;
    const held: TreeHead[] = key !== null && parsed && state ? await recalled(state, key, parsed) : [];
    const kept = since && !isBreak(since) ? since : null;
    if (kept) held.push(kept);
    const report = await verifyLedger(opened.log, stored.rows, () => key, {
      anchor: options.anchor, checkpoints: held, onProgress: options.onProgress,
      unsignedTail: options.graceMinutes === null ? undefined
        : { cutoff: new Date(options.now.getTime() - options.graceMinutes * 60_000), grace: `${options.graceMinutes} min` },
    });
    const firstBreak = report.firstBreak ?? (since && isBreak(since) ? since : undefined);
    const ok = report.ok && firstBreak === undefined;
    const otherKeys = key !== null && state ? state.otherKeysAt(location, key).map((e) => e.verifierKey) : [];
    let saved: GenuineCheckpoint | null = null;
    if (ok && key !== null && parsed && state) {
      const candidates: GenuineCheckpoint[] = [...report.genuine, ...(kept && options.since ? [{ ...kept, origin: parsed.name, note: options.since.note }] : [])];
      const latest = candidates.sort((a, b) => b.size - a.size)[0];
      if (latest && state.remember({ ...latest, verifierKey: key, verifiedAt: options.now.toISOString(), ledger: location })) saved = latest;
    }
    return {
      ok, checked: report.checked, head: report.head, ...(firstBreak ? { firstBreak } : {}),
      checkpoints: report.checkpoints, forged: report.forged, uncheckedCheckpoints: report.unchecked,
      key: { verifierKey: key, source, recorded: stored.verifierKey },
      heldTo: held.map((h) => ({ size: h.size, from: h.from ?? '' })),
      remembered: saved && state ? { size: saved.size, state: state.path } : null,
      otherKeysRemembered: otherKeys,
      notChecked: NOT_CHECKED_WITHOUT_KEYS,
    };
  } finally {
    await opened.close();
  }
}

export type LogVerification = Awaited<ReturnType<typeof verifyLog>>;
