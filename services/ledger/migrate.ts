/**
 * Moving a ledger to another store — the embedded file to EventStoreDB when it outgrows one
 * machine, or to another file — event for event as stored, so the copy verifies with the same
 * head hash. Resumable: a target that already holds a prefix of the source continues from it.
 */
import { ValidationError } from '../errors.js';
import type { EventStore, Head, RecordedEvent, VerbatimImport } from '../store/port.js';

export interface MigrationResult {
  /** Where the target stood before: 0 for a fresh copy. */
  readonly resumedFrom: number;
  readonly copied: number;
  readonly sourceHead: Head;
  readonly targetHead: Head;
}

export async function migrateLedger(
  source: EventStore,
  target: EventStore & VerbatimImport,
  options: { pageSize?: number; onProgress?: (position: number, total: number) => void } = {},
): Promise<MigrationResult> {
  const pageSize = options.pageSize ?? 1000;
  const start = await target.head();
  if (start.position > 0) {
    const [same] = await source.readPositions([start.position]);
    if (!same || same.hash !== start.hash) {
      throw new ValidationError(
        `the target already holds ${start.position} events that are not this ledger's (its hash at position ${start.position} ` +
        `is ${start.hash ?? 'none'}, the source's ${same?.hash ?? 'absent'}): migrate into an empty store`);
    }
  }
  const total = (await source.head()).position;
  let copied = 0;
  let page: RecordedEvent[] = [];
  const flush = async () => {
    await target.importRecorded(page);
    copied += page.length;
    options.onProgress?.(page[page.length - 1]!.position, total);
    page = [];
  };
  for await (const event of source.readAll({ after: start.position })) {
    page.push(event);
    if (page.length >= pageSize) await flush();
  }
  if (page.length > 0) await flush();
  return { resumedFrom: start.position, copied, sourceHead: await source.head(), targetHead: await target.head() };
}
