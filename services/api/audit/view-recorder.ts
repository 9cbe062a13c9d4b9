/**
 * Reads are audited: whenever the API returns decrypted values, a `DataViewed` event goes into
 * the ledger — the key's id and role as actor, the subject, the categories shown, the operation —
 * so "who looked at my data" is answered by the ledger itself, in the subject's access log.
 *
 * Batched, so a busy DPO does not turn reads into a write storm: views of one key, subject and
 * operation within a window are merged into one event (categories united, `views` counted) and
 * all are written in one `record` call when the window closes, or sooner when many are pending.
 */
import type { Logger } from 'pino';
import { dataViewedEvent } from '../../ledger/data-viewed.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { Principal } from '../auth/api-keys.js';

export interface ViewRecorderOptions {
  /** How long views are gathered before they are written. */
  readonly windowMs?: number;
  /** Write at once when this many distinct (key, subject, operation) views are pending. */
  readonly maxPending?: number;
  readonly now?: () => Date;
}

interface PendingView {
  readonly principal: Principal;
  readonly subjectId: string;
  readonly operation: string;
  readonly categories: Set<string>;
  views: number;
}

/** DataViewed records appended per transaction (a few milliseconds of the loop each). */
const WRITE_SLICE = 20;

export class ViewRecorder {
  private pending = new Map<string, PendingView>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly windowMs: number;
  private readonly maxPending: number;
  private readonly now: () => Date;

  constructor(private readonly ledger: Ledger, private readonly log: Pick<Logger, 'error'>, options: ViewRecorderOptions = {}) {
    this.windowMs = options.windowMs ?? 2_000;
    this.maxPending = options.maxPending ?? 500;
    this.now = options.now ?? (() => new Date());
  }

  /** Notes that `principal` was shown `categories` of `subjectId` through `operation`. */
  viewed(principal: Principal, subjectId: string, categories: readonly string[], operation: string): void {
    if (categories.length === 0) return;
    const key = JSON.stringify([principal.keyId, subjectId, operation]);
    const entry = this.pending.get(key) ?? { principal, subjectId, operation, categories: new Set<string>(), views: 0 };
    for (const category of categories) entry.categories.add(category);
    entry.views += 1;
    this.pending.set(key, entry);
    if (this.pending.size >= this.maxPending) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
  }

  /** Writes every pending view now; resolves when they are in the ledger. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    if (batch.length === 0) return this.writing;
    // One write at a time, in order: views recorded before are stored before.
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  private async write(batch: readonly PendingView[]): Promise<void> {
    const occurredAt = this.now().toISOString();
    const events = batch.map((view) => dataViewedEvent({
      subjectId: view.subjectId, actorId: `api-key:${view.principal.keyId}`, role: view.principal.role,
      operation: view.operation, categories: view.categories, views: view.views,
    }, occurredAt));
    try {
      // In small chunks, with the request loop between them: an append holds the loop while it runs,
      // and the reads being audited should not wait for a whole batch of audit records.
      const result = await this.ledger.record(events, { chunkSize: WRITE_SLICE });
      if (result.rejected.length > 0) {
        this.log.error({ rejected: result.rejected.length, errors: result.rejected[0]!.errors }, 'DataViewed events refused: reads were not all audited');
      }
    } catch (error) {
      this.log.error({ error: error instanceof Error ? error.name : String(error), views: batch.length }, 'could not record DataViewed events: reads were not all audited');
    }
  }
}
