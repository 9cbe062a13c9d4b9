/**
 * Personal values inside an event (`data.values`, `subject.identifiers[].value`) are replaced
 * by sealed values before the event is hashed and stored. The nonce is fresh per value and
 * the event id and JSON path are bound in as associated data, so a sealed value cannot be
 * moved to another event or field without failing to open.
 */
import * as z from 'zod';
import type { LedgerEvent } from '../../../schemas/event.js';
import { mapPersonalValues, type OpenedEvent, type SealedEvent } from '../stored-event.js';
import { decryptBuffer, DecryptionError, encryptToBuffer } from './aead.js';
import type { DataKey } from './key-store.js';

export const SealedValue = z.strictObject({
  enc: z.literal('A256GCM'),
  kid: z.string(),
  /** base64url of nonce ‖ ciphertext ‖ tag. */
  ct: z.string(),
});
export type SealedValue = z.infer<typeof SealedValue>;

/** The same shape, checked by hand: it runs for every value of every event opened (a read's hot path). */
export function isSealedValue(value: unknown): value is SealedValue {
  return typeof value === 'object' && value !== null && 'enc' in value && value.enc === 'A256GCM'
    && 'kid' in value && typeof value.kid === 'string' && 'ct' in value && typeof value.ct === 'string' && Object.keys(value).length === 3;
}

const aad = (eventId: string, path: string) => `pdl:value:${eventId}:${path}`;

function seal(dataKey: DataKey, eventId: string, path: string, value: string): SealedValue {
  const ct = encryptToBuffer(dataKey.key, Buffer.from(value, 'utf8'), aad(eventId, path)).toString('base64url');
  return { enc: 'A256GCM', kid: dataKey.kid, ct };
}

/** The stored form of an event: the event as validated, its personal values sealed (none without a key: it has none). */
export function sealEvent(event: LedgerEvent, dataKey: DataKey | null): SealedEvent {
  const isText = (value: unknown): value is string => typeof value === 'string';
  return mapPersonalValues(event, (value, path) => {
    if (!dataKey) throw new Error(`event ${event.id} has personal values but no data key`);
    return seal(dataKey, event.id, path, value);
  }, isText);
}

/** Whether an event carries values that must be sealed (so it needs a subject key). */
export function hasPersonalValues(event: LedgerEvent): boolean {
  const values = 'values' in event.data ? event.data.values : undefined;
  return (event.subject?.identifiers?.length ?? 0) > 0 || (values !== undefined && Object.keys(values).length > 0);
}

export type KeyLookup = (kid: string) => Buffer | null;

/**
 * Opens the sealed values of a stored event. A value whose key was destroyed (erasure) reads
 * as null; `sealed` counts the values, `unreadable` those that could not be opened.
 */
export function openEvent(stored: SealedEvent, lookup: KeyLookup): { event: OpenedEvent; sealed: number; unreadable: number } {
  let sealed = 0;
  let unreadable = 0;
  const event = mapPersonalValues(stored, (value: SealedValue, path): string | null => {
    sealed += 1;
    const key = lookup(value.kid);
    if (!key) {
      unreadable += 1;
      return null;
    }
    try {
      return decryptBuffer(key, Buffer.from(value.ct, 'base64url'), aad(stored.id, path)).toString('utf8');
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      unreadable += 1;
      return null;
    }
  }, isSealedValue);
  return { event, sealed, unreadable };
}
