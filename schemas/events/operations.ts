/** Events of the organisation rather than of one subject: legal requests, shutdowns, incidents, policies. */
import * as z from 'zod';
import { Key, Timestamp } from '../envelope.js';
import { DataCategory, LegalInstrument, Purpose, RecipientKind } from '../taxonomy.js';
import { Region } from '../regions.js';
import { defineEvent, nonEmpty, text } from './define.js';
import { ProcessingWindow } from './processing.js';
import { PolicyDocument } from '../policy.js';

export const LegalRequestReceived = defineEvent(
  'LegalRequestReceived',
  z.strictObject({
    requestId: Key,
    authority: text(200),
    instrument: LegalInstrument,
    reference: text(200),
    categories: nonEmpty(DataCategory, 'category'),
  }),
  'optional',
  'An authority asked for data, citing a legal document (subpoena, investigation letter…).',
);

export const ServiceShutdownAnnounced = defineEvent(
  'ServiceShutdownAnnounced',
  z
    .strictObject({
      service: Key,
      systems: nonEmpty(Key, 'system'),
      effectiveAt: Timestamp,
      deletionDeadline: Timestamp,
    })
    .refine((data) => Date.parse(data.deletionDeadline) >= Date.parse(data.effectiveAt), {
      error: 'deletionDeadline must not be before effectiveAt',
      path: ['deletionDeadline'],
    })
    .meta({ $comment: 'Also checked by the ledger, beyond JSON Schema: deletionDeadline is not before effectiveAt.' }),
  'optional',
  'A product or service stops; the data of its systems must be deleted or anonymized by the deadline.',
);

const windowInOrder = (window: { from: string; to: string }) => Date.parse(window.to) >= Date.parse(window.from);

export const IncidentOpened = defineEvent(
  'IncidentOpened',
  z.strictObject({
    incidentId: Key,
    systems: nonEmpty(Key, 'system'),
    window: ProcessingWindow.refine(windowInOrder, { error: 'window.to must not be before window.from', path: ['to'] })
      .meta({ $comment: 'Also checked by the ledger, beyond JSON Schema: to is not before from.' }),
    description: text(2000),
  }),
  'optional',
  'A security incident in some systems during a time window (GDPR Art. 33, PIPL Art. 57).',
);

export const IncidentClosed = defineEvent(
  'IncidentClosed',
  z.strictObject({
    incidentId: Key,
    systems: z.array(Key).optional(),
    window: ProcessingWindow.refine(windowInOrder, { error: 'window.to must not be before window.from', path: ['to'] }).optional(),
    description: text(2000).optional(),
  }),
  'optional',
  'An incident was closed, with its final scope when that changed.',
);

export const IncidentReported = defineEvent(
  'IncidentReported',
  z.strictObject({
    incidentId: Key,
    audience: z.enum(['authority', 'subjects']),
    authority: text(200).optional(),
    channel: text(64).optional(),
  }).refine((data) => data.audience !== 'authority' || data.authority !== undefined, {
    error: 'name the authority reported to', path: ['authority'],
  }),
  'optional',
  'An incident was reported to an authority or to the people affected (GDPR Art. 33–34; PIPL Art. 57): with subject, to that person; without, to everybody affected.',
);

/** A privacy policy published into the ledger: the commitments the ledger checks from then on. */
export const PolicyPublished = defineEvent(
  'PolicyPublished',
  z.strictObject({
    version: text(64),
    effectiveFrom: Timestamp.optional(),
    policy: PolicyDocument,
  }),
  'optional',
  'A version of the privacy policy whose promises the ledger checks; in force from effectiveFrom (else occurredAt).',
);

/** What an assessment covers: each dimension it names limits it; one it leaves out covers any value. */
export const AssessmentScope = z.strictObject({
  purposes: nonEmpty(Purpose, 'purpose').optional(),
  categories: nonEmpty(DataCategory, 'category').optional(),
  recipientKinds: nonEmpty(RecipientKind, 'recipient kind').optional(),
  toRegions: nonEmpty(Region, 'region').optional(),
  automatedDecision: z.boolean().optional(),
});

export const ImpactAssessmentCompleted = defineEvent(
  'ImpactAssessmentCompleted',
  z.strictObject({
    assessmentId: Key,
    scope: AssessmentScope,
    conclusion: z.enum(['acceptable', 'acceptable-with-measures', 'not-acceptable']),
    reference: text(200).optional(),
  }),
  'optional',
  'A personal information protection impact assessment (PIPL Art. 55–56; GDPR Art. 35) was completed for the processing its scope names.',
);
