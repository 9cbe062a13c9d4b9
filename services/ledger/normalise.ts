/**
 * One stored form for one meaning: times in UTC with milliseconds, identifiers in the form
 * the blind index uses, lists without repeats. Two producers that say the same thing store
 * the same event (and the same idempotency digest).
 */
import { normaliseIdentifier } from '../../schemas/identifiers.js';
import type { LedgerEvent } from '../../schemas/event.js';

const TIME_FIELDS = new Set(['occurredAt', 'effectiveAt', 'deletionDeadline', 'effectiveFrom', 'from', 'to', 'causedAt', 'dueBy']);
const SET_FIELDS = new Set(['categories', 'purposes', 'systems', 'securityMeasures', 'risks']);

export function normaliseEvent(event: LedgerEvent): LedgerEvent {
  const copy = structuredClone(event);
  // One UUID, one idempotency key, whatever case the producer wrote it in.
  copy.id = copy.id.toLowerCase();
  copy.occurredAt = toUtc(copy.occurredAt);
  if (copy.subject?.identifiers) {
    copy.subject.identifiers = copy.subject.identifiers.map((identifier) => ({
      kind: identifier.kind,
      value: normaliseIdentifier(identifier.kind, identifier.value) ?? identifier.value,
    }));
  }
  if (copy.type !== 'PolicyPublished') normaliseFields(copy.data as Record<string, unknown>);
  else if (copy.data.effectiveFrom) copy.data.effectiveFrom = toUtc(copy.data.effectiveFrom);
  return copy;
}

function normaliseFields(object: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(object)) {
    if (typeof value === 'string' && TIME_FIELDS.has(key)) object[key] = toUtc(value);
    else if (Array.isArray(value) && SET_FIELDS.has(key)) object[key] = [...new Set(value)];
    else if (value !== null && typeof value === 'object' && !Array.isArray(value) && key !== 'values') {
      normaliseFields(value as Record<string, unknown>);
    }
  }
}

const toUtc = (timestamp: string): string => new Date(timestamp).toISOString();
