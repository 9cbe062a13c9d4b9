/**
 * The delivery records port (README "Erasure that reaches every copy: delivery"): for each deletion
 * order and each channel it goes out on — a target's signed webhook, the orders topic — where its
 * delivery stands: waiting for its next attempt, delivered, given up, or closed because the target
 * confirmed first. A delivery cannot be derived from the log (an attempt is made once, at a time,
 * against a server out there), so it is kept apart from the read models, and a restart resumes
 * each one where it was: the attempts made and the time of the next. Several servers of one ledger
 * may share the store: an attempt is claimed under a lease, so two never make it at once.
 * Adapters: sqlite-delivery-store.ts (`<db>.deliveries.db`), postgres-delivery-store.ts.
 *
 * What is kept is what is sent — ids and categories, never a value — and, for a failure, a reason
 * the ledger wrote (an HTTP status, an error code), never a receiver's answer.
 */
import { MalformedRecordError } from './errors.js';

export const DELIVERY_CHANNELS = ['webhook', 'kafka'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** pending: an attempt is to come; delivered: acknowledged; failed: given up after the last attempt allowed; closed: the order was confirmed before it was delivered. */
export const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'closed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface NewDelivery {
  readonly orderId: string;
  readonly channel: DeliveryChannel;
  /** kind:id, e.g. "system:user-db". */
  readonly target: string;
  /** The exact bytes every attempt sends (a retry is the same message: the same id, the same signature input). */
  readonly payload: string;
  /**
   * Why no attempt can ever be made (its message does not fit the schema): kept failed at once with
   * this as its error, never claimed — its order is then a manual task, not only a log line.
   */
  readonly undeliverable?: string;
}

export interface Delivery extends NewDelivery {
  readonly state: DeliveryState;
  /** Attempts begun (counted as each is claimed: one cut short by a crash counts too). */
  readonly attempts: number;
  readonly createdAt: string;
  /** When the next attempt may begin; null once delivered, failed or closed. */
  readonly nextAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  /** Why the last attempt failed, in the ledger's words (e.g. "HTTP 500", "ECONNREFUSED"). */
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
}

export interface DeliveryCount {
  readonly channel: DeliveryChannel;
  readonly state: DeliveryState;
  readonly count: number;
}

export interface DeliveryStore {
  /** Keeps deliveries not kept yet (by order and channel), due at once; returns how many were new. */
  enqueue(deliveries: readonly NewDelivery[], now: Date): Promise<number>;
  /**
   * Up to `limit` pending deliveries due by `now`, soonest first, each counted as one attempt more
   * and held for `leaseMs` (no other claim gets it meanwhile; unreported, it is due again after).
   */
  claim(now: Date, leaseMs: number, limit: number): Promise<Delivery[]>;
  succeeded(orderId: string, channel: DeliveryChannel, at: Date): Promise<void>;
  /** The attempt failed: tried again at `retryAt`, or — null — given up (state failed). */
  failed(orderId: string, channel: DeliveryChannel, outcome: { readonly at: Date; readonly error: string; readonly retryAt: Date | null }): Promise<void>;
  /** The order was confirmed before this delivery went out: nothing more is sent. */
  closed(orderId: string, channel: DeliveryChannel, at: Date): Promise<void>;
  /** How many deliveries stand in each state, per channel (those with none left out). */
  counts(): Promise<DeliveryCount[]>;
  /** Deliveries of these orders (or of all), in these states (or any), oldest first, at most `limit`. */
  list(query: { readonly orderIds?: readonly string[]; readonly states?: readonly DeliveryState[]; readonly limit: number }): Promise<Delivery[]>;
  close(): Promise<void>;
}

/** A row as either adapter reads it back; its enumerations checked, never taken at their word. */
export interface DeliveryRow {
  order_id: string;
  channel: string;
  target: string;
  payload: string;
  state: string;
  attempts: number | string;
  created_at: string;
  next_attempt_at: number | string | null;
  last_attempt_at: string | null;
  last_error: string | null;
  delivered_at: string | null;
}

const known = <T extends string>(values: readonly T[], value: string, what: string, orderId: string): T => {
  const found = values.find((v) => v === value);
  if (found === undefined) throw new MalformedRecordError(`the delivery of order ${orderId} is stored with a ${what} this ledger does not write: refused`);
  return found;
};

export const deliveryChannel = (value: string, orderId: string): DeliveryChannel => known(DELIVERY_CHANNELS, value, 'channel', orderId);
export const deliveryState = (value: string, orderId: string): DeliveryState => known(DELIVERY_STATES, value, 'state', orderId);

export function deliveryOf(row: DeliveryRow): Delivery {
  return {
    orderId: row.order_id, channel: deliveryChannel(row.channel, row.order_id), target: row.target, payload: row.payload,
    state: deliveryState(row.state, row.order_id), attempts: Number(row.attempts), createdAt: row.created_at,
    nextAttemptAt: row.next_attempt_at === null ? null : new Date(Number(row.next_attempt_at)).toISOString(),
    lastAttemptAt: row.last_attempt_at, lastError: row.last_error, deliveredAt: row.delivered_at,
  };
}
