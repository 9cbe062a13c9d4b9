/** What happens to personal data: collected, used, shared, sent abroad, deleted. */
import * as z from 'zod';
import { durationDays, isDuration } from '../duration.js';
import { Key, pseudonymousId, Timestamp } from '../envelope.js';
import { IDENTIFIER_KIND_OF, isValidIdentifier } from '../identifiers.js';
import { Region } from '../regions.js';
import {
  CollectionMethod, DataCategory, DeletionMethod, DeletionReason, LegalBasis, Purpose,
  RecipientKind, Source, StorageKind, TransferMechanism,
} from '../taxonomy.js';
import { defineEvent, nonEmpty, text } from './define.js';

export const Storage = z.strictObject({ system: Key, kind: StorageKind, region: Region });

/** An e-mail address, or a phone number (seven digits or more, with separators), anywhere in a text. */
export const ADDRESS_IN_TEXT = '[^\\s@]+@[^\\s@]+\\.[^\\s@]+|(?:^|[^0-9])\\+?[0-9](?:[ ().-]*[0-9]){6,}';

/** A recipient is an organisation or a service, named in clear for good: never a person's address (README "Input"). */
export const Recipient = z.strictObject({
  id: pseudonymousId('a recipient id'),
  name: text(200)
    .refine((name) => !new RegExp(ADDRESS_IN_TEXT).test(name),
      'a recipient name is stored in clear, shown to auditors and kept after erasure: the name of an organisation or a service, never an e-mail or a phone number')
    .meta({ not: { pattern: ADDRESS_IN_TEXT } }),
  kind: RecipientKind,
  region: Region,
});

const Categories = nonEmpty(DataCategory, 'category');

/** Values of identifier categories (IDENTIFIER_KIND_OF) are checked as such, never echoed in the message. */
const IDENTIFIER_MESSAGES = {
  email: 'not a valid e-mail address',
  phone: 'not a valid phone number (use E.164, e.g. +8613812345678)',
} as const;

/** category → the value collected; encrypted with the subject's key before it is stored. */
const Value = z.string().min(1, 'a value must not be empty (leave the category out of values instead)').max(4096, 'values are at most 4096 characters');
const Values = z.partialRecord(DataCategory, Value).optional();
/** At most a century: longer is a typo (P9999Y), and no law asks for it. */
const Retention = z.iso.duration({ error: 'expected an ISO 8601 duration such as P3Y or P30D' })
  // zod checks this even when the format check above failed: that failure is the one to report.
  .refine((period) => !isDuration(period) || durationDays(period) <= 36_525, 'a retention period is at most 100 years (P100Y)');

export const DataCollected = defineEvent(
  'DataCollected',
  z
    .strictObject({
      categories: Categories,
      values: Values,
      source: Source,
      method: CollectionMethod.optional(),
      purposes: nonEmpty(Purpose, 'purpose'),
      legalBasis: LegalBasis,
      consentId: Key.optional(),
      storage: Storage,
      retention: Retention.optional(),
    })
    .superRefine(valuesMatchCategories)
    .meta({ $comment: 'Also checked by the ledger, beyond JSON Schema: each key of values is one of categories; contact.email and contact.phone values are valid addresses and numbers; retention is at most 100 years.' }),
  'required',
  'Personal data was collected and stored (GDPR Art. 30(1)(c), PIPL Art. 17: what, why, on what basis, where).',
);

/** Values are keyed by listed categories, and look-up identifiers must be valid ones. */
function valuesMatchCategories(data: { categories: readonly string[]; values?: Partial<Record<string, string>> | undefined }, ctx: z.RefinementCtx): void {
  for (const [category, value] of Object.entries(data.values ?? {})) {
    if (!data.categories.includes(category)) {
      ctx.addIssue({ code: 'custom', path: ['values', category], message: `value given for "${category}", which is not in categories` });
    }
    const kind = IDENTIFIER_KIND_OF.get(category);
    if (kind !== undefined && typeof value === 'string' && !isValidIdentifier(kind, value)) {
      ctx.addIssue({ code: 'custom', path: ['values', category], message: IDENTIFIER_MESSAGES[kind] });
    }
  }
}

export const DataRectified = defineEvent(
  'DataRectified',
  z
    .strictObject({
      categories: Categories,
      values: z.partialRecord(DataCategory, Value),
      requestId: Key.optional(),
    })
    .superRefine((data, ctx) => {
      valuesMatchCategories(data, ctx);
      for (const category of data.categories) {
        if (data.values[category] === undefined) {
          ctx.addIssue({ code: 'custom', path: ['values', category], message: 'a rectification gives the corrected value of every category it lists' });
        }
      }
    })
    .meta({ $comment: 'Also checked by the ledger, beyond JSON Schema: values has exactly one value for each of categories.' }),
  'required',
  'Personal data held was corrected (GDPR Art. 16; PIPL Art. 46): the corrected values, sealed like any value; answers a rectification request when it names one.',
);

export const DataUsed = defineEvent(
  'DataUsed',
  z.strictObject({
    categories: Categories,
    purpose: Purpose,
    legalBasis: LegalBasis,
    system: Key,
    consentId: Key.optional(),
    /** A decision about the subject made by automated means alone (GDPR Art. 22; PIPL Art. 24). */
    automatedDecision: z.boolean().optional(),
  }),
  'required',
  'Personal data already held was used for a purpose by a system.',
);

export const DataShared = defineEvent(
  'DataShared',
  z.strictObject({
    categories: Categories,
    recipient: Recipient,
    purpose: Purpose,
    legalBasis: LegalBasis,
    legalRequestId: Key.optional(),
  }),
  'required',
  'Personal data was given to someone else: a third party, a processor or an authority.',
);

export const DataTransferredAbroad = defineEvent(
  'DataTransferredAbroad',
  z
    .strictObject({
      categories: Categories,
      recipient: Recipient,
      fromRegion: Region,
      toRegion: Region,
      purpose: Purpose,
      securityMeasures: z.array(text(300)),
      risks: z.array(text(300)),
      mechanism: TransferMechanism,
      consentId: Key.optional(),
    })
    .refine((data) => data.fromRegion !== data.toRegion, {
      error: 'a transfer abroad must leave fromRegion',
      path: ['toRegion'],
    })
    .meta({ $comment: 'Also checked by the ledger, beyond JSON Schema: toRegion differs from fromRegion.' }),
  'required',
  'Personal data left the region it was collected in (PIPL Art. 38-39, GDPR Chapter V).',
);

export const DataDeleted = defineEvent(
  'DataDeleted',
  z.strictObject({
    categories: z.union([z.literal('all'), Categories], {
      error: (issue) => (issue.input === undefined ? 'categories is required' : 'expected "all" or a list of categories'),
    }),
    method: DeletionMethod,
    reason: DeletionReason,
    systems: z.array(Key).optional(),
  }),
  'required',
  'Personal data was deleted or anonymized, in all systems or in those listed.',
);

export const ProcessingWindow = z.strictObject({ from: Timestamp, to: Timestamp });
