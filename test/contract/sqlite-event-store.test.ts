import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { SqliteEventStore } from '../../services/store/sqlite/sqlite-event-store.js';
import { describe, expect, it } from 'vitest';
import { until } from '../fixtures/until.js';
import { eventStoreContract } from './event-store-contract.js';

eventStoreContract('SQLite (a real file)', async () => {
  const dir = makeTempDir('store');
  const store = new SqliteEventStore({ path: join(dir, 'ledger.db'), pollIntervalMs: 20 });
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite: a follower and a writer in another process on the same file', () => {
  it('gets each append — the last one too — when the WAL write is seen, not a poll interval later', async () => {
    const path = join(makeTempDir('store'), 'ledger.db');
    const follower = new SqliteEventStore({ path, pollIntervalMs: 60_000 });
    const seen: number[] = [];
    const subscription = follower.subscribeAll({ after: 0, batchSize: 100 }, (events) => {
      seen.push(...events.map((event) => event.position));
    });
    try {
      // The follower has read the empty log and sleeps for its minute; the writer appends five times, 300 ms apart.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const writer = `
        const { SqliteEventStore } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../services/store/sqlite/sqlite-event-store.ts')).href)});
        const store = new SqliteEventStore({ path: ${JSON.stringify(path)} });
        for (let i = 1; i <= 5; i += 1) {
          await store.append('s-1', [{ id: 'e-' + i, type: 'DataUsed', body: { id: 'e-' + i, type: 'DataUsed' } }]);
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        await store.close();`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer], { stdio: ['ignore', 'ignore', 'inherit'] });
      const exited = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(exited).toBe(0);
      // The last append came ~300 ms before the writer ended, and no append followed it.
      await until('the follower to get all five appends', 3_000, () => seen.length === 5);
      expect(seen).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await subscription.stop();
      await follower.close();
    }
  });
});
