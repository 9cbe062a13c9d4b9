/** Read models are pure steps over the log: an event delivered twice changes nothing, model by model and through the runner. */
import { ProjectionContext } from '../../../projections/projection-context.js';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { allProjections } from '../../../projections/index.js';
import { ProjectionRunner, toProjected } from '../../../projections/runner.js';
import { demoEvents } from '../../../services/demo/scenario.js';
import { asRecorded } from '../../fixtures/act-specification.js';
import { dumpReadModels } from '../../fixtures/dump-read-models.js';
import { asStored } from '../../fixtures/projection-specification.js';
import { randomWorkload } from '../../fixtures/random-workload.js';
import { dueOrders } from '../../../projections/deletion-orders/due-orders.js';
import { orderEvent } from '../../../services/orders/issue-orders.js';

/** The demo and a random workload, with the deletion orders they make (every other one confirmed) after them. */
function withOrders(events: readonly unknown[]): unknown[] {
  const db = new Database(':memory:');
  new ProjectionRunner(db).apply(asRecorded(events).map(asStored));
  const orders = dueOrders(db, '2026-12-01T00:00:00.000Z').map((order) => orderEvent(order, '2026-12-01T00:00:00.000Z'));
  const confirmations = orders.filter((_, i) => i % 2 === 0).map((order, i) => ({
    id: `0190a6b1-0000-7000-8000-${String(i).padStart(12, '0')}`, type: 'DeletionConfirmed', occurredAt: '2026-12-02T00:00:00Z', subject: order.subject,
    actor: { kind: 'system', id: order.data.target.id }, data: { orderId: order.data.orderId, reference: `DEL-${i}`, confirmedBy: order.data.target.id },
  }));
  return [...events, ...orders, ...confirmations];
}

describe('read models', () => {
  it('each read model ignores an event delivered twice', () => {
    const recorded = asRecorded(withOrders([...demoEvents(), ...randomWorkload(2000, 7)])).map(asStored);
    expect(recorded.filter((event) => event.type === 'DeletionOrdered').length).toBeGreaterThan(50);
    const once = new Database(':memory:');
    const twice = new Database(':memory:');
    for (const projection of allProjections) {
      once.exec(projection.schema);
      twice.exec(projection.schema);
    }
    // Event by event across the models, as the runner delivers them (violations reads consents as of each event).
    const [onceContext, twiceContext] = [new ProjectionContext(once), new ProjectionContext(twice)];
    for (const event of recorded.map(toProjected)) {
      for (const projection of allProjections) {
        projection.apply(onceContext, event);
        projection.apply(twiceContext, event);
        projection.apply(twiceContext, event);
      }
    }
    expect(dumpReadModels(twice)).toEqual(dumpReadModels(once));
    // And the runner, handed the same page twice, applies it once.
    const runnerDb = new Database(':memory:');
    const runner = new ProjectionRunner(runnerDb);
    runner.apply(recorded);
    runner.apply(recorded);
    expect(dumpReadModels(runnerDb)).toEqual(dumpReadModels(once));
  });
});
