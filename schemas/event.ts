/**
 * The event contract: the union of every event type, and `validateEvent`, which answers an
 * input with the parsed event or with every problem by JSON path.
 */
import * as z from 'zod';
import { envelopeShape } from './envelope.js';
import { ConsentGiven, ConsentWithdrawn } from './events/consent.js';
import { ImpactAssessmentCompleted, IncidentClosed, IncidentOpened, IncidentReported, LegalRequestReceived, PolicyPublished, ServiceShutdownAnnounced } from './events/operations.js';
import { DataCollected, DataDeleted, DataRectified, DataShared, DataTransferredAbroad, DataUsed } from './events/processing.js';
import { DeletionConfirmed, DeletionOrdered } from './events/deletion-orders.js';
import { DataViewed, SubjectErased, SubjectNotified, SubjectRequestCompleted, SubjectRequestReceived } from './events/subject-rights.js';
import { wellFormedProblems } from './well-formed.js';

export const eventSchemas = {
  DataCollected, DataUsed, DataShared, DataTransferredAbroad, DataDeleted, DataRectified,
  ConsentGiven, ConsentWithdrawn,
  SubjectRequestReceived, SubjectRequestCompleted, SubjectErased, SubjectNotified, DataViewed,
  LegalRequestReceived, ServiceShutdownAnnounced, IncidentOpened, IncidentClosed, IncidentReported, PolicyPublished, ImpactAssessmentCompleted,
  DeletionOrdered, DeletionConfirmed,
} as const;

export type EventType = keyof typeof eventSchemas;
export const EVENT_TYPES = Object.keys(eventSchemas) as EventType[];

export const LedgerEvent = z.discriminatedUnion('type', [
  DataCollected, DataUsed, DataShared, DataTransferredAbroad, DataDeleted, DataRectified,
  ConsentGiven, ConsentWithdrawn,
  SubjectRequestReceived, SubjectRequestCompleted, SubjectErased, SubjectNotified, DataViewed,
  LegalRequestReceived, ServiceShutdownAnnounced, IncidentOpened, IncidentClosed, IncidentReported, PolicyPublished, ImpactAssessmentCompleted,
  DeletionOrdered, DeletionConfirmed,
]);
export type LedgerEvent = z.infer<typeof LedgerEvent>;
export type EventOf<T extends EventType> = Extract<LedgerEvent, { type: T }>;

import type { FieldError } from './field-error.js';
export type { FieldError } from './field-error.js';

export type Validation = { ok: true; event: LedgerEvent } | { ok: false; errors: FieldError[] };

/** The envelope alone: checked too when the type is unknown, so every problem is reported at once. */
const AnyEnvelope = z.strictObject({ ...envelopeShape, type: z.unknown(), data: z.record(z.string(), z.unknown()) });

/** How far ahead of the clock an occurredAt may be: a day of clock skew and time zones, no more. */
const FUTURE_TOLERANCE_MS = 86_400_000;

export function validateEvent(input: unknown, options: { now?: Date } = {}): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '(root)', message: `expected an event object, got ${describe(input)}` }] };
  }
  const malformed = wellFormedProblems(input, formatPath);
  const parsed = LedgerEvent.safeParse(input, { error: requiredMessage });
  if (parsed.success) {
    const errors = [...malformed, ...crossFieldProblems(parsed.data, options.now ?? new Date())];
    return errors.length === 0 ? { ok: true, event: parsed.data } : { ok: false, errors: bounded(errors) };
  }

  const type = (input as { type?: unknown }).type;
  // A path already refused as malformed (a `__proto__` key is also an "unknown field") is told once.
  const told = new Set(malformed.map((problem) => problem.path));
  const schemaErrors = (issues: readonly z.core.$ZodIssue[]) => toFieldErrors(issues).filter((error) => !told.has(error.path));
  if (typeof type === 'string' && type in eventSchemas) return { ok: false, errors: bounded([...malformed, ...schemaErrors(parsed.error.issues)]) };

  const typeError: FieldError = {
    path: 'type',
    message: type === undefined
      ? `type is required (one of ${EVENT_TYPES.join(', ')})`
      : `unknown event type ${JSON.stringify(type)} (expected one of ${EVENT_TYPES.join(', ')})`,
  };
  const envelope = AnyEnvelope.safeParse(input, { error: requiredMessage });
  return { ok: false, errors: bounded([...malformed, typeError, ...(envelope.success ? [] : schemaErrors(envelope.error.issues))]) };
}

/** Rules across fields of the envelope that a per-field schema cannot say. */
function crossFieldProblems(event: LedgerEvent, now: Date): FieldError[] {
  const problems: FieldError[] = [];
  if (event.actor.kind === 'subject' && event.actor.id !== event.subject?.id) {
    problems.push({ path: 'actor.id', message: 'an actor of kind "subject" is the event\'s own subject: its id must be subject.id' });
  }
  if (event.type === 'DataViewed' && (event.subject === undefined) === (event.data.subjects === undefined)) {
    problems.push({ path: event.subject ? 'data.subjects' : 'subject', message: 'a DataViewed names either its one subject or data.subjects, not both and not neither' });
  }
  if (event.type === 'SubjectRequestCompleted' && event.data.refusalReason !== undefined && event.data.outcome !== 'rejected' && event.data.outcome !== 'partially-fulfilled') {
    problems.push({ path: 'data.refusalReason', message: 'a refusal reason goes with outcome "rejected" or "partially-fulfilled"' });
  }
  if (Date.parse(event.occurredAt) > now.getTime() + FUTURE_TOLERANCE_MS) {
    problems.push({ path: 'occurredAt', message: 'occurredAt is more than a day after the ledger\'s clock: an event is recorded after it happens' });
  }
  return problems;
}

/** Longest message an error may carry: messages reach logs, dead letters and answers, and may quote input. */
export const MAX_MESSAGE_CHARS = 200;

export function boundMessage(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}

const bounded = (errors: readonly FieldError[]): FieldError[] =>
  errors.map((error) => ({ path: boundMessage(error.path), message: boundMessage(error.message) }));

/** "actor is required" reads better than "expected object, received undefined". */
const requiredMessage = (issue: z.core.$ZodRawIssue): string | undefined =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined;

export function toFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      const key = String(part);
      if (/^[A-Za-z_$][\w$]*$/.test(key)) return i === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join('');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : typeof value;
}
