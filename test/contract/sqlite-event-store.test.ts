import { rmSync } from 'node:fs';
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

describe('SQLite: a follower and another writer on the same file', () => {
  it('gets an append made through another connection when its WAL write is seen, not a poll interval later', async () => {
    const path = join(makeTempDir('store'), 'ledger.db');
    const follower = new SqliteEventStore({ path, pollIntervalMs: 60_000 });
    const writer = new SqliteEventStore({ path, pollIntervalMs: 60_000 });
    const seen: number[] = [];
    const subscription = follower.subscribeAll({ after: 0, batchSize: 100 }, (events) => {
      seen.push(...events.map((event) => event.position));
    });
    try {
      // The follower has read the empty log and sleeps for its minute.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      await writer.append('s-1', [{ id: 'e-1', type: 'DataUsed', body: { id: 'e-1', type: 'DataUsed' } }]);
      await until('the follower to get the append', 5_000, () => seen.length === 1);
      expect(seen).toEqual([1]);
      expect(Date.now() - started).toBeLessThan(5_000); // its poll interval is a minute
    } finally {
      await subscription.stop();
      await writer.close();
      await follower.close();
    }
  });
});
