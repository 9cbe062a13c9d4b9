/**
 * Following the log on PostgreSQL: reading by position is the truth, LISTEN/NOTIFY only wakes the
 * reader early, and polling covers every notification lost (a listener reconnecting, a server
 * restart, a NOTIFY sent while nobody listened).
 *
 * Appends commit in position order under the ledger lock (schema.ts), so what a reader sees is
 * always the positions 1..n. A reader still hands over only an unbroken run after its checkpoint:
 * were a row ever written around `pdl_append` and still uncommitted (or deleted), the reader waits
 * at the hole instead of moving its checkpoint past it — the skip Marten's daemon made with
 * sequence-numbered events — and ends with an error if the hole stays.
 */
import pg from 'pg';
import { LedgerError } from '../../errors.js';
import { Pause } from '../pause.js';
import { stoppable } from '../stoppable.js';
import type { RecordedEvent, Subscription, SubscriptionHandler } from '../port.js';
import { NOTIFY_CHANNEL } from './schema.js';

/** A position stays missing while later ones are committed: a row was deleted, or written around the ledger lock. */
export class MissingPositionError extends LedgerError {
  readonly code = 'TAMPERED';
  constructor(readonly position: number, waitedMs: number) {
    super(`position ${position} is missing from the log while later positions are committed (waited ${Math.round(waitedMs / 1000)} s): ` +
      'a row was deleted or written around pdl_append; `pdl verify --store …` names the break');
  }
}

/** Wake-ups for the followers of one store: one LISTEN connection, opened on first use and again after it drops. */
export class Notifier {
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private lastAttempt = 0;
  private closed = false;
  private readonly listeners = new Set<() => void>();

  /** `config` is asked at each connection: after a failover it names the new primary. */
  constructor(private readonly config: () => pg.ClientConfig, private readonly retryMs = 2000) {}

  /** Registers a wake-up; returns its unregister. */
  add(listener: () => void): () => void {
    this.listeners.add(listener);
    this.ensure();
    return () => this.listeners.delete(listener);
  }

  wakeAll(): void {
    for (const listener of this.listeners) listener();
  }

  /** Connects when not connected (at most every `retryMs`); never throws: polling covers a missing listener. */
  ensure(): void {
    if (this.closed || this.client || this.connecting || Date.now() - this.lastAttempt < this.retryMs) return;
    this.lastAttempt = Date.now();
    const client = new pg.Client(this.config());
    const drop = () => {
      if (this.client === client) this.client = null;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', () => this.wakeAll());
    this.connecting = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
        if (this.closed) {
          drop();
          return;
        }
        this.client = client;
        // Whatever was committed while nobody listened is read now.
        this.wakeAll();
      } catch {
        drop();
      } finally {
        this.connecting = null;
      }
    })();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }
}

export interface FollowOptions {
  readonly after: number;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  /** How long a hole may stay before the subscription ends with `MissingPositionError`. */
  readonly holeTimeoutMs: number;
  readonly readPage: (after: number, limit: number) => Promise<RecordedEvent[]>;
  readonly notifier: Notifier;
  readonly handler: SubscriptionHandler;
}

/** The events of `page` that continue `checkpoint` without a gap. */
export function unbrokenRun(page: readonly RecordedEvent[], checkpoint: number): readonly RecordedEvent[] {
  let n = 0;
  while (n < page.length && page[n]!.position === checkpoint + n + 1) n += 1;
  return n === page.length ? page : page.slice(0, n);
}

export function followLog(options: FollowOptions): Subscription {
  const pause = new Pause();
  let signalled = false;
  const unregister = options.notifier.add(() => {
    signalled = true;
    pause.wake();
  });

  return stoppable(async (flag) => {
    let checkpoint = options.after;
    let holeSince: number | null = null;
    try {
      while (!flag.stopped) {
        signalled = false;
        options.notifier.ensure();
        const page = await options.readPage(checkpoint, options.batchSize);
        if (flag.stopped) return;
        const run = unbrokenRun(page, checkpoint);
        if (run.length > 0) {
          holeSince = null;
          await options.handler(run);
          checkpoint = run[run.length - 1]!.position;
          continue;
        }
        if (page.length > 0) {
          holeSince ??= Date.now();
          const waited = Date.now() - holeSince;
          if (waited >= options.holeTimeoutMs) throw new MissingPositionError(checkpoint + 1, waited);
        }
        if (!signalled) await pause.for(options.pollIntervalMs);
      }
    } finally {
      unregister();
    }
  }, () => pause.wake());
}
