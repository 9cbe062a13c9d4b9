/**
 * The server's standing verdict on its own log, for `/health` and `/metrics` (README "Health and
 * the chain"): what `pdl verify` checks — the hash chain from the first event, each stored
 * checkpoint's signature and the Merkle root of the events it covers — done once at start, then
 * kept up as the log grows, so that a request reads a verdict and hashes nothing.
 *
 * Growing is cheap: a tick reads only the events after the last position verified, chained from
 * its hash, and extends the Merkle range kept from there; a checkpoint signed since is held to the
 * root of its size (from a range kept at a stretch's end, or read forward from the nearest one).
 * What growing cannot see, an event altered in place below the verified position, two more checks
 * do: every tick reads the row at the verified position again (a tail rewritten with its hash no
 * longer matches the hash verified), and every `fullEveryMs` the whole log is verified again from
 * the first event. Work is done a thousand events at a time, the request loop between.
 */
import { CompactRange } from '../merkle/compact-range.js';
import { leafHash } from '../merkle/rfc6962.js';
import { checkRow, checkpointMismatch, isTampered, signedBeyondTheEnd, type BreakKind, type ChainBreak, type TreeHead, type VerifiableLog } from '../ledger/verify.js';
import type { StoredRow } from '../store/port.js';
import type { CheckpointReader } from '../records/checkpoint-store.js';
import { checkStoredCheckpoints } from './stored-checkpoints.js';

export type ChainVerdict =
  /** The first verification since start is under way: nothing is known wrong yet. */
  | { readonly state: 'verifying'; readonly checked: number; readonly of: number; readonly since: string }
  | {
    readonly state: 'verified';
    /** Every event up to here, and every checkpoint stored, verified. */
    readonly position: number;
    readonly hash: string | null;
    readonly checkpoints: number;
    /** The last tick (the head and the tail row read again). */
    readonly checkedAt: string;
    /** When the last verification of the whole log from its first event began. */
    readonly fullCheckAt: string;
  }
  | {
    readonly state: 'broken';
    readonly position: number;
    readonly kind: BreakKind | 'forged-checkpoint';
    readonly message: string;
    readonly expected: string;
    readonly found: string;
    readonly detectedAt: string;
  }
  /** The monitor itself stopped (its thread died): nothing vouches for the chain any more. */
  | { readonly state: 'failed'; readonly message: string; readonly since: string };

/** What `/health` and `/metrics` read: the verdict as it stands, never a computation. */
export interface ChainWatch {
  verdict(): ChainVerdict;
  stop(): Promise<void>;
}

/** The lines a monitor writes (pino's logger is one): positions, kinds and hashes, never a stored value. */
export interface ChainLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ChainMonitorOptions {
  readonly log: VerifiableLog;
  /** Where the checkpoints are kept (the read models' database, or PostgreSQL with the log). */
  readonly checkpoints: Pick<CheckpointReader, 'storedAfter'>;
  /** The key stored checkpoints must be signed with: the server's own. */
  readonly verifierKey: string;
  /** How often the head is looked at (default 1 s). */
  readonly pollMs?: number;
  /** How often the whole log is verified again from the first event; 0: only at start. */
  readonly fullEveryMs: number;
  readonly logger?: ChainLogger;
  readonly now?: () => Date;
  /** Told the verdict after every tick, and as the first verification goes (a thread passes it on). */
  readonly onVerdict?: (verdict: ChainVerdict) => void;
}

/** A checkpoint whose note does not verify under the ledger's key, as a break. */
type Break = ChainBreak | (Omit<ChainBreak, 'kind'> & { readonly kind: 'forged-checkpoint' });

/** A Merkle range kept at a size, with the chain hash there: a checkpoint of a size past it is checked by reading on from it. */
interface Snapshot {
  readonly range: CompactRange;
  readonly hash: string | null;
}

/** At most this many snapshots between checkpoints; past it every other one is let go. */
const MAX_SNAPSHOTS = 64;
/** Events verified between two turns of the request loop. */
const SLICE = 1000;

/** How far a verification of the log has come: the position verified, its hash, the Merkle range to it. */
class Walk {
  verified = 0;
  hash: string | null = null;
  /** The hash before `verified`: the row at `verified` is read again against it. */
  before: string | null = null;
  range = new CompactRange();
  /** Ascending by size, the first at or before the last checkpoint checked. */
  snapshots: Snapshot[] = [{ range: new CompactRange(), hash: null }];
  /** The largest checkpoint size read so far. */
  checkpointsRead = 0;
  checkpoints = 0;
  /** Checkpoints read whose size the walk has not reached yet, ascending. */
  pending: TreeHead[] = [];

  keep(snapshot: Snapshot): void {
    this.snapshots.push(snapshot);
    if (this.snapshots.length > MAX_SNAPSHOTS) this.snapshots = this.snapshots.filter((_, i, all) => i % 2 === 0 || i === all.length - 1);
  }

  /** A checkpoint of `size` checked: no later one is smaller, so ranges before it are let go. */
  checked(size: number, snapshot: Snapshot): void {
    this.checkpoints += 1;
    this.snapshots = [snapshot, ...this.snapshots.filter((s) => s.range.size > size)];
  }
}

const STOPPED = Symbol('stopped');

export class ChainMonitor implements ChainWatch {
  private current: ChainVerdict;
  private walk: Walk | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private lastFull = 0;
  private readonly pollMs: number;
  private readonly now: () => Date;

  private constructor(private readonly options: ChainMonitorOptions) {
    this.pollMs = options.pollMs ?? 1000;
    this.now = options.now ?? (() => new Date());
    this.current = { state: 'verifying', checked: 0, of: 0, since: this.now().toISOString() };
  }

  /** Starts verifying the whole log at once, in the background; the verdict says `verifying` until it is done. */
  static start(options: ChainMonitorOptions): ChainMonitor {
    const monitor = new ChainMonitor(options);
    monitor.schedule(0);
    return monitor;
  }

  verdict(): ChainVerdict {
    return this.current;
  }

  /** A tick now, after the one under way (tests; a caller that just wrote). */
  async check(): Promise<ChainVerdict> {
    await this.runTick();
    return this.current;
  }

  /** No more ticks; a verification under way ends at its next slice. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runTick().finally(() => this.schedule(this.pollMs));
    }, ms);
    this.timer.unref();
  }

  private runTick(): Promise<void> {
    const run = this.running.then(() => this.tick()).then(() => this.options.onVerdict?.(this.current));
    this.running = run.catch(() => undefined);
    return run;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const due = this.options.fullEveryMs > 0 && this.now().getTime() - this.lastFull >= this.options.fullEveryMs;
      if ((this.walk === null && this.current.state === 'verifying') || due) await this.verifyWhole();
      else if (this.walk !== null) await this.verifyNew(this.walk);
    } catch (error) {
      // The store unreachable, most likely: /health says so on its own; the verdict stands and the next tick tries again.
      this.options.logger?.warn({ error: error instanceof Error ? error.message : String(error) }, 'the chain could not be checked; trying again');
    }
  }

  private async verifyWhole(): Promise<void> {
    const started = this.now();
    const first = this.current.state === 'verifying' ? this.current : null;
    const walk = new Walk();
    const outcome = await this.advance(walk, first ? (checked, of) => {
      this.current = { ...first, checked, of };
      this.options.onVerdict?.(this.current);
    } : undefined);
    if (outcome === STOPPED) return;
    this.lastFull = started.getTime();
    const ms = this.now().getTime() - started.getTime();
    if (outcome) return this.broken(outcome);
    const wasBroken = this.current.state === 'broken';
    this.walk = walk;
    this.verified(walk, started.toISOString());
    const fields = { position: walk.verified, checkpoints: walk.checkpoints, ms };
    if (wasBroken) this.options.logger?.warn(fields, 'the whole chain verifies again: /health reports ok');
    else this.options.logger?.info(fields, first ? 'chain verified from the first event' : 'chain verified again from the first event');
  }

  private async verifyNew(walk: Walk): Promise<void> {
    if (this.current.state !== 'verified') return;
    const outcome = await this.advance(walk);
    if (outcome === STOPPED) return;
    if (outcome) return this.broken(outcome);
    this.verified(walk, this.current.fullCheckAt);
  }

  private verified(walk: Walk, fullCheckAt: string): void {
    this.current = {
      state: 'verified', position: walk.verified, hash: walk.hash, checkpoints: walk.checkpoints,
      checkedAt: this.now().toISOString(), fullCheckAt,
    };
  }

  private broken(found: Break): void {
    this.walk = null;
    this.current = { state: 'broken', ...found, detectedAt: this.now().toISOString() };
    // Positions, kinds and hashes only: a break's words name no stored value.
    this.options.logger?.error({ position: found.position, kind: found.kind, reason: found.message }, 'the chain does not verify: /health reports degraded (503)');
  }

  private rowsAfter(position: number): AsyncIterable<StoredRow> {
    const log = this.options.log;
    return 'storedRows' in log ? log.storedRows(position) : log.readAll({ after: position });
  }

  /**
   * Takes `walk` to the end of the log: the checkpoints signed since first (a checkpoint covers
   * events already written, so one past the end read after it means the end was removed), the row
   * at the verified position again, then every row after it. The break found, if any.
   */
  private async advance(walk: Walk, onProgress?: (checked: number, of: number) => void): Promise<Break | null | typeof STOPPED> {
    const stored = await this.options.checkpoints.storedAfter(walk.checkpointsRead);
    if (stored.length > 0) {
      const { heads, forged } = await checkStoredCheckpoints(stored, this.options.verifierKey);
      const fake = forged[0];
      if (fake) {
        return {
          position: fake.size, kind: 'forged-checkpoint', expected: 'a checkpoint signed by this ledger\'s key, its row as its note says', found: fake.why,
          message: `the stored checkpoint of size ${fake.size} is forged or edited: ${fake.why}`,
        };
      }
      for (const signed of heads) {
        walk.checkpointsRead = Math.max(walk.checkpointsRead, signed.size);
        if (signed.size > walk.verified) walk.pending.push(signed);
        else {
          const outcome = await this.checkBehind(walk, signed);
          if (outcome) return outcome;
        }
      }
    }
    const head = await this.options.log.head();
    if (head.position < walk.verified) {
      return {
        position: walk.verified, kind: 'truncated', expected: `an event at position ${walk.verified}, verified before`, found: `the ledger ends at position ${head.position}`,
        message: `position ${walk.verified} was verified before, but the ledger now ends at ${head.position}: events were removed from its end`,
      };
    }
    if (walk.verified > 0) {
      const again = await this.tailAgain(walk);
      if (again) return again;
    }
    const from = walk.verified;
    try {
      for await (const row of this.rowsAfter(walk.verified)) {
        const checked = checkRow(row, walk.verified + 1, walk.hash);
        if (!checked.ok) return checked.break;
        [walk.before, walk.hash, walk.verified] = [walk.hash, checked.row.hash, walk.verified + 1];
        walk.range.append(leafHash(checked.row.leaf));
        while (walk.pending[0]?.size === walk.verified) {
          const signed = walk.pending.shift()!;
          const root = walk.range.root().toString('base64');
          if (root !== signed.root) return checkpointMismatch(signed, root);
          walk.checked(signed.size, { range: walk.range.copy(), hash: walk.hash });
        }
        if (walk.verified % SLICE === 0) {
          onProgress?.(walk.verified, Math.max(head.position, walk.verified));
          await new Promise((resolve) => setImmediate(resolve));
          if (this.stopped) return STOPPED;
        }
      }
    } catch (error) {
      if (!isTampered(error)) throw error;
      const position = walk.verified + 1;
      return {
        position, kind: 'malformed', expected: 'a readable stored event', found: error.message,
        message: `position ${position} and after cannot be read: ${error.message}`,
      };
    }
    if (walk.verified > from) walk.keep({ range: walk.range.copy(), hash: walk.hash });
    const beyond = walk.pending.at(-1);
    return beyond ? signedBeyondTheEnd(beyond, walk.verified) : null;
  }

  /** The row at the verified position read again: still the row verified, with the hash verified. */
  private async tailAgain(walk: Walk): Promise<Break | null> {
    for await (const row of this.rowsAfter(walk.verified - 1)) {
      const checked = checkRow(row, walk.verified, walk.before);
      if (!checked.ok) return checked.break;
      if (checked.row.hash === walk.hash) return null;
      return {
        position: walk.verified, kind: 'anchor-mismatch', expected: walk.hash ?? '', found: checked.row.hash,
        message: `position ${walk.verified}: the hash differs from the one verified before: the event was rewritten together with its hash`,
      };
    }
    return {
      position: walk.verified, kind: 'truncated', expected: `an event at position ${walk.verified}, verified before`, found: 'no event there',
      message: `position ${walk.verified} was verified before and is gone: events were removed from the ledger's end`,
    };
  }

  /**
   * A checkpoint signed over a size the walk has passed: the root of that size, from the range kept
   * at it or read forward from the nearest range kept before it (each row read again is chained too).
   */
  private async checkBehind(walk: Walk, signed: TreeHead): Promise<Break | null> {
    const base = walk.snapshots.filter((s) => s.range.size <= signed.size).at(-1)!;
    const range = base.range.copy();
    let hash = base.hash;
    if (range.size < signed.size) {
      for await (const row of this.rowsAfter(range.size)) {
        const checked = checkRow(row, range.size + 1, hash);
        if (!checked.ok) return checked.break;
        hash = checked.row.hash;
        range.append(leafHash(checked.row.leaf));
        if (range.size === signed.size) break;
      }
      if (range.size < signed.size) return signedBeyondTheEnd(signed, range.size);
    }
    const root = range.root().toString('base64');
    if (root !== signed.root) return checkpointMismatch(signed, root);
    walk.checked(signed.size, { range, hash });
    return null;
  }
}
