/** The runner applies each model after the models it reads, whatever order it is handed them in. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { allProjections } from '../../../projections/index.js';
import { inReadOrder, ProjectionOrderError, ProjectionRunner } from '../../../projections/runner.js';
import type { Projection } from '../../../projections/projection.js';
import { demoEvents } from '../../../services/demo/scenario.js';
import { randomWorkload } from '../../fixtures/random-workload.js';
import { openLedger } from '../../../services/composition/open-ledger.js';
import { dumpReadModels } from '../../fixtures/dump-read-models.js';
import { makeTempDir } from '../../fixtures/temp-dirs.js';
import { join } from 'node:path';
import type { RecordedEvent } from '../../../services/store/port.js';

describe('the order read models are applied in', () => {
  it('comes from what each reads: the list reversed or shuffled builds the same tables', async () => {
    const ledger = await openLedger({ db: join(makeTempDir('order'), 'ledger.db'), env: {}, readModels: 'none' });
    await ledger.ledger.record(demoEvents());
    const recorded: RecordedEvent[] = [];
    for await (const event of ledger.store.readAll()) recorded.push(event);
    await ledger.close();
    const build = (projections: readonly Projection[]) => {
      const db = new Database(':memory:');
      const runner = new ProjectionRunner(db, projections);
      db.transaction(() => runner.apply(recorded))();
      return dumpReadModels(db);
    };
    const expected = build(allProjections);
    expect(build([...allProjections].reverse())).toEqual(expected);
    const shuffled = [...allProjections].sort((a, b) => (a.name < b.name ? 1 : -1));
    expect(build(shuffled)).toEqual(expected);
    const order = inReadOrder([...allProjections].reverse()).map((p) => p.name);
    for (const p of allProjections) for (const read of p.reads ?? []) expect(order.indexOf(read)).toBeLessThan(order.indexOf(p.name));
  });

  it('gives the same tables in one batch as event by event: a policy published and a transfer made earlier in the batch govern the acts after them', async () => {
    const ledger = await openLedger({ db: join(makeTempDir('batch'), 'ledger.db'), env: {}, readModels: 'none' });
    await ledger.ledger.record([...demoEvents(), ...randomWorkload(1500, 11)]);
    const recorded: RecordedEvent[] = [];
    for await (const event of ledger.store.readAll()) recorded.push(event);
    await ledger.close();
    const types = recorded.map((event) => event.type);
    // Both are read by the act rules while a batch is open (policyAt, transfersOf), and are followed by acts.
    for (const read of ['PolicyPublished', 'DataTransferredAbroad']) expect(types.indexOf(read)).toBeLessThan(types.lastIndexOf('DataCollected'));
    const oneBatch = new Database(':memory:');
    const batchRunner = new ProjectionRunner(oneBatch);
    oneBatch.transaction(() => batchRunner.apply(recorded))();
    const eventByEvent = new Database(':memory:');
    const singleRunner = new ProjectionRunner(eventByEvent);
    for (const event of recorded) eventByEvent.transaction(() => singleRunner.apply([event]))();
    const violations = (db: Database.Database) => db.prepare('SELECT COUNT(*) AS n FROM rm_violations').get() as { n: number };
    expect(violations(eventByEvent).n).toBeGreaterThan(0);
    expect(dumpReadModels(oneBatch)).toEqual(dumpReadModels(eventByEvent));
  });

  it('refuses models that read each other in a circle, and a read of a model not given', () => {
    const model = (name: string, reads: string[]) => ({ ...allProjections[0]!, name, reads }) as Projection;
    expect(() => inReadOrder([model('a', ['b']), model('b', ['a'])])).toThrow(ProjectionOrderError);
    expect(() => inReadOrder([model('a', ['b']), model('b', ['a'])])).toThrow(/a → b → a/);
    expect(() => inReadOrder([model('a', ['missing'])])).toThrow(/reads missing, which is not among the models given/);
  });
});
