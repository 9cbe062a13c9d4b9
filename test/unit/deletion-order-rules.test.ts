/**
 * deletion-order-overdue and erasure-completed-with-open-orders, given / when / then: given these
 * events, judged as of T, then these violations with this evidence — and the near misses.
 */
import { describe, expect, it } from 'vitest';
import { allProjections } from '../../projections/index.js';
import { dueOrders } from '../../projections/deletion-orders/due-orders.js';
import { deletionOrderOverdue, erasureCompletedWithOpenOrders } from '../../projections/deletion-orders/order-rules.js';
import { erasureReach } from '../../projections/deletion-orders/erasure-reach.js';
import { violationsAsOf } from '../../projections/compliance/report.js';
import { orderEvent } from '../../services/orders/issue-orders.js';
import { anEvent } from '../fixtures/events.js';
import { projectionSpecification } from '../fixtures/projection-specification.js';
import Database from 'better-sqlite3';

const subject = { id: 'u-5' };
const collected = anEvent('DataCollected', { subject, occurredAt: '2026-09-01T00:00:00Z', data: { retention: undefined } });
const shared = anEvent('DataShared', { subject, occurredAt: '2026-09-02T00:00:00Z' });
const received = anEvent('SubjectRequestReceived', { subject, occurredAt: '2026-09-10T00:00:00Z', data: { requestId: 'r-5', kind: 'erasure' } });
/** Received + the default policy's P15D. */
const DUE = '2026-09-25T00:00:00.000Z';
const plusSeconds = (at: string, seconds: number) => new Date(Date.parse(at) + seconds * 1000).toISOString();

/** The orders the request makes, issued a day after it came in, from the models as the given events leave them. */
function ordersOf(): ReturnType<typeof orderEvent>[] {
  let events: ReturnType<typeof orderEvent>[] = [];
  projectionSpecification(...allProjections).given([collected, shared]).when([received]).then(({ db }) => {
    events = dueOrders(db, '2026-09-11T00:00:00.000Z').map((order) => orderEvent(order, '2026-09-11T00:00:00.000Z'));
  });
  return events;
}

function byTarget() {
  const orders = ordersOf();
  return { toDb: orders.find((o) => o.data.target.id === 'user-db'), toPsb: orders.find((o) => o.data.target.id === 'psb-sh') };
}

function judged(later: readonly unknown[], judge: (db: Database.Database) => void): void {
  projectionSpecification(...allProjections).given([collected, shared, received, ...ordersOf()]).when(later).then(({ db }) => judge(db));
}

describe('deletion-order-overdue', () => {
  it('two orders (the system, the recipient), due at the request deadline: none overdue at it, both one second after', () => {
    const { toDb, toPsb } = byTarget();
    expect([toDb!.data.target, toPsb!.data.target]).toEqual([{ kind: 'system', id: 'user-db' }, { kind: 'recipient', id: 'psb-sh' }]);
    expect(toDb!.data.dueBy).toBe(DUE);
    judged([], (db) => {
      expect(deletionOrderOverdue(db, DUE)).toEqual([]);
      const overdue = deletionOrderOverdue(db, plusSeconds(DUE, 1));
      expect(overdue.map((v) => [v.rule, v.subjectId, v.eventIds, v.occurredAt, v.breachEnd, v.detectedAt])).toEqual([toDb!.id, toPsb!.id].sort()
        .map((id) => ['deletion-order-overdue', 'u-5', [id], DUE, null, DUE]));
      expect(overdue[0]!.message).toMatch(/not confirmed past its due date 2026-09-25T00:00:00.000Z/);
      // The report sees them too, as time rules.
      expect(violationsAsOf(db, { asOf: plusSeconds(DUE, 1) }).filter((v) => v.rule === 'deletion-order-overdue')).toHaveLength(2);
    });
  });

  it('confirmed at the due date: never overdue; confirmed a second after: overdue until then, the breach ended at the confirmation', () => {
    const { toPsb } = byTarget();
    const onTime = anEvent('DataDeleted', { subject, occurredAt: DUE, data: { categories: 'all', systems: ['user-db'] } });
    const late = anEvent('DeletionConfirmed', { subject, occurredAt: plusSeconds(DUE, 1), data: { orderId: toPsb!.data.orderId, reference: 'PSB-77', confirmedBy: 'psb-sh' } });
    judged([onTime, late], (db) => {
      expect(deletionOrderOverdue(db, plusSeconds(DUE, 1)).map((v) => [v.eventIds, v.breachEnd])).toEqual([[[toPsb!.id, late.id], plusSeconds(DUE, 1)]]);
      // As of the due date + half a second, the confirmation had not come yet: still open then.
      expect(deletionOrderOverdue(db, '2026-09-25T00:00:00.500Z').map((v) => v.breachEnd)).toEqual([null]);
      expect(erasureReach(db, plusSeconds(DUE, 1))).toMatchObject([{ cause: 'r-5', reason: 'erasure-request', ordered: 2, confirmed: 1, confirmedLate: 1, open: 0, overdue: 0, settledAt: plusSeconds(DUE, 1) }]);
    });
  });
});

describe('erasure-completed-with-open-orders', () => {
  it('an erasure request completed while an order serving it is open is flagged at its completion', () => {
    const { toPsb } = byTarget();
    const deleted = anEvent('DataDeleted', { subject, occurredAt: '2026-09-12T00:00:00Z', data: { categories: 'all', systems: ['user-db'] } });
    const completed = anEvent('SubjectRequestCompleted', { subject, occurredAt: '2026-09-13T00:00:00Z', data: { requestId: 'r-5' } });
    judged([deleted, completed], (db) => {
      expect(erasureCompletedWithOpenOrders(db, '2026-09-12T23:59:59.000Z')).toEqual([]);
      const found = erasureCompletedWithOpenOrders(db, '2026-09-13T00:00:00.000Z');
      expect(found.map((v) => [v.rule, v.subjectId, v.eventIds, v.occurredAt])).toEqual([
        ['erasure-completed-with-open-orders', 'u-5', [completed.id, toPsb!.id], '2026-09-13T00:00:00.000Z'],
      ]);
      expect(found[0]!.message).toMatch(/"recipient:psb-sh"/);
    });
  });

  it('near miss: completed after every target confirmed', () => {
    const { toPsb } = byTarget();
    const deleted = anEvent('DataDeleted', { subject, occurredAt: '2026-09-12T00:00:00Z', data: { categories: 'all', systems: ['user-db'] } });
    const confirmed = anEvent('DeletionConfirmed', { subject, occurredAt: '2026-09-12T06:00:00Z', data: { orderId: toPsb!.data.orderId, reference: 'PSB-78', confirmedBy: 'psb-sh' } });
    const completed = anEvent('SubjectRequestCompleted', { subject, occurredAt: '2026-09-13T00:00:00Z', data: { requestId: 'r-5' } });
    judged([deleted, confirmed, completed], (db) => {
      expect(erasureCompletedWithOpenOrders(db, '2026-10-01T00:00:00.000Z')).toEqual([]);
      expect(deletionOrderOverdue(db, '2026-10-01T00:00:00.000Z')).toEqual([]);
    });
  });
});
