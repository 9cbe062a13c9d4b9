/**
 * Where each deletion order stands "as of" a moment — open, overdue, confirmed, or confirmed after
 * its due date — and the verdicts on them: `deletion-order-overdue` (a target not confirmed by its
 * due date) and `erasure-completed-with-open-orders` (an erasure request answered while a copy
 * was still out there). Judged by occurredAt like the other time rules, so any moment can be asked.
 */
import type Database from 'better-sqlite3';
import { policyAt } from '../policies/policy-in-force.js';
import { statement } from '../statements.js';
import { readRequestSchedule } from '../subject-requests/subject-requests.js';
import { list, type Violation } from '../compliance/violation.js';
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
export function readOrders(db: Database.Database, asOf: string, subjectId?: string): OrderView[] {
  return readReach(db, subjectId).flatMap((row) => row.orders.filter((order) => order.causedAt <= asOf)
    .map((order): OrderView => ({ ...order, subjectId: row.subjectId, target: row.target, status: orderStatus(order, asOf) })))
    .sort((a, b) => a.dueBy.localeCompare(b.dueBy) || a.subjectId.localeCompare(b.subjectId) || a.orderId.localeCompare(b.orderId));
}

/** One order by id, wherever it is; null: no such order. */
export function findOrder(db: Database.Database, orderId: string, asOf: string): OrderView | null {
  const row = statement<[string], { subject_id: string; target_kind: string; target_id: string; state: string }>(db,
    `SELECT r.subject_id, r.target_kind, r.target_id, r.state FROM rm_data_reach r, json_each(r.state, '$.orders') o
     WHERE json_extract(o.value, '$.orderId') = ? LIMIT 1`).get(orderId);
  if (!row) return null;
  const order = (JSON.parse(row.state) as ReachState).orders.find((o) => o.orderId === orderId)!;
  const target: DeletionTarget = { kind: row.target_kind === 'recipient' ? 'recipient' : 'system', id: row.target_id };
  return { ...order, subjectId: row.subject_id, target, status: orderStatus(order, asOf) };
}

const describe = (order: OrderView) =>
  `deletion order ${order.orderId} to ${order.target.kind} "${order.target.id}" for ${list(order.categories)} (${order.reason} ${order.cause})`;

/** deletion-order-overdue: a target that had not confirmed by its due date (confirmed late: the breach ended then). */
export function deletionOrderOverdue(db: Database.Database, asOf: string): Violation[] {
  return readOrders(db, asOf).flatMap((order): Violation[] => {
    if (order.status !== 'overdue' && order.status !== 'confirmed-late') return [];
    const confirmedAt = order.status === 'confirmed-late' ? order.confirmedAt : null;
    return [{
      rule: 'deletion-order-overdue', subjectId: order.subjectId, eventIds: [order.eventId, ...(confirmedAt ? order.confirmations : [])],
      occurredAt: order.dueBy, breachEnd: confirmedAt, detectedAt: order.dueBy, policyVersion: policyAt(db, order.causedAt).version,
      message: confirmedAt
        ? `${describe(order)} was confirmed on ${confirmedAt}, after its due date ${order.dueBy}.`
        : `${describe(order)} is not confirmed past its due date ${order.dueBy}.`,
    }];
  });
}

/** An erasure request answered while orders serving it were still open: the answer said "erased" too early. */
export function erasureCompletedWithOpenOrders(db: Database.Database, asOf: string): Violation[] {
  const found: Violation[] = [];
  const ordersOf = new Map<string, OrderView[]>();
  for (const request of readRequestSchedule(db, asOf)) {
    if (request.kind !== 'erasure' || request.completedAt === null || request.completedAt > asOf) continue;
    const completedAt = request.completedAt;
    let orders = ordersOf.get(request.subjectId);
    if (!orders) ordersOf.set(request.subjectId, orders = readOrders(db, asOf, request.subjectId));
    const open = orders.filter((order) => order.cause === request.requestId && (order.confirmedAt === null || order.confirmedAt > completedAt));
    if (open.length === 0) continue;
    found.push({
      rule: 'erasure-completed-with-open-orders', subjectId: request.subjectId, eventIds: [request.evidence.at(-1)!, ...open.map((order) => order.eventId)],
      occurredAt: completedAt, breachEnd: completedAt, detectedAt: completedAt, policyVersion: policyAt(db, request.receivedAt!).version,
      message: `erasure request "${request.requestId}" was completed on ${completedAt} while ${open.length} deletion order(s) serving it were still open: ` +
        `${list(open.map((order) => `${order.target.kind}:${order.target.id}`))}.`,
    });
  }
  return found;
}
