/**
 * The `DataViewed` record: someone was shown decrypted values. Built here for every reader that
 * reveals values — the API (services/api/audit/) and the CLI (`pdl events --reveal`, `pdl export`).
 */
import { v7 as uuidv7 } from 'uuid';
import { MAX_VIEWED_SUBJECTS } from '../../schemas/events/subject-rights.js';
import { IDENTIFIER_CATEGORIES } from '../../schemas/identifiers.js';
import type { OpenedEvent } from './stored-event.js';

/**
 * The categories whose decrypted values this event shows (none once the subject is erased):
 * its `data.values`, and — when the answer carries the subject's identifiers too — those.
 */
export function revealedCategories(event: OpenedEvent, shown: { identifiers: boolean } = { identifiers: true }): string[] {
  const values = 'values' in event.data && event.data.values ? Object.entries(event.data.values) : [];
  const categories = values.filter(([, value]) => typeof value === 'string').map(([category]) => category);
  if (shown.identifiers) {
    for (const { kind, value } of event.subject?.identifiers ?? []) {
      const category = IDENTIFIER_CATEGORIES.get(kind);
      if (value !== null && category !== undefined) categories.push(category);
    }
  }
  return [...new Set(categories)];
}

/** Who was shown values, and through what. */
export interface Reader {
  /** An identifier (`api-key:<id>`, `operator:<login>`), never the key or an address. */
  readonly actorId: string;
  readonly role: string;
  readonly operation: string;
}

/** A DataViewed as the ledger submits it to its own write path (validated there like any event). */
export interface DataViewedInput {
  readonly id: string;
  readonly type: 'DataViewed';
  readonly occurredAt: string;
  readonly subject?: { readonly id: string };
  readonly actor: { readonly kind: 'employee'; readonly id: string };
  readonly data: {
    readonly categories: string[]; readonly operation: string; readonly role: string;
    readonly subjects?: { readonly id: string; readonly categories: string[] }[];
  };
}

/** What one answer showed: per subject, the categories whose values it carried. */
export type Shown = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * The audit of one answer: one event for one person, or one naming every person shown (in
 * chunks of MAX_VIEWED_SUBJECTS), so its size follows the answer, not the number of people in it.
 */
export function dataViewedEvents(reader: Reader, shown: Shown, occurredAt: string): DataViewedInput[] {
  const seen = [...shown].filter(([, categories]) => categories.size > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const common = (categories: Iterable<string>): DataViewedInput => ({
    id: uuidv7(), type: 'DataViewed', occurredAt, actor: { kind: 'employee', id: reader.actorId },
    data: { categories: [...new Set(categories)].sort(), operation: reader.operation, role: reader.role },
  });
  if (seen.length === 1) {
    const [[subjectId, categories]] = seen as [[string, ReadonlySet<string>]];
    return [{ ...common(categories), subject: { id: subjectId } }];
  }
  const events: DataViewedInput[] = [];
  for (let i = 0; i < seen.length; i += MAX_VIEWED_SUBJECTS) {
    const chunk = seen.slice(i, i + MAX_VIEWED_SUBJECTS);
    const event = common(chunk.flatMap(([, categories]) => [...categories]));
    events.push({ ...event, data: { ...event.data, subjects: chunk.map(([id, categories]) => ({ id, categories: [...categories].sort() })) } });
  }
  return events;
}
