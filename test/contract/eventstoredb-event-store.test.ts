/**
 * The store contract against a real EventStoreDB, started by testcontainers from a pinned image
 * (insecure single node, in memory). Without a container runtime (as on our CI machines) the
 * suite is skipped and says why; nothing here fakes the server.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEvents } from '../../services/demo/scenario.js';
import { sha256Chain } from '../../services/ledger/chain.js';
import { migrateLedger } from '../../services/ledger/migrate.js';
import { openLedger } from '../../services/composition/open-ledger.js';
import { dumpReadModels } from '../fixtures/dump-read-models.js';
import { randomWorkload } from '../fixtures/random-workload.js';
import { tempLedger } from '../fixtures/temp-ledger.js';
import { verifyChain } from '../../services/ledger/verify.js';
import { EventStoreDbEventStore } from '../../services/store/eventstoredb/eventstoredb-event-store.js';
import { EVENTSTOREDB_IMAGE } from '../fixtures/images.js';
import { eventStoreContract } from './event-store-contract.js';


const runtime = await getContainerRuntimeClient().then(() => null, (error: unknown) => error instanceof Error ? error.message : String(error));
if (runtime !== null) {
  console.warn(`EventStoreDB contract skipped: no container runtime here (${runtime}). It runs wherever Docker or Podman is available.`);
}

describe.skipIf(runtime !== null)(`EventStoreDB adapter (${EVENTSTOREDB_IMAGE}, needs a container runtime)`, () => {
  let container: StartedTestContainer;
  let connectionString = '';
  beforeAll(async () => {
    container = await new GenericContainer(EVENTSTOREDB_IMAGE)
      .withEnvironment({
        EVENTSTORE_INSECURE: 'true', EVENTSTORE_CLUSTER_SIZE: '1', EVENTSTORE_MEM_DB: 'true', EVENTSTORE_RUN_PROJECTIONS: 'None',
      })
      .withExposedPorts(2113)
      .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
      .withStartupTimeout(120_000)
      .start();
    connectionString = `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
  }, 180_000);
  afterAll(async () => container?.stop());

  // The contract wants an empty store per test: restarting the in-memory server gives one.
  eventStoreContract('EventStoreDB (real server)', async () => {
    await container.restart();
    connectionString = `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
    const store = new EventStoreDbEventStore({ connectionString, chain: sha256Chain });
    await waitUntilReady(store);
    return { store, dispose: () => store.close() };
  }, { crossStreamIdConflicts: false });

  const freshServer = async () => {
    await container.restart();
    connectionString = `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
  };

  it('takes over an embedded ledger verbatim, and read models kept from it equal the embedded ones', async () => {
    await freshServer();
    const embedded = await tempLedger();
    await embedded.ledger.record([...demoEvents(), ...randomWorkload(2000, 3)]);
    const target = new EventStoreDbEventStore({ connectionString, chain: sha256Chain });
    await waitUntilReady(target);
    const result = await migrateLedger(embedded.store, target);
    expect(result.targetHead).toEqual(await embedded.store.head());
    expect(await verifyChain(target)).toMatchObject({ ok: true });
    expect(await target.readStream('subject-u-1003')).toEqual(await embedded.store.readStream('subject-u-1003'));
    await target.close();
    const inline = dumpReadModels(embedded.readModelsDb);
    await embedded.close();

    // The same key store, the log now on the server, read models kept by a worker.
    const onServer = await openLedger({ db: join(embedded.dir, 'ledger.db'), store: connectionString, readModels: { path: join(embedded.dir, 'replica.db') }, env: {} });
    expect(dumpReadModels(onServer.readModelsDb)).toEqual(inline);
    const late = await onServer.ledger.record(randomWorkload(50, 4));
    expect(late.appended).toBe(50);
    await onServer.worker!.reached((await onServer.store.head()).position);
    await onServer.close();
  }, 300_000);

  it('keeps one verifiable chain while two writers append at once', async () => {
    await freshServer();
    const writers = [0, 1].map(() => new EventStoreDbEventStore({ connectionString, chain: sha256Chain }));
    await waitUntilReady(writers[0]!);
    await Promise.all(writers.map(async (writer, w) => {
      for (let i = 0; i < 50; i++) {
        const id = randomUUID();
        await writer.append(`subject-${w}-${i % 5}`, [{ id, type: 'Thing', body: { id, type: 'Thing', w, i } }]);
      }
    }));
    const report = await verifyChain(writers[0]!);
    expect(report).toMatchObject({ ok: true, checked: 100 });
    await Promise.all(writers.map((writer) => writer.close()));
  }, 120_000);
});

async function waitUntilReady(store: EventStoreDbEventStore): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await store.head();
      return;
    } catch (error) {
      if (attempt > 60) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
