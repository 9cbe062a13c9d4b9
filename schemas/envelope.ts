/**
 * The envelope every producer sends, on every entry path (Kafka, GraphQL, `pdl record`).
 * Field names are the contract (README, "The event contract"; schemas/json/): add fields, never rename these.
 */
import * as z from 'zod';
import { ActorKind } from './taxonomy.js';
import { isValidIdentifier, looksLikePhoneNumber } from './identifiers.js';

const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:~-]*$/;

/** Ids used in stream names: pseudonymous keys, never an e-mail or a phone number. */
export const Key = z
  .string({ error: 'an id is required' })
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(KEY_PATTERN, 'may use letters, digits and . _ : ~ - (no spaces, no @)');

/** Seven digits or more, alone or with separators between them: a phone number written as an id (8613800001001, 138-0013-8000). */
export const PHONE_SHAPED_ID = '^\\+?[0-9](?:[ ().-]*[0-9]){6,}$';
const PHONE_SHAPED = new RegExp(PHONE_SHAPED_ID);
const IN_CLEAR = 'is a pseudonymous key, stored in clear, shown to auditors and kept after erasure: never an e-mail or a phone number';

/**
 * The id of a person or a party, in clear in the log and its stream names for good (erasure
 * destroys values, not ids): a key, and not an address — no @ (the key pattern), no phone number.
 * Messages name the rule, never the value (rejections are logged and dead-lettered).
 */
export const pseudonymousId = (what: string) => z
  .string({ error: `${what} is required` })
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(KEY_PATTERN, `${what} ${IN_CLEAR} (letters, digits and . _ : ~ -, e.g. "u-1842")`)
  .refine((id) => !PHONE_SHAPED.test(id) && !looksLikePhoneNumber(id), `${what} ${IN_CLEAR}, and this one is shaped like a phone number`)
  .meta({
    not: { pattern: PHONE_SHAPED_ID },
    $comment: 'Also checked by the ledger, beyond JSON Schema: not a phone number with an extension (libphonenumber-js).',
  });

export const Timestamp = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with a time zone, e.g. 2026-11-28T10:15:00Z' });

export const Identifier = z
  .strictObject({
    kind: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a lowercase kind such as "email" or "phone"'),
    value: z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters'),
  })
  // The message never echoes the value: rejections are logged and dead-lettered.
  .refine((identifier) => isValidIdentifier(identifier.kind, identifier.value), {
    error: (issue) => {
      const kind = (issue.input as { kind?: unknown }).kind;
      return kind === 'phone'
        ? 'not a valid phone number (use E.164, e.g. +8613812345678)'
        : `not a valid ${String(kind)} identifier`;
    },
    path: ['value'],
  })
  // The same rule for JSON Schema validators, as near as a pattern comes (the ledger also checks a phone number's plan, libphonenumber-js).
  .meta({
    allOf: [
      { if: { properties: { kind: { const: 'email' } }, required: ['kind'] }, then: { properties: { value: { pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' } } } },
      { if: { properties: { kind: { const: 'phone' } }, required: ['kind'] }, then: { properties: { value: { pattern: '^\\+?[0-9][0-9 ().-]{6,24}$' } } } },
    ],
  });

const identifiers = z.array(Identifier).max(16, 'at most 16 identifiers').optional();
const subjectShape = { id: pseudonymousId('a subject id'), identifiers };
/**
 * For the events that only name a subject already in the ledger — its erasure, the ledger's own
 * record of a read — any key: a subject recorded under a phone-shaped id before that was refused
 * can still be erased and read.
 */
const knownSubjectShape = { id: Key, identifiers };

export const Subject = z.strictObject(subjectShape);
export const KnownSubject = z.strictObject(knownSubjectShape);

/** The subject, for event types that always concern one person. */
export const requiredSubject = (type: string, known = false) =>
  z.strictObject(known ? knownSubjectShape : subjectShape, {
    error: (issue) =>
      issue.input === undefined ? `a ${type} event must name its subject` : 'expected an object {id, identifiers?}',
  });

/**
 * Who acted: an identifier (a service, a staff id, a key id), never personal data — actor ids are
 * stored in clear, shown to auditors, and outlive erasure. `kind: "subject"` names the event's own subject.
 */
export const Actor = z.strictObject({
  kind: ActorKind,
  id: z
    .string({ error: 'an actor id is required' })
    .min(1, 'must not be empty')
    .max(128, 'must be at most 128 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:~-]*$/, 'an actor id is an identifier such as "signup-service" or "staff-0042": letters, digits and . _ : ~ - (no @, spaces or control characters; it is stored in clear and outlives erasure)'),
});

/** Any case on the way in; stored in lower case, so one UUID is one idempotency key. */
export const EventId = z.uuid({ error: 'expected a UUID (the producer-chosen idempotency key)' })
  .refine((id) => id !== '00000000-0000-0000-0000-000000000000', 'the nil UUID is no idempotency key: give each event a random or time-ordered UUID')
  .meta({ not: { const: '00000000-0000-0000-0000-000000000000' } });

/** When something happened: not before 1970 (no personal data was processed by our systems then; a year 0000 is a bug). */
// Told only of a well-formed time (a malformed one has its own message).
export const OccurredAt = Timestamp.refine((at) => !(Date.parse(at) < 0), 'occurredAt before 1970 is not a plausible time (a default or zero value?)')
  .meta({ $comment: 'Also checked by the ledger, beyond JSON Schema: not before 1970, and not more than a day after the ledger\'s clock.' });

/** Fields shared by every event; `type`, `data` and whether `subject` is required vary per type. */
export const envelopeShape = {
  id: EventId,
  occurredAt: OccurredAt,
  subject: Subject.optional(),
  actor: Actor,
};

export type Identifier = z.infer<typeof Identifier>;
export type Subject = z.infer<typeof Subject>;
export type Actor = z.infer<typeof Actor>;
