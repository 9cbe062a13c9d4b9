/**
 * Read models are pure steps over the log: rebuilding from position 0 — through the real
 * `pdl rebuild` — gives byte-identical tables. (An event delivered twice changing nothing is
 * specified in memory: test/unit/projections/read-models.test.ts.)
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoEvents } from '../../services/demo/scenario.js';
import { openLedger } from '../../services/composition/open-ledger.js';
import { runPdl, tempDir } from './run-pdl.js';
import { dumpReadModels } from '../fixtures/dump-read-models.js';
import { randomWorkload } from '../fixtures/random-workload.js';
import { issueDeletionOrders } from '../../services/orders/issue-orders.js';
import { readOrders } from '../../projections/deletion-orders/order-status.js';

describe('read models', () => {
  it('after the demo and 10,000 random events, with the deletion orders they make and some confirmed, `pdl rebuild` yields byte-identical tables', async () => {
    const dir = tempDir('rebuild');
    const db = join(dir, 'ledger.db');
    const opened = await openLedger({ db, env: {} });
    // Each read of the read models asks for the position of the write before it (read-your-writes: they are kept after the append).
    const seen = async (position: number | null) => {
      if (position !== null) await opened.readModelsClock.reach(position);
    };
    const demo = await opened.ledger.record(demoEvents());
    expect(demo.rejected).toEqual([]);
    const workload = randomWorkload(10_000);
    let recorded = demoEvents().length;
    for (let i = 0; i < workload.length; i += 1000) {
      const chunk = workload.slice(i, i + 1000);
      const result = await opened.ledger.record(chunk);
      expect(result.rejected).toEqual([]);
      recorded += result.appended;
      await seen(result.position);
      // The orders due by the chunk's last moment, as pdl serve issues them after appends; later chunks' deletions confirm some.
      const issued = await issueDeletionOrders(opened.ledger, opened.readModelsDb, { asOf: chunk.at(-1)!.occurredAt });
      expect(issued.rejected).toEqual([]);
      recorded += issued.appended;
      await seen(issued.position);
    }
    // Every third order still open confirmed by its target.
    const open = readOrders(opened.readModelsDb, new Date().toISOString()).filter((o) => o.confirmedAt === null).filter((_, i) => i % 3 === 0);
    const confirmations = open.map((o, i) => ({
      id: `0190a6b1-0000-7000-8000-${String(i).padStart(12, '0')}`, type: 'DeletionConfirmed', occurredAt: '2026-02-01T00:00:00Z', subject: { id: o.subjectId },
      actor: { kind: 'system', id: o.target.id }, data: { orderId: o.orderId, reference: `DEL-${i}`, confirmedBy: o.target.id },
    }));
    const confirmed = await opened.ledger.record(confirmations);
    expect(confirmed.rejected).toEqual([]);
    recorded += confirmed.appended;
    await seen(confirmed.position);
    const orders = readOrders(opened.readModelsDb, new Date().toISOString());
    expect(orders.length).toBeGreaterThan(100);
    expect(new Set(orders.map((o) => o.reason)).size).toBeGreaterThanOrEqual(3);
    expect(orders.filter((o) => o.confirmedAt !== null).length).toBeGreaterThan(open.length);
    const incremental = dumpReadModels(opened.readModelsDb);
    await opened.close();
    expect(Object.keys(incremental).filter((table) => table.includes('(0 rows)'))).toEqual([]);

    const rebuild = await runPdl(['--db', db, 'rebuild']);
    expect(rebuild.code).toBe(0);
    expect(rebuild.stdout).toMatch(new RegExp(`^rebuilt \\d+ read models from ${recorded} events`));
    expect(recorded).toBeGreaterThan(10_000 + orders.length);
    const check = new Database(db, { readonly: true });
    expect(dumpReadModels(check)).toEqual(incremental);
    // The timeline's indexes are built after the load, and are there when the rebuild is done.
    const indexes = check.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rm_event_index' AND sql IS NOT NULL ORDER BY name").all();
    expect(indexes.map((row) => row.name)).toEqual(['rm_event_index_by_actor', 'rm_event_index_by_id', 'rm_event_index_by_subject', 'rm_event_index_by_time', 'rm_event_index_by_type']);
    check.close();
  });
});
