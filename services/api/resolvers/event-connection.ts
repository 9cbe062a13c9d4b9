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
  if (!match) throw new ValidationError('invalid cursor: pass an endCursor from a previous page');
  return Number(match[1]);
}

/** Identifier kinds whose values are these data categories, for the DataViewed record. */
const IDENTIFIER_CATEGORIES = new Map([['email', 'contact.email'], ['phone', 'contact.phone']]);

interface OpenedEnvelope {
  occurredAt: string;
  subject?: { id: string; identifiers?: { kind: string; value: string | null }[] };
  actor: { kind: string; id: string };
  data: { values?: Record<string, string | null> } & Record<string, unknown>;
}

/** The categories whose decrypted values this event shows (none once the subject is erased). */
function revealedCategories(envelope: OpenedEnvelope): string[] {
  const categories = Object.entries(envelope.data.values ?? {}).filter(([, value]) => value !== null).map(([category]) => category);
  for (const { kind, value } of envelope.subject?.identifiers ?? []) {
    const category = IDENTIFIER_CATEGORIES.get(kind);
    if (value !== null && category !== undefined) categories.push(category);
  }
  return categories;
}

export function eventNode(context: ApiContext, recorded: RecordedEvent, operation: string) {
  const reveal = context.may('revealValues');
  const body = reveal ? context.opened.ledger.open(recorded).event : withoutValues(recorded.body);
  const envelope = body as unknown as OpenedEnvelope;
  if (reveal && envelope.subject) context.views.viewed(context.principal, envelope.subject.id, revealedCategories(envelope), operation);
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

export async function eventConnection(context: ApiContext, filter: EventFilter, first: number | null | undefined, after: string | null | undefined, operation: string) {
  const size = first ?? 50;
  if (size < 0 || size > MAX_PAGE) throw new ValidationError(`first must be between 0 and ${MAX_PAGE}`);
  const positions = context.readModels.eventPositions(filter, decodeCursor(after), size + 1);
  const page = positions.slice(0, size);
  const events = await context.opened.store.readPositions(page);
  const edges = events.map((recorded) => ({ cursor: encodeCursor(recorded.position), node: eventNode(context, recorded, operation) }));
  return {
    edges,
    pageInfo: { hasNextPage: positions.length > size, endCursor: edges.at(-1)?.cursor ?? after ?? null },
    totalCount: () => context.readModels.countEvents(filter),
  };
}
