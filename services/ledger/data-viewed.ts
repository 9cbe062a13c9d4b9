/**
 * The `DataViewed` record: someone was shown a subject's decrypted values. Built here for every
 * reader that reveals values — the API (services/api/audit/view-recorder.ts) and `pdl events --reveal`.
 */
import { v7 as uuidv7 } from 'uuid';
import type { OpenedEvent } from './stored-event.js';

/** Identifier kinds whose values are these data categories, for the DataViewed record. */
const IDENTIFIER_CATEGORIES = new Map([['email', 'contact.email'], ['phone', 'contact.phone']]);

/** The categories whose decrypted values this event shows (none once the subject is erased). */
export function revealedCategories(event: OpenedEvent): string[] {
  const values = 'values' in event.data && event.data.values ? Object.entries(event.data.values) : [];
  const categories = values.filter(([, value]) => typeof value === 'string').map(([category]) => category);
  for (const { kind, value } of event.subject?.identifiers ?? []) {
    const category = IDENTIFIER_CATEGORIES.get(kind);
    if (value !== null && category !== undefined) categories.push(category);
  }
  return categories;
}

export interface View {
  readonly subjectId: string;
  /** Who saw it: an identifier (`api-key:<id>`, `operator:<login>`), never the key or an address. */
  readonly actorId: string;
  readonly role: string;
  readonly operation: string;
  readonly categories: Iterable<string>;
  /** Reads merged into this one record. */
  readonly views?: number;
}

export function dataViewedEvent(view: View, occurredAt: string) {
  return {
    id: uuidv7(),
    type: 'DataViewed',
    occurredAt,
    subject: { id: view.subjectId },
    actor: { kind: 'employee', id: view.actorId },
    data: {
      categories: [...view.categories].sort(), operation: view.operation, role: view.role,
      ...(view.views !== undefined && view.views > 1 ? { views: view.views } : {}),
    },
  };
}
