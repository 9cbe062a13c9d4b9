/** Read models are pure steps over the log: an event delivered twice changes nothing, model by model and through the runner. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { allProjections } from '../../../projections/index.js';
import { ProjectionRunner, toProjected } from '../../../projections/runner.js';
import { demoEvents } from '../../../services/demo/scenario.js';
import { asRecorded } from '../../fixtures/act-specification.js';
import { dumpReadModels } from '../../fixtures/dump-read-models.js';
import { asStored } from '../../fixtures/projection-specification.js';
import { randomWorkload } from '../../fixtures/random-workload.js';

describe('read models', () => {
  it('each read model ignores an event delivered twice', () => {
    const recorded = asRecorded([...demoEvents(), ...randomWorkload(2000, 7)]).map(asStored);
    const once = new Database(':memory:');
    const twice = new Database(':memory:');
    for (const projection of allProjections) {
      once.exec(projection.schema);
      twice.exec(projection.schema);
    }
    // Event by event across the models, as the runner delivers them (violations reads consents as of each event).
    for (const event of recorded.map(toProjected)) {
      for (const projection of allProjections) {
        projection.apply(once, event);
        projection.apply(twice, event);
        projection.apply(twice, event);
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
