/**
 * The published JSON Schema (schemas/json/event.schema.json) against the ledger's own checks, with
 * a third-party validator (ajv, draft 2020-12): the same valid and invalid events, the same verdict —
 * except the rules no JSON Schema can say, which are listed here and named in the schema's $comment.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, validateEvent } from '../../schemas/event.js';
import { INVALID_CASES } from '../fixtures/contract-cases.js';
import { anEvent } from '../fixtures/events.js';

const schema: unknown = JSON.parse(readFileSync('schemas/json/event.schema.json', 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
// The schema's formats (date-time, email, uri…) checked as the published schema says, not ignored with a warning each.
// CommonJS: its module.exports is the plugin and carries it as .default too, the one TypeScript's NodeNext view sees.
ajvFormats.default(ajv);
const check = ajv.compile(schema as object);
const ajvErrors = (event: unknown) => (check(event) ? [] : (check.errors ?? []));

/** Rules across fields, or against the clock, that JSON Schema cannot express: the ledger alone refuses these. */
const BEYOND_JSON_SCHEMA = new Set([
  'a value for a category not collected', 'a transfer that stays home', 'a deletion deadline before the shutdown',
  'an incident window that ends before it starts', 'occurredAt before 1970', 'occurredAt in year 0000', 'occurredAt in year 2999',
  'a retention of P9999Y', 'a subject id that is a phone number with an extension',
]);

describe('the JSON Schema agrees with the ledger (ajv, draft 2020-12)', () => {
  it.each(EVENT_TYPES)('accepts the valid %s the ledger accepts', (type) => {
    expect(validateEvent(anEvent(type)).ok).toBe(true);
    expect(ajvErrors(anEvent(type))).toEqual([]);
  });

  it.each(INVALID_CASES.filter(([name]) => !BEYOND_JSON_SCHEMA.has(name)))('refuses %s, as the ledger does', (_name, event) => {
    expect(validateEvent(event).ok).toBe(false);
    expect(ajvErrors(event).length).toBeGreaterThan(0);
  });

  it.each(INVALID_CASES.filter(([name]) => BEYOND_JSON_SCHEMA.has(name)))('leaves %s to the ledger, and says so in a $comment', (_name, event) => {
    expect(validateEvent(event).ok).toBe(false);
    expect(ajvErrors(event)).toEqual([]);
    expect(JSON.stringify(schema)).toContain('Also checked by the ledger, beyond JSON Schema');
  });

  it('a malformed e-mail identifier, a phone number "123" and ConsentWithdrawn {} are refused by both', () => {
    for (const event of [
      anEvent('DataUsed', { subject: { id: 'u-1', identifiers: [{ kind: 'email', value: 'nobody' }] } }),
      anEvent('DataUsed', { subject: { id: 'u-1', identifiers: [{ kind: 'phone', value: '123' }] } }),
      anEvent('ConsentWithdrawn', { data: { consentId: undefined, purposes: undefined } }),
    ]) {
      expect(validateEvent(event).ok).toBe(false);
      expect(ajvErrors(event).length).toBeGreaterThan(0);
    }
  });

  it('one wrong category is one error at its path, not one per event type', () => {
    const errors = ajvErrors(anEvent('DataCollected', { data: { categories: ['contact.fax'], values: undefined } }));
    expect(errors.map((e) => e.instancePath).filter((path) => path !== '')).toEqual(['/data/categories/0']);
    expect(errors.length).toBeLessThanOrEqual(2); // the enum miss, and the if/then that carried it
  });
});
