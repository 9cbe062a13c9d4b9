/**
 * The verdicts on deletion orders: `deletion-order-overdue` (a target not confirmed by its due
 * date) and `erasure-completed-with-open-orders` (an erasure request answered while a copy was
 * still out there). Time rules: judged "as of" any moment (compliance/time-rules.ts runs them).
 */
import type { ReadSource } from '../projection-context.js';
import { policyAt } from '../policies/policy-in-force.js';
import { readRequestSchedule } from '../subject-requests/subject-requests.js';
import { list, type Violation } from '../compliance/violation.js';
import { readOrders, type OrderView } from './order-status.js';

const describe = (order: OrderView) =>
  `deletion order ${order.orderId} to ${order.target.kind} "${order.target.id}" for ${list(order.categories)} (${order.reason} ${order.cause})`;

/** deletion-order-overdue: a target that had not confirmed by its due date (confirmed late: the breach ended then). */
export function deletionOrderOverdue(db: ReadSource, asOf: string): Violation[] {
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
export function erasureCompletedWithOpenOrders(db: ReadSource, asOf: string): Violation[] {
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
