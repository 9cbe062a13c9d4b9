import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, validateEvent, type FieldError } from '../../schemas/event.js';
import { renderArtefacts } from '../../schemas/render.js';
import { anEvent } from '../fixtures/events.js';

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

  it.each([
    ['DataCollected without a subject', anEvent('DataCollected', { subject: null }), 'subject'],
    ['a value for a category not collected', anEvent('DataCollected', { data: { values: { 'contact.phone': '+8613812345678' } } }), 'data.values["contact.phone"]'],
    ['a value for an unknown category', anEvent('DataCollected', { data: { values: { 'contact.fax': '1' } } }), 'data.values["contact.fax"]'],
    ['an invalid e-mail identifier', anEvent('DataUsed', { subject: { id: 'u-1', identifiers: [{ kind: 'email', value: 'nobody' }] } }), 'subject.identifiers[0].value'],
    ['an invalid phone identifier', anEvent('DataUsed', { subject: { id: 'u-1', identifiers: [{ kind: 'phone', value: '12' }] } }), 'subject.identifiers[0].value'],
    ['a subject id with an @', anEvent('DataUsed', { subject: { id: 'li@example.cn' } }), 'subject.id'],
    ['an unknown actor kind', anEvent('DataUsed', { actor: { kind: 'robot', id: 'x' } }), 'actor.kind'],
    ['a recipient that is a string', anEvent('DataShared', { data: { recipient: 'CRM Inc' } }), 'data.recipient'],
    ['an unknown recipient kind', anEvent('DataShared', { data: { recipient: { id: 'x', name: 'X', kind: 'friend', region: 'CN' } } }), 'data.recipient.kind'],
    ['a transfer that stays home', anEvent('DataTransferredAbroad', { data: { toRegion: 'CN' } }), 'data.toRegion'],
    ['an unknown transfer mechanism', anEvent('DataTransferredAbroad', { data: { mechanism: 'handshake' } }), 'data.mechanism'],
    ['a deletion of "some"', anEvent('DataDeleted', { data: { categories: 'some' } }), 'data.categories'],
    ['an unknown deletion method', anEvent('DataDeleted', { data: { method: 'shred' } }), 'data.method'],
    ['a consent without purposes', anEvent('ConsentGiven', { data: { purposes: [] } }), 'data.purposes'],
    ['a withdrawal of nothing', anEvent('ConsentWithdrawn', { data: { consentId: undefined } }), 'data'],
    ['an unknown request kind', anEvent('SubjectRequestReceived', { data: { kind: 'revenge' } }), 'data.kind'],
    ['an erasure without a reason', anEvent('SubjectErased', { data: { reason: undefined } }), 'data.reason'],
    ['an unknown notice channel', anEvent('SubjectNotified', { data: { channel: 'pigeon' } }), 'data.channel'],
    ['an unknown legal instrument', anEvent('LegalRequestReceived', { data: { instrument: 'phone-call' } }), 'data.instrument'],
    ['a deletion deadline before the shutdown', anEvent('ServiceShutdownAnnounced', { data: { deletionDeadline: '2026-01-01T00:00:00Z' } }), 'data.deletionDeadline'],
    ['an incident window that ends before it starts', anEvent('IncidentOpened', { data: { window: { from: '2026-04-15T00:00:00Z', to: '2026-04-10T00:00:00Z' } } }), 'data.window.to'],
    ['a policy without a document', anEvent('PolicyPublished', { data: { policy: undefined } }), 'data.policy'],
    // Inputs a producer would not mean (a zero value, a typo): refused by path rather than stored.
    ['the nil UUID as an event id', anEvent('DataUsed', { id: '00000000-0000-0000-0000-000000000000' }), 'id'],
    ['occurredAt in year 0000', anEvent('DataUsed', { occurredAt: '0000-01-01T00:00:00Z' }), 'occurredAt'],
    ['occurredAt before 1970', anEvent('DataUsed', { occurredAt: '1969-12-31T23:59:59Z' }), 'occurredAt'],
    ['occurredAt in year 2999', anEvent('DataUsed', { occurredAt: '2999-01-01T00:00:00Z' }), 'occurredAt'],
    ['an empty value', anEvent('DataCollected', { data: { values: { 'contact.email': '' } } }), 'data.values["contact.email"]'],
    ['a retention of P9999Y', anEvent('DataCollected', { data: { retention: 'P9999Y' } }), 'data.retention'],
    ['a rectification to an empty value', anEvent('DataRectified', { data: { values: { 'contact.email': '' } } }), 'data.values["contact.email"]'],
  ])('refuses %s', (_name, event, path) => {
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
