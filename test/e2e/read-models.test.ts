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

describe('read models', () => {
  it('after the demo and 10,000 random events, `pdl rebuild` yields byte-identical tables', async () => {
    const dir = tempDir('rebuild');
    const db = join(dir, 'ledger.db');
    const opened = await openLedger({ db, env: {} });
    expect((await opened.ledger.record(demoEvents())).rejected).toEqual([]);
    const workload = randomWorkload(10_000);
    for (let i = 0; i < workload.length; i += 1000) {
      const result = await opened.ledger.record(workload.slice(i, i + 1000));
      expect(result.rejected).toEqual([]);
    }
    const incremental = dumpReadModels(opened.readModelsDb);
    await opened.close();
    expect(Object.keys(incremental).filter((table) => table.includes('(0 rows)'))).toEqual([]);

    const rebuild = await runPdl(['--db', db, 'rebuild']);
    expect(rebuild.code).toBe(0);
    expect(rebuild.stdout).toMatch(/^rebuilt \d+ read models from 10\d{3} events/);
    const check = new Database(db, { readonly: true });
    expect(dumpReadModels(check)).toEqual(incremental);
    // The timeline's indexes are built after the load, and are there when the rebuild is done.
    const indexes = check.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rm_event_index' AND sql IS NOT NULL ORDER BY name").all();
    expect(indexes.map((row) => row.name)).toEqual(['rm_event_index_by_actor', 'rm_event_index_by_id', 'rm_event_index_by_subject', 'rm_event_index_by_time', 'rm_event_index_by_type']);
    check.close();
  });
});
