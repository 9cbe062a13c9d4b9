/** Consent given and withdrawn (GDPR Art. 7, PIPL Art. 14-15, and the separate consent of PIPL Art. 39). */
import * as z from 'zod';
import { Key } from '../envelope.js';
import { DataCategory, Purpose } from '../taxonomy.js';
import { defineEvent, nonEmpty, text } from './define.js';

/**
 * What the subject was told before consenting to a transfer abroad. Each field is optional
 * so that an incomplete disclosure is recorded as given and the policy rule
 * `cross-border-without-consent` can prove it incomplete.
 */
export const Disclosures = z.strictObject({
  purpose: text(300).optional(),
  recipient: text(200).optional(),
  securityMeasures: z.array(text(300)).optional(),
  risks: z.array(text(300)).optional(),
});

export const ConsentGiven = defineEvent(
  'ConsentGiven',
  z.strictObject({
    consentId: Key,
    purposes: nonEmpty(Purpose, 'purpose'),
    categories: z.array(DataCategory).optional(),
    disclosures: Disclosures.optional(),
    /** A separate consent (PIPL Art. 29, 39): given on its own, for this processing alone — what sensitive data and transfers abroad need. */
    separate: z.boolean().optional(),
    policyVersion: text(64),
    channel: text(64),
  }),
  'required',
  'The subject consented to purposes (and, for a transfer abroad, to what was disclosed to them).',
);

export const ConsentWithdrawn = defineEvent(
  'ConsentWithdrawn',
  z
    .strictObject({
      consentId: Key.optional(),
      purposes: z.array(Purpose).min(1, 'at least one purpose').optional(),
    })
    .refine((data) => data.consentId !== undefined || data.purposes !== undefined, {
      error: 'give consentId or purposes (what is withdrawn)',
    })
    .meta({ anyOf: [{ required: ['consentId'] }, { required: ['purposes'] }] }),
  'required',
  'The subject withdrew a consent, or consent for purposes (cookies refused included).',
);
