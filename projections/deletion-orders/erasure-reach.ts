/**
 * The compliance report's "erasure reach": per cause of an erasure, how many targets were ordered
 * to delete, how many confirmed, how many are overdue — whether the erasure reached every copy.
 */
import type { ReadSource } from '../projection-context.js';
import { readOrders, type OrderView } from './order-status.js';

export interface ErasureReachEntry {
  subjectId: string;
  reason: string;
  cause: string;
  causedAt: string;
  /** The earliest due date among its orders. */
  dueBy: string;
  ordered: number;
  confirmed: number;
  /** Confirmed, but after the due date. */
  confirmedLate: number;
  open: number;
  overdue: number;
  /** When the last target confirmed; null while any is still open. */
  settledAt: string | null;
  orderIds: string[];
}

/** Every cause with orders, as of `asOf`, oldest first. */
export function erasureReach(db: ReadSource, asOf: string): ErasureReachEntry[] {
  const byCause = new Map<string, OrderView[]>();
  for (const order of readOrders(db, asOf)) {
    const key = JSON.stringify([order.subjectId, order.cause]);
    byCause.set(key, [...(byCause.get(key) ?? []), order]);
  }
  return [...byCause.values()].map((orders) => {
    const count = (status: OrderView['status']) => orders.filter((order) => order.status === status).length;
    const settled = orders.every((order) => order.status === 'confirmed' || order.status === 'confirmed-late');
    const first = orders[0]!;
    return {
      subjectId: first.subjectId, reason: first.reason, cause: first.cause, causedAt: first.causedAt,
      dueBy: orders.reduce((earliest, order) => (order.dueBy < earliest ? order.dueBy : earliest), first.dueBy),
      ordered: orders.length, confirmed: count('confirmed'), confirmedLate: count('confirmed-late'), open: count('open'), overdue: count('overdue'),
      settledAt: settled ? orders.reduce((latest, order) => (order.confirmedAt! > latest ? order.confirmedAt! : latest), '') : null,
      orderIds: orders.map((order) => order.orderId),
    };
  }).sort((a, b) => a.causedAt.localeCompare(b.causedAt) || a.subjectId.localeCompare(b.subjectId) || a.cause.localeCompare(b.cause));
}
