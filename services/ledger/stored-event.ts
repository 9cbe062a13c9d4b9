/**
 * The event as the ledger stores it, typed: a `LedgerEvent` whose personal values
 * (`data.values`, `subject.identifiers[].value`) are sealed — and the same event opened, its
 * values decrypted or, once the subject is erased, null. A stored body is decoded into these
 * types once, here, at the store port's boundary; everything past it reads typed fields.
 */
import type { EventType, LedgerEvent } from '../../schemas/event.js';
import { EVENT_TYPES } from '../../schemas/event.js';
import { LedgerError } from '../errors.js';
import type { RecordedEvent } from '../store/port.js';
import type { SealedValue } from './crypto/sealed-value.js';
import type { Submitter } from '../../schemas/submitter.js';

type ValuesAs<D, V> = D extends { values?: infer R } ? Omit<D, 'values'> & { values?: { [K in keyof NonNullable<R>]?: V } } : D;
type IdentifiersAs<S, V> = S extends { identifiers?: (infer I)[] } ? Omit<S, 'identifiers'> & { identifiers?: (Omit<I, 'value'> & { value: V })[] } : S;

/**
 * A ledger event whose personal values are of type `V`; one member per event type, so `type` still
 * narrows. Stored events also carry who submitted them (set by the ledger, covered by the chain;
 * absent on events stored before it was recorded).
 */
export type WithPersonalValues<V, E extends LedgerEvent = LedgerEvent> = E extends LedgerEvent
  ? { [K in keyof E]: K extends 'data' ? ValuesAs<E[K], V> : K extends 'subject' ? IdentifiersAs<E[K], V> : E[K] } & { readonly submitter?: Submitter }
  : never;

/** What the log holds: values sealed under the subject's key. */
export type SealedEvent = WithPersonalValues<SealedValue>;
/** What a reader allowed to see values gets: values opened, null where the subject is erased. */
export type OpenedEvent = WithPersonalValues<string | null>;
export type SealedEventOf<T extends EventType> = Extract<SealedEvent, { type: T }>;

/** A stored body that is not an event the ledger wrote: never papered over. */
export class StoredEventFormatError extends LedgerError {
  readonly code = 'TAMPERED';
}

const TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/**
 * Whether a body has the envelope every stored event has. The ledger wrote it from a validated
 * event and the chain covers it, so the envelope is what is checked here (cheaply, on every
 * read); `pdl verify` is what proves the rest unaltered.
 */
export function isStoredEvent(body: unknown): body is SealedEvent {
  return typeof body === 'object' && body !== null
    && 'type' in body && typeof body.type === 'string' && TYPES.has(body.type)
    && 'id' in body && typeof body.id === 'string'
    && 'occurredAt' in body && typeof body.occurredAt === 'string'
    && 'actor' in body && typeof body.actor === 'object' && body.actor !== null
    && 'data' in body && typeof body.data === 'object' && body.data !== null;
}

/** The stored event of a recorded one, typed. */
export function storedEvent(recorded: RecordedEvent): SealedEvent {
  if (!isStoredEvent(recorded.body)) {
    throw new StoredEventFormatError(`position ${recorded.position}: the stored body is not a ledger event (type ${JSON.stringify(recorded.type).slice(0, 60)})`);
  }
  return recorded.body;
}

/** The shape every event shares where personal values live, whatever their type. */
interface PersonalFields {
  subject?: { identifiers?: { value: unknown }[] } | undefined;
  data: { values?: Record<string, unknown> } | object;
}

/**
 * Replaces every personal value of an event by `f(value, path)`, in a copy: the one walk
 * sealing and opening share. The path names the field, so a sealed value is bound to it.
 * Only what holds values is copied (the event, subject, identifiers, data, values); the rest is
 * shared with the original — events are read-only once made, and a deep copy per event was a
 * visible share of the write path.
 */
export function mapPersonalValues<A, B>(
  event: WithPersonalValues<A>,
  f: (value: A, path: string) => B,
  check: (value: unknown) => value is A,
): WithPersonalValues<B> {
  const copy: PersonalFields = { ...event, data: { ...event.data } };
  if (event.subject) {
    copy.subject = { ...event.subject };
    const identifiers = event.subject.identifiers;
    if (identifiers) {
      copy.subject.identifiers = identifiers.map((identifier, i) => (
        check(identifier.value) ? { ...identifier, value: f(identifier.value, `subject.identifiers[${i}].value`) } : { ...identifier }));
    }
  }
  const values = 'values' in copy.data ? copy.data.values : undefined;
  if (values) {
    const mapped: Record<string, unknown> = { ...values };
    for (const [category, value] of Object.entries(values)) if (check(value)) mapped[category] = f(value, `data.values.${category}`);
    copy.data = { ...copy.data, values: mapped };
  }
  if (!isPersonalOf<B>(copy)) throw new StoredEventFormatError('not a ledger event');
  return copy;
}

/** Values were replaced in place above: the result has the same envelope, now carrying `B`. */
function isPersonalOf<B>(copy: unknown): copy is WithPersonalValues<B> {
  return isStoredEvent(copy);
}
