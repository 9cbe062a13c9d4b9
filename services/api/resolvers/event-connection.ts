/** Cursor pagination over the log: a cursor is an opaque position, so pages never skip or repeat. */
import { ValidationError } from '../../errors.js';
import type { EventFilter } from '../../../projections/queries.js';
import type { RecordedEvent } from '../../store/port.js';
import type { ApiContext } from '../context.js';

const MAX_PAGE = 500;

export const encodeCursor = (position: number): string => Buffer.from(`pos:${position}`).toString('base64url');

export function decodeCursor(cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined) return 0;
  const match = /^pos:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError(`invalid cursor ${JSON.stringify(cursor)}: pass an endCursor from a previous page`);
  return Number(match[1]);
}

export function eventNode(context: ApiContext, recorded: RecordedEvent) {
  const body = context.may('revealValues') ? context.opened.ledger.open(recorded).event : withoutValues(recorded.body);
  const envelope = body as { occurredAt: string; subject?: { id: string }; actor: { kind: string; id: string }; data: unknown };
  return {
    id: recorded.id, position: recorded.position, stream: recorded.stream, revision: recorded.revision, type: recorded.type,
    occurredAt: envelope.occurredAt, recordedAt: recorded.recordedAt, subjectId: envelope.subject?.id ?? null,
    actor: envelope.actor, data: envelope.data, hash: recorded.hash,
  };
}

/** Sealed values shown as null: a reader who may not see values should not see ciphertext either. */
function withoutValues(body: RecordedEvent['body']): RecordedEvent['body'] {
  const copy = structuredClone(body) as { data?: { values?: Record<string, unknown> }; subject?: { identifiers?: { value: unknown }[] } };
  if (copy.data?.values) for (const key of Object.keys(copy.data.values)) copy.data.values[key] = null;
  copy.subject?.identifiers?.forEach((identifier) => (identifier.value = null));
  return copy as RecordedEvent['body'];
}

export async function eventConnection(context: ApiContext, filter: EventFilter, first: number | null | undefined, after: string | null | undefined) {
  const size = first ?? 50;
  if (size < 0 || size > MAX_PAGE) throw new ValidationError(`first must be between 0 and ${MAX_PAGE}`);
  const positions = context.readModels.eventPositions(filter, decodeCursor(after), size + 1);
  const page = positions.slice(0, size);
  const events = await context.opened.store.readPositions(page);
  const edges = events.map((recorded) => ({ cursor: encodeCursor(recorded.position), node: eventNode(context, recorded) }));
  return {
    edges,
    pageInfo: { hasNextPage: positions.length > size, endCursor: edges.at(-1)?.cursor ?? after ?? null },
    totalCount: () => context.readModels.countEvents(filter),
  };
}
