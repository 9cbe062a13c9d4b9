/** Cursor pagination over the log: a cursor is an opaque position, so pages never skip or repeat. */
import { ValidationError } from '../../errors.js';
import type { EventFilter } from '../../../projections/queries.js';
import type { RecordedEvent } from '../../store/port.js';
import { revealedCategories } from '../../ledger/data-viewed.js';
import { eventSummary } from '../../ledger/event-summary.js';
import { mapPersonalValues, storedEvent, type OpenedEvent, type SealedEvent } from '../../ledger/stored-event.js';
import type { ApiContext } from '../context.js';

const MAX_PAGE = 500;

export const encodeCursor = (position: number): string => Buffer.from(`pos:${position}`).toString('base64url');

export function decodeCursor(cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined) return 0;
  const match = /^pos:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError('invalid cursor: pass an endCursor from a previous page');
  return Number(match[1]);
}

export function eventNode(context: ApiContext, recorded: RecordedEvent, operation: string) {
  const stored = storedEvent(recorded);
  return {
    id: recorded.id, position: recorded.position, stream: recorded.stream, revision: recorded.revision, type: recorded.type,
    occurredAt: stored.occurredAt, recordedAt: recorded.recordedAt, subjectId: stored.subject?.id ?? null,
    actor: stored.actor, submitter: stored.submitter ?? null, hash: recorded.hash, summary: eventSummary(stored, { values: false }),
    // Opened only when asked for: an answer without `data` shows no value, and its audit names none.
    data: () => dataOf(context, recorded, stored, operation),
  };
}

async function dataOf(context: ApiContext, recorded: RecordedEvent, stored: SealedEvent, operation: string): Promise<OpenedEvent['data']> {
  // A reader who may not see values sees null for each, not ciphertext either.
  if (!context.may('revealValues')) return withoutValues(stored).data;
  const event = await context.reveal(recorded);
  // The node carries `data` only (not the subject's identifiers): its values are what it shows.
  if (event.subject) context.views.viewed(event.subject.id, revealedCategories(event, { identifiers: false }), operation);
  return event.data;
}

const withoutValues = (event: SealedEvent): OpenedEvent => mapPersonalValues(event, () => null, (value): value is unknown => value !== undefined);

export async function eventConnection(context: ApiContext, filter: EventFilter, first: number | null | undefined, after: string | null | undefined, operation: string, newest = false) {
  const size = first ?? 50;
  if (size < 0 || size > MAX_PAGE) throw new ValidationError(`first must be between 0 and ${MAX_PAGE}`);
  // Newest first, a cursor is the position the next page ends before.
  const positions = newest
    ? context.readModels.eventPositionsNewest(filter, after ? decodeCursor(after) : Number.MAX_SAFE_INTEGER, size + 1)
    : context.readModels.eventPositions(filter, decodeCursor(after), size + 1);
  const page = positions.slice(0, size);
  // The store gives positions back in log order; the page keeps the order asked for (newest first too).
  const byPosition = new Map((await context.log.readPositions(page)).map((recorded) => [recorded.position, recorded]));
  const events = page.flatMap((position) => byPosition.get(position) ?? []);
  const edges = events.map((recorded) => ({ cursor: encodeCursor(recorded.position), node: eventNode(context, recorded, operation) }));
  return {
    edges,
    pageInfo: { hasNextPage: positions.length > size, endCursor: edges.at(-1)?.cursor ?? after ?? null },
    totalCount: () => context.readModels.countEvents(filter),
    proof: () => (page.length === 0 ? null : context.proofs.inclusionAt(page)),
  };
}
