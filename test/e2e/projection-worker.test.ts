/**
 * `pdl project`, a projection worker in its own process with its own read-model database:
 * killed with SIGKILL mid-way and restarted, it ends with exactly the tables the inline read
 * models have, and a full rebuild has — checkpoint and rows commit together.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoEvents } from '../../services/demo/scenario.js';
import { openLedger } from '../../services/composition/open-ledger.js';
import { dumpReadModels } from '../fixtures/dump-read-models.js';
import { randomWorkload } from '../fixtures/random-workload.js';
import { PDL, runPdl, tempDir } from './run-pdl.js';
import { followedTo } from '../fixtures/read-models-file.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('pdl project', () => {
  it('killed mid-way and restarted, its read models equal the inline ones and a full rebuild', async () => {
    const dir = tempDir('project');
    const ledgerPath = join(dir, 'ledger.db');
    // Inline, as a writer may still keep them: the models every other way of keeping them is held to.
    const opened = await openLedger({ db: ledgerPath, env: {}, readModels: 'inline' });
    await opened.ledger.record(demoEvents());
    const workload = randomWorkload(20_000, 11);
    for (let i = 0; i < workload.length; i += 5000) await opened.ledger.record(workload.slice(i, i + 5000));
    const head = (await opened.store.head()).position;
    const inline = dumpReadModels(opened.readModelsDb);
    await opened.close();

    const readModels = join(dir, 'read-models.db');
    const start = () => spawn(process.execPath, [PDL, '--db', ledgerPath, 'project', '--read-models', readModels, '--log-interval', '500'], { stdio: 'ignore' });
    const first = start();
    let seen = 0;
    for (let i = 0; i < 600 && seen === 0; i++) {
      await sleep(20);
      seen = followedTo(readModels);
    }
    const killed = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await killed;
    const atKill = followedTo(readModels);
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(head);

    const second = start();
    for (let i = 0; i < 1500 && followedTo(readModels) < head; i++) await sleep(100);
    expect(followedTo(readModels)).toBe(head);
    const stopped = new Promise<number | null>((resolve) => second.once('exit', resolve));
    second.kill('SIGTERM');
    expect(await stopped).toBe(0);

    const db = new Database(readModels, { readonly: true });
    expect(dumpReadModels(db)).toEqual(inline);
    db.close();

    // …and equal a full rebuild from position 0 into a file of its own.
    const rebuiltPath = join(dir, 'rebuilt.db');
    const rebuilt = await runPdl(['--db', ledgerPath, '--read-models', rebuiltPath, 'rebuild']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const fresh = new Database(rebuiltPath, { readonly: true });
    expect(dumpReadModels(fresh)).toEqual(inline);
    fresh.close();
  }, 300_000);
});
