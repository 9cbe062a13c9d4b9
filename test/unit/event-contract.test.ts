import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, validateEvent, type FieldError } from '../../schemas/event.js';
import { renderArtefacts } from '../../schemas/render.js';
import { anEvent } from '../fixtures/events.js';
import { INVALID_CASES } from '../fixtures/contract-cases.js';

const errorsOf = (input: unknown): FieldError[] => {
  const result = validateEvent(input);
  if (result.ok) throw new Error('expected the event to be refused');
  return result.errors;
};
const pathsOf = (input: unknown) => errorsOf(input).map((error) => error.path);

describe('the event contract', () => {
  it.each(EVENT_TYPES)('accepts a valid %s', (type) => {
    const result = validateEvent(anEvent(type));
    expect(result.ok ? 'ok' : result.errors).toBe('ok');
  });

  it('a refusal reason is a term of the taxonomy, and only goes with a refusal', () => {
    const refused = (data: object) => anEvent('SubjectRequestCompleted', { data: { requestId: 'r-1', ...data } });
    expect(validateEvent(refused({ outcome: 'rejected', refusalReason: 'excessive' })).ok).toBe(true);
    expect(errorsOf(refused({ outcome: 'rejected', refusalReason: 'because I said so' }))).toEqual([{ path: 'data.refusalReason', message: 'unknown refusal reason "because I said so"' }]);
    expect(errorsOf(refused({ outcome: 'fulfilled', refusalReason: 'excessive' }))).toEqual([
      { path: 'data.refusalReason', message: 'a refusal reason goes with outcome "rejected" or "partially-fulfilled"' }]);
  });

  it('refuses an unknown category, naming it and its index', () => {
    const event = anEvent('DataUsed', { data: { categories: ['contact.email', 'contact.phone', 'contact.fax'] } });
    expect(errorsOf(event)).toEqual([{ path: 'data.categories[2]', message: 'unknown category "contact.fax"' }]);
  });

  it('reports every problem of an event at once, each by its path', () => {
    const event = anEvent('DataCollected', {
      id: 'not-a-uuid',
      occurredAt: 'yesterday',
      data: {
        categories: ['contact.email'], source: 'rumour', purposes: [], legalBasis: 'because',
        storage: { system: 'user-db', kind: 'cloud', region: 'XX' }, retention: '3 years', extra: true,
      },
    });
    expect(pathsOf(event).sort()).toEqual([
      'data.extra', 'data.legalBasis', 'data.purposes', 'data.retention', 'data.source',
      'data.storage.kind', 'data.storage.region', 'id', 'occurredAt',
    ]);
  });

  it.each(INVALID_CASES)('refuses %s', (_name, event, path) => {
    expect(pathsOf(event)).toContain(path);
  });

  it('near misses of the odd-input rules pass: a day of clock skew ahead, 1970 itself, a retention of exactly 100 years', () => {
    const now = new Date('2026-11-29T12:00:00Z');
    expect(validateEvent(anEvent('DataUsed', { occurredAt: '2026-11-30T11:59:00Z' }), { now }).ok).toBe(true);
    expect(validateEvent(anEvent('DataUsed', { occurredAt: '2026-11-30T12:01:00Z' }), { now }).ok).toBe(false);
    expect(validateEvent(anEvent('DataUsed', { occurredAt: '1970-01-01T00:00:00Z' })).ok).toBe(true);
    expect(validateEvent(anEvent('DataCollected', { data: { retention: 'P100Y' } })).ok).toBe(true);
  });

  it('refuses an unknown type, and still reports the envelope problems', () => {
    const errors = errorsOf({ type: 'DataSold', id: 5, actor: { kind: 'system', id: 'x' } });
    expect(errors[0]).toMatchObject({ path: 'type', message: expect.stringContaining('unknown event type "DataSold"') });
    expect(errors.map((e) => e.path)).toEqual(['type', 'id', 'occurredAt', 'data']);
  });

  it('refuses what is not an event object', () => {
    expect(errorsOf([1, 2])).toEqual([{ path: '(root)', message: 'expected an event object, got an array' }]);
    expect(errorsOf('DataCollected')).toEqual([{ path: '(root)', message: 'expected an event object, got a string' }]);
  });

  it('never echoes an identifier value in an error message', () => {
    const secret = 'not-an-email-but-secret';
    const errors = errorsOf(anEvent('DataUsed', { subject: { id: 'u-1', identifiers: [{ kind: 'email', value: secret }] } }));
    expect(JSON.stringify(errors)).not.toContain(secret);
  });

  it('a subject id is a pseudonymous key: an e-mail or a phone number, any spelling, is refused saying why, without echoing it', () => {
    for (const id of ['8613800001001', '+8613800001001', 'li@example.cn', '138.0013.8000']) {
      const errors = errorsOf(anEvent('DataUsed', { subject: { id } }));
      expect(errors.map((e) => e.path), id).toContain('subject.id');
      expect(errors[0]!.message).toMatch(/pseudonymous key, stored in clear, .*kept after erasure/);
      expect(JSON.stringify(errors)).not.toContain(id);
    }
    const named = errorsOf(anEvent('DataShared', { data: { recipient: { id: 'crm', name: 'li@example.cn', kind: 'processor', region: 'CN' } } }));
    expect(named).toEqual([{ path: 'data.recipient.name', message: expect.stringMatching(/never an e-mail or a phone number/) }]);
    // Ids that merely hold digits stay ids; an erasure or the ledger's own read record may still name a subject stored before the rule.
    for (const id of ['u-1001', 'r-399', 'order-2026112', '123456', 'bulk-499']) expect(validateEvent(anEvent('DataUsed', { subject: { id } })).ok, id).toBe(true);
    expect(validateEvent(anEvent('SubjectErased', { subject: { id: '8613800001001' } })).ok).toBe(true);
    expect(validateEvent(anEvent('DataShared', { data: { recipient: { id: 'psb-sh', name: 'Shanghai PSB, Branch 12', kind: 'authority', region: 'CN' } } })).ok).toBe(true);
  });
});

describe('generated artefacts', () => {
  it('the committed JSON Schemas and TAXONOMY.md match the zod schemas (run `npm run schemas`)', () => {
    for (const [path, content] of renderArtefacts()) {
      expect(readFileSync(join('schemas', path), 'utf8'), `schemas/${path} is stale`).toBe(content);
    }
  });

  it('every term of the taxonomy maps to DPV or cites the law that defines it', async () => {
    const { vocabularies } = await import('../../schemas/taxonomy.js');
    for (const vocabulary of Object.values(vocabularies)) {
      for (const [term, info] of Object.entries(vocabulary)) {
        expect(info.dpv !== null || 'law' in info, term).toBe(true);
      }
    }
  });
});
