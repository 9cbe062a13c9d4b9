/**
 * Read models kept in the log's own file by several writers at once (README "Read your writes"):
 * two processes on one ledger — here two openings in one process, each with its own connections
 * and its own deferred worker, or one of them keeping the models inline — appending in turns.
 * Every event is applied exactly once, whoever applies it: the tables equal a full rebuild.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, type OpenedLedger } from '../../services/composition/open-ledger.js';
import { demoEvents } from '../../services/demo/scenario.js';
import { dumpReadModels } from '../fixtures/dump-read-models.js';
import { randomWorkload } from '../fixtures/random-workload.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';

const closing: OpenedLedger[] = [];
afterEach(async () => {
  for (const opened of closing.splice(0)) await opened.close();
});

async function twoWriters(second: 'deferred' | 'inline') {
  const db = join(makeTempDir('shared-read-models'), 'ledger.db');
  const a = await openLedger({ db, env: {} });
  const b = await openLedger({ db, env: {}, readModels: second });
  closing.push(a, b);
  const events = [...demoEvents(), ...randomWorkload(1200, 11)];
  let last = 0;
  // In turns of uneven size, each writer's worker (or inline runner) seeing the other's appends.
  for (let i = 0, turn = 0; i < events.length; turn += 1) {
    const size = 1 + ((turn * 37) % 90);
    const writer = turn % 2 === 0 ? a : b;
    const result = await writer.ledger.record(events.slice(i, i + size));
    expect(result.rejected).toEqual([]);
    last = Math.max(last, result.position ?? 0);
    i += size;
  }
  return { db, a, b, last };
}

/** The tables as a rebuild from the log makes them. */
async function rebuilt(db: string): Promise<Record<string, string>> {
  const fresh = await openLedger({ db, env: {}, readModels: 'inline' });
  try {
    await fresh.projectionRunner!.rebuild(fresh.store);
    return dumpReadModels(fresh.readModelsDb);
  } finally {
    await fresh.close();
  }
}

describe('read models in the log\'s own file, two writers', () => {
  it('two deferred workers apply every event once: the tables equal a rebuild', async () => {
    const { db, a, b, last } = await twoWriters('deferred');
    expect(await a.readModelsClock.reach(last)).toBeGreaterThanOrEqual(last);
    expect(await b.readModelsClock.reach(last)).toBeGreaterThanOrEqual(last);
    const kept = dumpReadModels(a.readModelsDb);
    await a.close();
    await b.close();
    closing.splice(0);
    expect(kept).toEqual(await rebuilt(db));
  });

  it('a writer with inline models beside a deferred one: what the other appended and had not applied is applied first', async () => {
    const { db, a, b, last } = await twoWriters('inline');
    await a.readModelsClock.reach(last);
    expect(b.readModelsClock.position()).toBeGreaterThanOrEqual(last);
    const kept = dumpReadModels(b.readModelsDb);
    await a.close();
    await b.close();
    closing.splice(0);
    expect(kept).toEqual(await rebuilt(db));
  });
});
