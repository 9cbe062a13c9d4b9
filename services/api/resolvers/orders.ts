/** Deletion orders: the list a dpo works from, and closing a manual task with its evidence. */
import DataLoader from 'dataloader';
import { v7 as uuidv7 } from 'uuid';
import { ORDER_STATUSES, type OrderStatus, type OrderView } from '../../../projections/deletion-orders/order-status.js';
import type { Delivery } from '../../records/delivery-store.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import type { ApiContext } from '../context.js';

const MAX_ORDERS = 500;
const UNCONFIRMED: readonly OrderStatus[] = ['open', 'overdue'];

export function deletionOrders(_: unknown, args: { status?: string | null; subjectId?: string | null; target?: string | null; first?: number | null }, context: ApiContext) {
  context.require('complianceReport');
  const size = args.first ?? 100;
  if (size < 0 || size > MAX_ORDERS) throw new ValidationError(`first must be between 0 and ${MAX_ORDERS}`);
  const status = args.status ?? null;
  if (status !== null && status !== 'all' && !ORDER_STATUSES.some((known) => known === status)) throw new ValidationError(`status must be one of ${ORDER_STATUSES.join(', ')} or all`);
  const target = args.target ?? null;
  if (target !== null && !/^(system|recipient):./.test(target)) throw new ValidationError('target must be kind:id, e.g. system:user-db or recipient:crm-us');
  const wanted = (s: OrderStatus) => (status === null ? UNCONFIRMED.includes(s) : status === 'all' || s === status);
  return context.readModels.deletionOrders(context.now().toISOString(), args.subjectId ?? undefined)
    .filter((order) => wanted(order.status) && (target === null || `${order.target.kind}:${order.target.id}` === target)).slice(0, size);
}

/**
 * A manual task closed by a dpo: a DeletionConfirmed through the write path, submitted as this
 * key (the chain says who vouched), its reference the evidence.
 */
export async function confirmDeletionOrder(_: unknown, args: { orderId: string; reference: string }, context: ApiContext) {
  context.require('recordPrivileged');
  const now = context.now().toISOString();
  const order = context.readModels.deletionOrder(args.orderId, now);
  if (!order) throw new NotFoundError(`no deletion order ${args.orderId.slice(0, 128)}`);
  if (order.confirmedAt !== null) throw new ValidationError(`deletion order ${order.orderId} was confirmed on ${order.confirmedAt} already`);
  const { keyId, role } = context.principal;
  const result = await context.record([{
    id: uuidv7(), type: 'DeletionConfirmed', occurredAt: now, subject: { id: order.subjectId }, actor: { kind: 'employee', id: keyId },
    data: { orderId: order.orderId, reference: args.reference, confirmedBy: keyId },
  }], { submitter: { kind: 'api-key', id: keyId, role } });
  const refused = result.rejected[0];
  if (refused) throw new ValidationError(refused.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  // The answer shows the order as confirmed: it is read once the read models hold the confirmation.
  if (result.position !== null) await context.readModelsClock.reach(result.position);
  return context.readModels.deletionOrder(order.orderId, now) ?? order;
}

/** A subject's orders, for subjectAccess. */
export function subjectOrders(context: ApiContext, subjectId: string) {
  return context.readModels.deletionOrders(context.now().toISOString(), subjectId);
}

/** One read of the deliveries of every order an answer names (a page of 500 is one query, not 500). */
const loaders = new WeakMap<ApiContext, DataLoader<string, Delivery[]>>();

function deliveriesLoader(context: ApiContext): DataLoader<string, Delivery[]> {
  let loader = loaders.get(context);
  if (!loader) {
    const deliveries = context.deliveries;
    loader = new DataLoader<string, Delivery[]>(async (orderIds) => {
      const found = deliveries ? await deliveries.ofOrders(orderIds) : [];
      return orderIds.map((id) => found.filter((d) => d.orderId === id));
    }, { maxBatchSize: 500 });
    loaders.set(context, loader);
  }
  return loader;
}

/**
 * How an order reaches its target (read only where the order itself was: deletionOrders and
 * subjectAccess check the role). What is shown is the ledger's own record — channel, state,
 * attempts, times, the failure in its words — never the payload (the order's fields are beside it).
 */
export const DeletionOrderFields = {
  async deliveries(order: OrderView, _: unknown, context: ApiContext) {
    const found = await deliveriesLoader(context).load(order.orderId);
    return found.map(({ channel, state, attempts, lastAttemptAt, nextAttemptAt, lastError, deliveredAt }) =>
      ({ channel, state, attempts, lastAttemptAt, nextAttemptAt, lastError, deliveredAt }));
  },
  /** No channel reaches the target, or each one gave up: a dpo closes it with a reference. */
  async manualTask(order: OrderView, _: unknown, context: ApiContext) {
    if (!context.deliveries || !context.deliveries.hasChannel(order.target)) return true;
    const found = await deliveriesLoader(context).load(order.orderId);
    return found.length > 0 && found.every((d) => d.state === 'failed');
  },
};
