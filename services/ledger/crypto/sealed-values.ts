/**
 * Personal values inside an event (`data.values`, `subject.identifiers[].value`) are replaced
 * by sealed values before the event is hashed and stored. The nonce is fresh per value and
 * the event id and JSON path are bound in as associated data, so a sealed value cannot be
 * moved to another event or field without failing to open.
 */
import * as z from 'zod';
import type { LedgerEvent } from '../../../schemas/event.js';
import type { JsonObject } from '../../store/port.js';
import { decryptBuffer, DecryptionError, encryptToBuffer } from './aead.js';
import type { DataKey } from './key-store.js';

export const SealedValue = z.strictObject({
  enc: z.literal('A256GCM'),
  kid: z.string(),
  /** base64url of nonce ‖ ciphertext ‖ tag. */
  ct: z.string(),
});
export type SealedValue = z.infer<typeof SealedValue>;

const aad = (eventId: string, path: string) => `pdl:value:${eventId}:${path}`;

function seal(dataKey: DataKey, eventId: string, path: string, value: string): SealedValue {
  const ct = encryptToBuffer(dataKey.key, Buffer.from(value, 'utf8'), aad(eventId, path)).toString('base64url');
  return { enc: 'A256GCM', kid: dataKey.kid, ct };
}

/** The stored body of an event: the event as validated, its personal values sealed. */
export function sealEvent(event: LedgerEvent, dataKey: DataKey | null): JsonObject {
  const body = structuredClone(event) as unknown as JsonObject & { subject?: { identifiers?: { kind: string; value: unknown }[] }; data: { values?: Record<string, unknown> } };
  if (!dataKey) return body;
  body.subject?.identifiers?.forEach((identifier, i) => {
    identifier.value = seal(dataKey, event.id, `subject.identifiers[${i}].value`, identifier.value as string);
  });
  const values = body.data.values;
  if (values) {
    for (const [category, value] of Object.entries(values)) {
      values[category] = seal(dataKey, event.id, `data.values.${category}`, value as string);
    }
  }
  return body;
}

/** Whether an event carries values that must be sealed (so it needs a subject key). */
export function hasPersonalValues(event: LedgerEvent): boolean {
  const values = (event.data as { values?: object }).values;
  return (event.subject?.identifiers?.length ?? 0) > 0 || (values !== undefined && Object.keys(values).length > 0);
}

export type KeyLookup = (kid: string) => Buffer | null;

/**
 * Opens the sealed values of a stored body. A value whose key was destroyed (erasure) reads
 * as null; `sealed` counts the values, `unreadable` those that could not be opened.
 */
export function openEvent(body: JsonObject, lookup: KeyLookup): { event: JsonObject; sealed: number; unreadable: number } {
  const event = structuredClone(body) as JsonObject & { id: string; subject?: { identifiers?: { value: unknown }[] }; data?: { values?: Record<string, unknown> } };
  let sealed = 0;
  let unreadable = 0;
  const open = (value: unknown, path: string): string | null => {
    const parsed = SealedValue.safeParse(value);
    if (!parsed.success) return typeof value === 'string' ? value : null;
    sealed += 1;
    const key = lookup(parsed.data.kid);
    if (!key) {
      unreadable += 1;
      return null;
    }
    try {
      return decryptBuffer(key, Buffer.from(parsed.data.ct, 'base64url'), aad(event.id, path)).toString('utf8');
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      unreadable += 1;
      return null;
    }
  };
  event.subject?.identifiers?.forEach((identifier, i) => {
    identifier.value = open(identifier.value, `subject.identifiers[${i}].value`);
  });
  const values = event.data?.values;
  if (values) for (const category of Object.keys(values)) values[category] = open(values[category], `data.values.${category}`);
  return { event, sealed, unreadable };
}
