/**
 * Delivers deletion orders on real channels (README "Erasure that reaches every copy: delivery"):
 * each order not yet confirmed goes to its target's signed webhook (Standard Webhooks) when the
 * operator's delivery file gives it one, and onto the orders topic when the file names one. Every
 * delivery is a record (services/records/delivery-store.ts) made before its first attempt, so a
 * failure is retried with exponential backoff across restarts, from where it was: the attempts
 * made, the time of the next. An order its target confirmed meanwhile is not sent any more.
 * What is sent is ids and categories (schemas/deletion-order-message.ts); what is logged is the
 * order id, the channel, the target and the ledger's own word for a failure — never a URL (it may
 * carry a token), a secret, or what a receiver answered.
 */
import type { Logger } from 'pino';
import * as z from 'zod';
import { DELETION_ORDER_MESSAGE_TYPE, DeletionOrderMessage, ORDER_HEADER_NAMES } from '../../schemas/deletion-order-message.js';
import type { OrderView } from '../../projections/deletion-orders/order-status.js';
import type { Delivery, DeliveryChannel, DeliveryStore, NewDelivery } from '../records/delivery-store.js';
import { targetKey, targetOfKey, type DeliveryConfig } from './delivery-config.js';
import { signWebhook } from './webhook-signature.js';

/** How long one webhook may take to answer. */
const WEBHOOK_TIMEOUT_MS = 10_000;
/** A claimed delivery is another server's again after this, if its attempt never reported (a crash). */
const LEASE_MS = WEBHOOK_TIMEOUT_MS + 20_000;
/** Deliveries attempted at once by one server. */
const BATCH = 20;
/** How often every open order is checked for a delivery not yet kept (orders recorded by another process). */
const SWEEP_EVERY_MS = 60_000;

export type AttemptOutcome = 'delivered' | 'retrying' | 'gave-up' | 'closed';

export interface OrderMessageOut {
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/** The orders topic's producer (kafkajs in a server; any sender in a test). */
export interface OrderTopic {
  readonly topic: string;
  send(message: OrderMessageOut): Promise<void>;
  stop(): Promise<void>;
}

export interface OrderSource {
  /** Orders not confirmed as of now: each is to be delivered. */
  unconfirmed(): OrderView[];
  /** One order as it stands now; null: unknown here (not yet in these read models). */
  one(orderId: string): OrderView | null;
}

/** The message of an order, checked against its schema: a field that could carry a value would be refused here first. */
export function orderMessage(order: OrderView, at: Date): DeletionOrderMessage {
  return DeletionOrderMessage.parse({
    type: DELETION_ORDER_MESSAGE_TYPE, timestamp: at.toISOString(),
    data: {
      orderId: order.orderId, eventId: order.eventId, subjectId: order.subjectId, target: order.target, categories: order.categories,
      reason: order.reason, cause: order.cause, causedAt: order.causedAt, dueBy: order.dueBy, orderedAt: order.orderedAt,
    },
  });
}

/** The wait before attempt n + 1 after n failed: doubling from the first delay up to the largest, with a tenth of jitter so that targets back up apart. */
export function backoffMs(attempts: number, retry: DeliveryConfig['retry'], random = Math.random): number {
  const base = Math.min(retry.maxDelayMs, retry.firstDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (1 + 0.1 * random()));
}

/** The ledger's own words for a failed request: a status, an error code — never the receiver's body. */
function failureOf(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'unknown error';
}

export interface DeliveryDeps {
  readonly store: DeliveryStore;
  readonly config: DeliveryConfig;
  readonly orders: OrderSource;
  readonly topic: OrderTopic | null;
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly onAttempt?: (channel: DeliveryChannel, outcome: AttemptOutcome) => void;
  readonly now?: () => Date;
}

export class OrderDelivery {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private sweepWanted = true;
  private lastSweep = 0;
  private stopped = false;
  /** Orders this process has kept deliveries for: a sweep skips them (the store would keep nothing new of them anyway). */
  private readonly kept = new Set<string>();
  private readonly now: () => Date;

  constructor(private readonly deps: DeliveryDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The channels an order goes out on: its target's webhook, and the topic (every order). */
  channelsOf(order: Pick<OrderView, 'target'>): DeliveryChannel[] {
    return [
      ...(this.deps.config.webhookOf(order.target) ? ['webhook' as const] : []),
      ...(this.deps.config.kafka ? ['kafka' as const] : []),
    ];
  }

  /**
   * The channels changed (the delivery file taken again): every unconfirmed order is looked at again
   * at the next sweep, so a target given a webhook gets deliveries for the orders it already has.
   */
  reconsider(): void {
    this.kept.clear();
  }

  /** Keeps a delivery for every channel of every unconfirmed order that has none yet; returns how many were new. */
  async sweep(): Promise<number> {
    const at = this.now();
    const fresh = this.deps.orders.unconfirmed().filter((order) => !this.kept.has(order.orderId));
    const deliveries: NewDelivery[] = fresh.flatMap((order) => {
      const channels = this.channelsOf(order);
      if (channels.length === 0) return [];
      let payload: string;
      try {
        payload = JSON.stringify(orderMessage(order, at));
      } catch (error) {
        // One order the message schema refuses (a category this version no longer knows) must not hold back every
        // other; it is kept failed on each channel, so the console and GraphQL show it as a manual task.
        const paths = error instanceof z.ZodError ? error.issues.map((issue) => issue.path.join('.')) : [];
        this.deps.log.error({ orderId: order.orderId, target: targetKey(order.target), paths }, 'deletion order not deliverable: its message does not fit the schema; a manual task now — close it by hand (confirmDeletionOrder) once its target deleted');
        const undeliverable = `its message does not fit the schema${paths.length > 0 ? ` (${paths.join(', ')})` : ''}`;
        return channels.map((channel) => ({ orderId: order.orderId, channel, target: targetKey(order.target), payload: '', undeliverable }));
      }
      return channels.map((channel) => ({ orderId: order.orderId, channel, target: targetKey(order.target), payload }));
    });
    const added = deliveries.length === 0 ? 0 : await this.deps.store.enqueue(deliveries, at);
    for (const order of fresh) this.kept.add(order.orderId);
    this.lastSweep = at.getTime();
    return added;
  }

  /** Attempts every delivery due now (claimed, so no other server makes the same attempt meanwhile). */
  async deliverDue(): Promise<number> {
    let attempted = 0;
    for (;;) {
      const claimed = await this.deps.store.claim(this.now(), LEASE_MS, BATCH);
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      attempted += claimed.length;
      if (claimed.length < BATCH || this.stopped) return attempted;
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const { store, config, log } = this.deps;
    const order = this.deps.orders.one(delivery.orderId);
    const fields = { orderId: delivery.orderId, channel: delivery.channel, target: delivery.target, attempt: delivery.attempts };
    if (order && order.confirmedAt !== null) {
      await store.closed(delivery.orderId, delivery.channel, this.now());
      this.deps.onAttempt?.(delivery.channel, 'closed');
      log.info(fields, 'deletion order confirmed before it was delivered: not sent');
      return;
    }
    let failure: string | null;
    try {
      failure = delivery.channel === 'webhook' ? await this.postWebhook(delivery) : await this.publish(delivery);
    } catch (error) {
      failure = failureOf(error);
    }
    const at = this.now();
    if (failure === null) {
      await store.succeeded(delivery.orderId, delivery.channel, at);
      this.deps.onAttempt?.(delivery.channel, 'delivered');
      log.info(fields, 'deletion order delivered');
      return;
    }
    const givenUp = delivery.attempts >= config.retry.maxAttempts;
    const retryAt = givenUp ? null : new Date(at.getTime() + backoffMs(delivery.attempts, config.retry));
    await store.failed(delivery.orderId, delivery.channel, { at, error: failure, retryAt });
    this.deps.onAttempt?.(delivery.channel, givenUp ? 'gave-up' : 'retrying');
    if (givenUp) log.error({ ...fields, error: failure }, 'deletion order not delivered: given up after the last attempt allowed; it is a manual task now');
    else log.warn({ ...fields, error: failure, retryAt: retryAt!.toISOString() }, 'deletion order not delivered; trying again');
  }

  /** null: delivered (2xx); else why not. */
  private async postWebhook(delivery: Delivery): Promise<string | null> {
    const webhook = this.deps.config.webhookOf(targetOfKey(delivery.target));
    // The file no longer names a webhook for it (edited, the server restarted): nowhere to send; a manual task if nothing else reaches it.
    if (!webhook) return 'no webhook configured';
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'pdl-deletion-orders', ...signWebhook(webhook.keys, delivery.orderId, this.now(), delivery.payload) },
      body: delivery.payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    // Whatever it said is not read: it is the receiver's, not ours to keep or log.
    await response.body?.cancel().catch(() => undefined);
    return response.status >= 200 && response.status < 300 ? null : `HTTP ${response.status}`;
  }

  private async publish(delivery: Delivery): Promise<string | null> {
    const topic = this.deps.topic;
    if (!topic) return 'no orders topic configured';
    await topic.send({
      key: delivery.target, value: delivery.payload,
      headers: { [ORDER_HEADER_NAMES.orderId]: delivery.orderId, [ORDER_HEADER_NAMES.target]: delivery.target, [ORDER_HEADER_NAMES.type]: DELETION_ORDER_MESSAGE_TYPE },
    });
    return null;
  }

  /** One pass: a sweep when one is wanted (at start, after orders were issued, once a minute), then the deliveries due. */
  async runOnce(): Promise<void> {
    if (this.sweepWanted || this.now().getTime() - this.lastSweep >= SWEEP_EVERY_MS) {
      this.sweepWanted = false;
      await this.sweep();
    }
    await this.deliverDue();
  }

  /** Runs a pass every `tickMs`, one at a time; errors (a store lost) are logged and the next pass tries again. */
  start(tickMs = 1000): void {
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
    this.tick();
  }

  /** Orders were issued: sweep them in at the next pass, and start one now. */
  poke(): void {
    this.sweepWanted = true;
    this.tick();
  }

  private tick(): void {
    if (this.running || this.stopped) return;
    this.running = this.runOnce().catch((error: unknown) => {
      this.sweepWanted = true;
      this.deps.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'deletion orders not delivered this pass; trying again');
    }).finally(() => (this.running = null));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.deps.topic?.stop();
  }
}
