/**
 * One contract for every adapter of the workers' progress port (services/records/worker-progress.ts).
 * A place opened twice gives two connections, as workers on two hosts and a reader would have.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { storesPerTest } from './records-place.js';
import type { WorkerProgressStore } from '../../services/records/worker-progress.js';

export interface WorkerProgressPlace {
  open(): Promise<WorkerProgressStore>;
  dispose(): Promise<void> | void;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export function workerProgressContract(name: string, makePlace: () => WorkerProgressPlace | Promise<WorkerProgressPlace>): void {
  describe(`workers' progress contract: ${name}`, () => {
    const { open } = storesPerTest<WorkerProgressStore, WorkerProgressPlace>(makePlace);

    it('lists no worker before any reported', async () => {
      expect(await (await open()).list()).toEqual([]);
    });

    it('lists what workers on two hosts reported, by host and worker, with when (the store\'s clock)', async () => {
      const [a, b, reader] = [await open(), await open(), await open()];
      const before = Date.now();
      await b.report({ host: 'host-b', worker: '/srv/pdl/replica.read.db', position: 40 });
      await a.report({ host: 'host-a', worker: '/srv/pdl/replica.read.db', position: 42 });
      await a.report({ host: 'host-a', worker: '/srv/pdl/reports.read.db', position: 7 });
      const listed = await reader.list();
      expect(listed.map(({ host, worker, position }) => ({ host, worker, position }))).toEqual([
        { host: 'host-a', worker: '/srv/pdl/replica.read.db', position: 42 },
        { host: 'host-a', worker: '/srv/pdl/reports.read.db', position: 7 },
        { host: 'host-b', worker: '/srv/pdl/replica.read.db', position: 40 },
      ]);
      for (const row of listed) {
        expect(row.updatedAt).toMatch(ISO);
        expect(Date.parse(row.updatedAt)).toBeGreaterThanOrEqual(before - 2000);
      }
    });

    it('keeps one row per worker: a later report replaces the last, ahead or behind (a rebuild starts from 0), and its time moves on', async () => {
      const [worker, reader] = [await open(), await open()];
      await worker.report({ host: 'h', worker: 'w', position: 100 });
      const first = (await reader.list())[0]!;
      await sleep(15);
      await worker.report({ host: 'h', worker: 'w', position: 0 });
      const listed = await reader.list();
      expect(listed).toHaveLength(1);
      expect(listed[0]!.position).toBe(0);
      expect(Date.parse(listed[0]!.updatedAt)).toBeGreaterThan(Date.parse(first.updatedAt));
    });
  });
}
