/**
 * Sealing, in one place: personal values inside an event (`data.values`,
 * `subject.identifiers[].value`) are replaced by sealed values before the event is hashed and
 * stored, its content digest is taken under the subject's key, and a stored event is opened
 * again. The nonce is fresh per value and the event id and JSON path are bound in as associated
 * data, so a sealed value cannot be moved to another event or field without failing to open.
 */
import { createHmac } from 'node:crypto';
import type { LedgerEvent } from '../../schemas/event.js';
import { IDENTIFIER_CATEGORIES } from '../../schemas/identifiers.js';
import { bodyDigest, canonicalJson } from '../store/digest.js';
import type { RecordedEvent } from '../store/port.js';
import { decryptBuffer, DecryptionError, encryptToBuffer } from './crypto/aead.js';
import { isSealedValue, type SealedValue } from './crypto/sealed-value.js';
import type { DataKey, DataKeys } from './keys/key-store.js';
import { mapPersonalValues, storedEvent, type OpenedEvent, type SealedEvent } from './stored-event.js';

const aad = (eventId: string, path: string) => `pdl:value:${eventId}:${path}`;

/** The smallest bucket: a phone number, an e-mail address and a one-letter value seal to the same length. */
const MIN_BUCKET = 32;
/** Past this, buckets grow by this much (a long browsing record needs no power of two). */
const LARGE_STEP = 1024;

/**
 * ISO/IEC 7816-4 padding (0x80, then zeros) up to the next bucket: 32, 64, 128 … 1,024 bytes,
 * then every 1,024. The marker byte makes the padding unambiguous whatever the value ends with.
 */
export function padToBucket(plaintext: Buffer): Buffer {
  const needed = plaintext.length + 1;
  let size = MIN_BUCKET;
  while (size < needed && size < LARGE_STEP) size *= 2;
  if (size < needed) size = Math.ceil(needed / LARGE_STEP) * LARGE_STEP;
  const padded = Buffer.alloc(size);
  plaintext.copy(padded);
  padded[plaintext.length] = 0x80;
  return padded;
}

function unpad(padded: Buffer): Buffer {
  const end = padded.lastIndexOf(0x80);
  if (end < 0 || padded.subarray(end + 1).some((byte) => byte !== 0)) throw new DecryptionError('the padding of a sealed value is malformed');
  return padded.subarray(0, end);
}

function sealValue(dataKey: DataKey, eventId: string, path: string, value: string): SealedValue {
  const ct = encryptToBuffer(dataKey.key, padToBucket(Buffer.from(value, 'utf8')), aad(eventId, path)).toString('base64url');
  return { enc: 'A256GCM-PAD', kid: dataKey.kid, ct };
}

/**
 * Which category a value at this path belongs to; null: none (sealed with the subject's own key).
 * An e-mail or phone given as an identifier is its category's: sealed (and deleted) with it.
 */
export function categoryOfPath(event: Pick<LedgerEvent, 'subject'>, path: string): string | null {
  if (path.startsWith('data.values.')) return path.slice('data.values.'.length);
  const index = /^subject\.identifiers\[(\d+)\]\.value$/.exec(path);
  const kind = index ? event.subject?.identifiers?.[Number(index[1])]?.kind : undefined;
  return kind === undefined ? null : IDENTIFIER_CATEGORIES.get(kind) ?? null;
}

/**
 * The stored form of an event: the event as validated, each personal value sealed under the
 * key of its category (`keyFor`), so a category deleted everywhere can be destroyed alone.
 */
export function sealEvent(event: LedgerEvent, keyFor: ((category: string | null) => DataKey) | null): SealedEvent {
  const isText = (value: unknown): value is string => typeof value === 'string';
  return mapPersonalValues(event, (value, path) => {
    if (!keyFor) throw new Error(`event ${event.id} has personal values but no data key`);
    return sealValue(keyFor(categoryOfPath(event, path)), event.id, path, value);
  }, isText);
}

/** Whether an event carries values that must be sealed (so it needs a subject key). */
export function hasPersonalValues(event: LedgerEvent): boolean {
  const values = 'values' in event.data ? event.data.values : undefined;
  return (event.subject?.identifiers?.length ?? 0) > 0 || (values !== undefined && Object.keys(values).length > 0);
}

/** An event as the log stores it, and what "the same content" means for it. */
export interface Sealed {
  readonly body: SealedEvent;
  readonly digest: string;
}

/**
 * Seals an event under its subject's current keys (each value under its category's; a
 * collection notes where that category is now held) and takes its content digest: of the event
 * as submitted, without its submitter, so the same event sent again by another is a duplicate.
 * With values it is an HMAC under a key derived from the subject's own data key: a plain hash
 * would let a guesser test values against the log, and an erasure destroys this key too.
 */
export function seal(event: LedgerEvent, keys: Omit<DataKeys, 'keyById'>): Sealed {
  const subjectId = event.subject?.id;
  const dataKey = hasPersonalValues(event) && subjectId !== undefined ? keys.currentKey(subjectId) : null;
  if (!dataKey || subjectId === undefined) return { body: sealEvent(event, null), digest: bodyDigest(event) };
  const digest = `hmac:${dataKey.kid}:${createHmac('sha256', keys.digestKey(dataKey)).update(canonicalJson(event)).digest('hex')}`;
  const system = event.type === 'DataCollected' ? event.data.storage.system : null;
  const keyFor = (category: string | null): DataKey => {
    const key = keys.currentKey(subjectId, category);
    if (system !== null && category !== null) keys.heldIn(key, system);
    return key;
  };
  return { body: sealEvent(event, keyFor), digest };
}

export type KeyLookup = (kid: string) => Buffer | null;

/** A recorded event with its values opened by the key store's keys; values of erased subjects read as null. */
export const openRecorded = (recorded: RecordedEvent, keys: Pick<DataKeys, 'keyById'>): ReturnType<typeof openEvent> =>
  openEvent(storedEvent(recorded), (kid) => keys.keyById(kid));

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
      const plaintext = decryptBuffer(key, Buffer.from(value.ct, 'base64url'), aad(stored.id, path));
      return (value.enc === 'A256GCM-PAD' ? unpad(plaintext) : plaintext).toString('utf8');
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      unreadable += 1;
      return null;
    }
  }, isSealedValue);
  return { event, sealed, unreadable };
}
