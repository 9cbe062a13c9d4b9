/**
 * A projection worker following a PostgreSQL log across a server restart: the server is stopped
 * (`pg_ctl stop -m fast`, every session cut) while the worker follows, started again on the same
 * port, more events are appended, and the worker catches up by itself — no event skipped, none
 * applied twice: its tables equal those of a worker built fresh from the log afterwards. The
 * server is a cluster of this file's own, so no other test's server goes down.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresBinaries, startCluster, type Cluster } from '../setup/postgres-cluster.js';
import { dumpReadModelsFile as dump, followedTo, until } from '../fixtures/read-models-file.js';
import { randomWorkload } from '../fixtures/random-workload.js';
import { ndjson, PDL, runPdl, tempDir } from '../e2e/run-pdl.js';

const binaries = postgresBinaries();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf('missing' in binaries)(`a projection worker across a PostgreSQL restart${'missing' in binaries ? ` (skipped: ${binaries.missing})` : ''}`, () => {
  let cluster: Cluster | null = null;
  afterAll(() => cluster?.stop());

  it('catches up by itself after the server comes back, with no event skipped or applied twice', async () => {
    cluster = await startCluster((binaries as { bin: string }).bin);
    const dir = tempDir('worker-restart');
    const global = ['--db', join(dir, 'ledger.db'), '--store', cluster.url];
    const head = async () => Number((await runPdl([...global, 'head'])).stdout.split(':')[0]);
    const workload = randomWorkload(3000, 29);
    expect((await runPdl([...global, 'record', '-'], { input: ndjson(workload.slice(0, 1500)) })).code).toBe(0);

    const readModels = join(dir, 'followed.db');
    const worker = spawn(process.execPath, [PDL, ...global, '--read-models', readModels, 'project', '--log-interval', '200'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PDL_MASTER_KEY: '' },
    });
    let stderr = '';
    worker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    worker.stdout.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    try {
      const before = await head();
      await until(() => followedTo(readModels) === before, 60_000, 'the worker reaches the head');

      cluster.halt();
      await sleep(1500); // the worker's reads fail meanwhile; it follows again after a back-off
      cluster.resume();
      expect((await runPdl([...global, 'record', '-'], { input: ndjson(workload.slice(1500)) })).code).toBe(0);
      const after = await head();
      expect(after).toBeGreaterThan(before);
      await until(() => followedTo(readModels) === after, 20_000, `the worker catches up to ${after} after the restart (at ${followedTo(readModels)}; ${stderr.split("\n").filter((l) => !l.includes("projection progress")).join(" | ").slice(-2500)})`);
    } finally {
      worker.kill('SIGTERM');
    }
    expect(await exited).toBe(0);

    const fresh = join(dir, 'fresh.db');
    expect((await runPdl([...global, '--read-models', fresh, 'rebuild'])).code).toBe(0);
    expect(dump(readModels)).toEqual(dump(fresh));
    process.stderr.write(`worker across restart: ${stderr.split('\n').filter((l) => /lost the store/.test(l)).length} retries logged\n`);
  }, 180_000);
});
