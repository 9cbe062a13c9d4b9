/**
 * Sealing, in one place: personal values inside an event (`data.values`,
 * `subject.identifiers[].value`) are replaced by sealed values before the event is hashed and
 * stored, its content digest is taken under the subject's key, and a stored event is opened
 * again. The nonce is fresh per value and the event id and JSON path are bound in as associated
 * data, so a sealed value cannot be moved to another event or field without failing to open.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { LedgerEvent } from '../../schemas/event.js';
import { IDENTIFIER_CATEGORIES } from '../../schemas/identifiers.js';
import { bodyDigest, canonicalJson } from '../store/digest.js';
import type { RecordedEvent } from '../store/port.js';
import { decryptBuffer, DecryptionError, encryptToBuffer } from './crypto/aead.js';
import { isSealedValue, type SealedValue } from './crypto/sealed-value.js';
import { slotOf, type DataKey, type KeySlot, type KeyStore } from './keys/key-store.js';
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
 * The keys sealing `event` takes (resolved before it, in one call for a whole batch): the
 * subject's own key for the content digest, and one per category of its values, each noted as
 * held in the system a collection stores it in.
 */
export function keySlotsOf(event: LedgerEvent): KeySlot[] {
  const subjectId = event.subject?.id;
  if (subjectId === undefined || !hasPersonalValues(event)) return [];
  const system = event.type === 'DataCollected' ? event.data.storage.system : undefined;
  const slots: KeySlot[] = [{ subjectId, category: null }];
  const isText = (value: unknown): value is string => typeof value === 'string';
  mapPersonalValues(event, (_value, path) => {
    const category = categoryOfPath(event, path);
    slots.push({ subjectId, category, ...(system !== undefined && category !== null ? { heldIn: system } : {}) });
    return null;
  }, isText);
  return slots;
}

/**
 * A key for content digests, derived from the data key so that erasure destroys it too. Derived
 * once per key per segment (an HKDF is ~6 % of an event's work): kept with the segment's key map,
 * so it lives no longer than the keys it came from are in hand.
 */
const digestKeys = new WeakMap<ReadonlyMap<string, DataKey>, Map<string, Buffer>>();
function digestKeyOf(dataKey: DataKey, segment: ReadonlyMap<string, DataKey>): Buffer {
  let derived = digestKeys.get(segment);
  if (!derived) digestKeys.set(segment, (derived = new Map()));
  let key = derived.get(dataKey.kid);
  if (!key) derived.set(dataKey.kid, (key = Buffer.from(hkdfSync('sha256', dataKey.key, Buffer.alloc(0), 'pdl:content-digest', 32))));
  return key;
}

/** An event's values could not be sealed: a key it needs was not resolved for it. */
function keyIn(keys: ReadonlyMap<string, DataKey>, subjectId: string, category: string | null): DataKey {
  const key = keys.get(slotOf(subjectId, category));
  if (!key) throw new Error(`no data key was resolved for a value of ${category ?? 'the subject'}`);
  return key;
}

/**
 * Seals an event under its subject's current keys (each value under its category's, as
 * `keySlotsOf` asked for them) and takes its content digest: of the event as submitted, without
 * its submitter, so the same event sent again by another is a duplicate. With values it is an
 * HMAC under a key derived from the subject's own data key: a plain hash would let a guesser
 * test values against the log, and an erasure destroys this key too.
 */
export function seal(event: LedgerEvent, keys: ReadonlyMap<string, DataKey>): Sealed {
  const subjectId = event.subject?.id;
  if (!hasPersonalValues(event) || subjectId === undefined) return { body: sealEvent(event, null), digest: bodyDigest(event) };
  const dataKey = keyIn(keys, subjectId, null);
  const digest = `hmac:${dataKey.kid}:${createHmac('sha256', digestKeyOf(dataKey, keys)).update(canonicalJson(event)).digest('hex')}`;
  return { body: sealEvent(event, (category) => keyIn(keys, subjectId, category)), digest };
}

export type KeyLookup = (kid: string) => Buffer | null;

/** The ids of the keys a stored event's values are sealed with. */
export function kidsOf(stored: SealedEvent): string[] {
  const kids: string[] = [];
  mapPersonalValues(stored, (value: SealedValue) => kids.push(value.kid), isSealedValue);
  return kids;
}

/** A recorded event with its values opened by keys looked up before; values of erased subjects read as null. */
export const openRecorded = (recorded: RecordedEvent, keys: ReadonlyMap<string, Buffer | null>): ReturnType<typeof openEvent> =>
  openEvent(storedEvent(recorded), (kid) => keys.get(kid) ?? null);

/** Recorded events opened, their keys asked of the key store in one call. */
export async function openAll(recorded: readonly RecordedEvent[], keys: Pick<KeyStore, 'keysById'>): Promise<ReturnType<typeof openEvent>[]> {
  const stored = recorded.map(storedEvent);
  const kids = [...new Set(stored.flatMap(kidsOf))];
  const found = kids.length === 0 ? new Map<string, Buffer | null>() : await keys.keysById(kids);
  return stored.map((event) => openEvent(event, (kid) => found.get(kid) ?? null));
}
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
