/** The subject's rights: requests, erasure (crypto-shredding) and notices. */
import * as z from 'zod';
import { Key } from '../envelope.js';
import { DataCategory, DeletionReason, NotificationChannel, RefusalReason, RequestKind } from '../taxonomy.js';
import { defineEvent, nonEmpty } from './define.js';

export const RequestOutcome = z.enum(['fulfilled', 'partially-fulfilled', 'rejected', 'withdrawn'], {
  error: (issue) => `unknown outcome ${JSON.stringify(issue.input)}`,
});

export const SubjectRequestReceived = defineEvent(
  'SubjectRequestReceived',
  z.strictObject({ requestId: Key, kind: RequestKind }),
  'required',
  'The subject exercised a right (access, erasure, rectification, portability…).',
);

export const SubjectRequestCompleted = defineEvent(
  'SubjectRequestCompleted',
  z.strictObject({ requestId: Key, kind: RequestKind.optional(), outcome: RequestOutcome.optional(), refusalReason: RefusalReason.optional() }),
  'required',
  'A subject request was answered (refused: with the reason the subject is owed, a term of the refusal reasons).',
);

export const SubjectErased = defineEvent(
  'SubjectErased',
  z.strictObject({ reason: DeletionReason, requestId: Key.optional() }),
  'required',
  "Destroys the subject's data key and blind-index entries: every stored value of theirs becomes unreadable.",
  { knownSubject: true },
);

export const NoticeTopic = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'expected a topic such as "service-shutdown" or "breach"');

export const SubjectNotified = defineEvent(
  'SubjectNotified',
  z.strictObject({ channel: NotificationChannel, topic: NoticeTopic, service: Key.optional(), incidentId: Key.optional() }),
  'optional',
  'The subject (or, without subject, everybody: an announcement) was told something, e.g. of a shutdown or breach.',
);


/** Subjects one `DataViewed` may name: a page of the timeline is at most 500 events. */
export const MAX_VIEWED_SUBJECTS = 1000;

/**
 * Written by the ledger itself, never by a caller: someone was shown decrypted values. The actor
 * is who looked (an API key's id, never the key; or the operator). One event per request and
 * operation: with `subject`, one person's values; without, `subjects` names each person and the
 * categories shown of them (a page of the forensic timeline), so the audit of one answer is one
 * event however many people it shows. `categories` is then the union.
 */
export const DataViewed = defineEvent(
  'DataViewed',
  z.strictObject({
    categories: nonEmpty(DataCategory, 'category'),
    operation: z.string().regex(/^[A-Za-z][A-Za-z0-9.-]{0,63}$/, 'expected an operation name such as "subjectAccess"'),
    role: z.string().regex(/^[a-z][a-z-]{0,31}$/, 'expected a role such as "dpo"'),
    views: z.number().int().min(1).max(1_000_000).optional(),
    subjects: z.array(z.strictObject({ id: Key, categories: nonEmpty(DataCategory, 'category') }))
      .min(1, 'at least one subject').max(MAX_VIEWED_SUBJECTS, `at most ${MAX_VIEWED_SUBJECTS} subjects per event`).optional(),
  }),
  'optional',
  "Someone was shown decrypted personal values (recorded by the ledger itself): who, with which role, which categories of which subject, through which operation. Either `subject` or `data.subjects`.",
  { knownSubject: true },
);
