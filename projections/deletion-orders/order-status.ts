/**
 * Where each deletion order stands "as of" a moment — open, overdue, confirmed, or confirmed after
 * its due date — judged by occurredAt like the time rules, so any moment can be asked.
 */
import { statement, type ReadSource } from '../projection-context.js';
import { readReach, type OrderEntry, type ReachState } from './data-reach.js';
import type { DeletionTarget } from '../../schemas/events/deletion-orders.js';

export type OrderStatus = 'open' | 'overdue' | 'confirmed' | 'confirmed-late';
export const ORDER_STATUSES: readonly OrderStatus[] = ['open', 'overdue', 'confirmed', 'confirmed-late'];

export interface OrderView extends OrderEntry { subjectId: string; target: DeletionTarget; status: OrderStatus }

/** A confirmation counts from its own moment: as of an earlier one, the order was still open. */
export function orderStatus(order: Pick<OrderEntry, 'confirmedAt' | 'dueBy'>, asOf: string): OrderStatus {
  const confirmed = order.confirmedAt !== null && order.confirmedAt <= asOf ? order.confirmedAt : null;
  if (confirmed !== null) return confirmed <= order.dueBy ? 'confirmed' : 'confirmed-late';
  return order.dueBy < asOf ? 'overdue' : 'open';
}

/** Every order whose cause had arisen by `asOf` (one subject's, or everyone's), with its status then, soonest due first. */
export function readOrders(db: ReadSource, asOf: string, subjectId?: string): OrderView[] {
  return readReach(db, subjectId).flatMap((row) => row.orders.filter((order) => order.causedAt <= asOf)
    .map((order): OrderView => ({ ...order, subjectId: row.subjectId, target: row.target, status: orderStatus(order, asOf) })))
    .sort((a, b) => a.dueBy.localeCompare(b.dueBy) || a.subjectId.localeCompare(b.subjectId) || a.orderId.localeCompare(b.orderId));
}

/** One order by id, wherever it is; null: no such order. */
export function findOrder(db: ReadSource, orderId: string, asOf: string): OrderView | null {
  const row = statement<[string], { subject_id: string; target_kind: string; target_id: string; state: string }>(db,
    `SELECT r.subject_id, r.target_kind, r.target_id, r.state FROM rm_data_reach r, json_each(r.state, '$.orders') o
     WHERE json_extract(o.value, '$.orderId') = ? LIMIT 1`).get(orderId);
  if (!row) return null;
  const order = (JSON.parse(row.state) as ReachState).orders.find((o) => o.orderId === orderId)!;
  const target: DeletionTarget = { kind: row.target_kind === 'recipient' ? 'recipient' : 'system', id: row.target_id };
  return { ...order, subjectId: row.subject_id, target, status: orderStatus(order, asOf) };
}
