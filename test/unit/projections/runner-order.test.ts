/** The runner applies each model after the models it reads, whatever order it is handed them in. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { allProjections } from '../../../projections/index.js';
import { inReadOrder, ProjectionOrderError, ProjectionRunner } from '../../../projections/runner.js';
import type { Projection } from '../../../projections/projection.js';
import { demoEvents } from '../../../services/demo/scenario.js';
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

  it('refuses models that read each other in a circle, and a read of a model not given', () => {
    const model = (name: string, reads: string[]) => ({ ...allProjections[0]!, name, reads }) as Projection;
    expect(() => inReadOrder([model('a', ['b']), model('b', ['a'])])).toThrow(ProjectionOrderError);
    expect(() => inReadOrder([model('a', ['b']), model('b', ['a'])])).toThrow(/a → b → a/);
    expect(() => inReadOrder([model('a', ['missing'])])).toThrow(/reads missing, which is not among the models given/);
  });
});
