/**
 * What every records contract does around its cases: a fresh place per test (a file, a schema),
 * stores opened there as separate connections, each closed after the test and the place disposed.
 */
import { afterEach, beforeEach } from 'vitest';

export interface RecordsPlace<S> {
  open(): Promise<S>;
  dispose(): Promise<void> | void;
}

/** Registers, in the describe it is called from, a fresh place per test; `open` opens a store there, `place` is the test's place. */
export function storesPerTest<S extends { close(): Promise<void> | void }, P extends RecordsPlace<S>>(makePlace: () => P | Promise<P>) {
  let current: P;
  const opened: S[] = [];
  beforeEach(async () => {
    current = await makePlace();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await current.dispose();
  });
  return {
    open: async (): Promise<S> => {
      const store = await current.open();
      opened.push(store);
      return store;
    },
    place: (): P => current,
  };
}
