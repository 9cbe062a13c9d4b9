import { IdempotencyConflictError } from './errors.js';
import type { AppendResult, EventStore, EventToAppend, ExpectedRevision } from './port.js';

/** `append` in terms of `appendMany`, as every adapter answers it: a conflicting re-append throws. */
export async function appendToOneStream(
  store: Pick<EventStore, 'appendMany'>, stream: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision = 'any',
): Promise<AppendResult> {
  const [result] = await store.appendMany([{ stream, events, expectedRevision }]);
  const conflicts = result!.outcomes.filter((outcome) => outcome.status === 'conflict');
  if (conflicts.length > 0) throw new IdempotencyConflictError(conflicts.map((outcome) => outcome.id));
  return result!;
}
