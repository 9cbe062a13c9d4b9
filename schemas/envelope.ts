/**
 * The envelope every producer sends, on every entry path (Kafka, GraphQL, `pdl record`).
 * Field names are the contract (README, "The event contract"; schemas/json/): add fields, never rename these.
 */
import * as z from 'zod';
import { ActorKind } from './taxonomy.js';
import { isValidIdentifier } from './identifiers.js';

/** Ids used in stream names: pseudonymous keys, never an e-mail or a phone number. */
export const Key = z
  .string({ error: 'an id is required' })
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:~-]*$/, 'may use letters, digits and . _ : ~ - (no spaces, no @)');

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

const subjectShape = {
  id: Key,
  identifiers: z.array(Identifier).max(16, 'at most 16 identifiers').optional(),
};

export const Subject = z.strictObject(subjectShape);

/** The subject, for event types that always concern one person. */
export const requiredSubject = (type: string) =>
  z.strictObject(subjectShape, {
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
