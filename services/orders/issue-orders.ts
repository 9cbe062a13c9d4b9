/**
 * Records the deletion orders that are due (projections/deletion-orders/due-orders.ts) through the
 * normal write path, as the ledger's own events in each subject's stream — chained and proven like
 * everything else. Each order's event id is its order id, derived from (subject, cause, target):
 * a retry, a second run or a second process appends nothing new.
 */
import type Database from 'better-sqlite3';
import { dueOrders, type DueOrder } from '../../projections/deletion-orders/due-orders.js';
import type { Submitter } from '../../schemas/submitter.js';
import { ID_TAKEN, type Ledger } from '../ledger/ledger.js';

/** Who the orders are recorded as: the ledger's own component, never a caller. */
export const ORDERS_SUBMITTER: Submitter = { kind: 'ledger', id: 'ledger.deletion-orders' };
export const ORDERS_ACTOR = { kind: 'system', id: 'pdl-deletion-orders' } as const;

export interface IssueResult {
  /** Orders that were due and not yet in the read models. */
  readonly due: number;
  readonly appended: number;
  /** Already in the log (another run got there first): nothing new. */
  readonly alreadyOrdered: number;
  /** Refused for another reason: each with its problems (ids and paths only). */
  readonly rejected: readonly { readonly orderId: string; readonly errors: readonly { path: string; message: string }[] }[];
  /** The log position of the last order appended (null: none): where read models must be before they show them. */
  readonly lastPosition: number | null;
}

/** The DeletionOrdered event of a due order, issued at `now`. */
export function orderEvent(order: DueOrder, now: string) {
  return {
    id: order.orderId, type: 'DeletionOrdered', occurredAt: now, subject: { id: order.subjectId }, actor: ORDERS_ACTOR,
    data: { orderId: order.orderId, target: order.target, categories: order.categories, reason: order.reason, cause: order.cause, causedAt: order.causedAt, dueBy: order.dueBy },
  };
}

/**
 * Issues every order due as of `asOf` (default: now). `asOf` decides which causes have arisen (a
 * retention that has ended); the due dates come from the causes, whenever this runs.
 */
export async function issueDeletionOrders(
  ledger: Pick<Ledger, 'record'>,
  readModels: Database.Database,
  options: { asOf?: string; now?: () => Date; subjectId?: string } = {},
): Promise<IssueResult> {
  const now = (options.now ?? (() => new Date()))().toISOString();
  const due = dueOrders(readModels, options.asOf ?? now, options.subjectId === undefined ? {} : { subjectId: options.subjectId });
  if (due.length === 0) return { due: 0, appended: 0, alreadyOrdered: 0, rejected: [], lastPosition: null };
  const result = await ledger.record(due.map((order) => orderEvent(order, now)), { submitter: ORDERS_SUBMITTER });
  const taken = result.rejected.filter((r) => r.reason === ID_TAKEN).length;
  return {
    due: due.length, appended: result.appended, alreadyOrdered: result.duplicates + taken,
    rejected: result.rejected.filter((r) => r.reason !== ID_TAKEN).map((r) => ({ orderId: r.id ?? '?', errors: r.errors })),
    lastPosition: result.outcomes.reduce<number | null>((last, outcome) => (outcome.status === 'appended' ? Math.max(last ?? 0, outcome.position) : last), null),
  };
}

/**
 * Runs the issuer in a server: on an interval (time-based causes, a retention's end, need a clock)
 * and soon after appends (an erasure request gets its orders within a second), one run at a time.
 */
export class OrderIssuer {
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly run: () => Promise<IssueResult>,
    private readonly onResult: (result: IssueResult) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    if (intervalMs > 0) {
      this.timer = setInterval(() => this.poke(0), intervalMs);
      this.timer.unref();
    }
    this.poke(0);
  }

  /** Something was appended: run within `delayMs` (several appends in that time are one run). */
  poke(delayMs = 1000): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.runOnce();
    }, delayMs);
    this.soon.unref();
  }

  private async runOnce(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().then(this.onResult, this.onError);
    await this.running;
    this.running = null;
    if (this.again) {
      this.again = false;
      this.poke(0);
    }
  }

  /** Stops the clock and waits for a run in hand. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = null;
    this.soon = null;
    await this.running;
  }
}
