/**
 * The record of processing activities as it happened: per purpose, the categories, bases, systems,
 * recipients, transfers and retentions seen, and how many people; and each fact of processing with
 * the earliest event that showed it (the "actual" side of declared vs actual).
 */
import { describe, expect, it } from 'vitest';
import { observedProcessing, readObservations } from '../../../projections/processing-register/observed-processing.js';
import { processingRegister, purposeSubjects, readRegister } from '../../../projections/processing-register/processing-register.js';
import { anEvent, registration } from '../../fixtures/events.js';
import { projectionSpecification } from '../../fixtures/projection-specification.js';

describe('processing register', () => {
  it('per purpose, what was seen and how many subjects it touched; a consent alone is no processing', () => {
    const events = [
      registration('u-1', 'a@example.cn', '+8613800000001', '2026-02-01T00:00:00Z'),
      registration('u-2', 'b@example.cn', '+8613800000002', '2026-02-02T00:00:00Z'),
      anEvent('DataTransferredAbroad', { subject: { id: 'u-1' }, occurredAt: '2026-03-01T00:00:00Z', data: { purpose: 'account-registration' } }),
      anEvent('DataUsed', { subject: { id: 'u-1' }, occurredAt: '2026-01-15T00:00:00Z' }),
    ];
    projectionSpecification(processingRegister, purposeSubjects).given(events.slice(0, 2)).when([...events.slice(2), anEvent('ConsentGiven', { subject: { id: 'u-3' } })]).then(({ db }) => {
      expect(readRegister(db)).toEqual([
        {
          purpose: 'account-registration', subjectCount: 2, lastPosition: 3, categories: ['contact.email', 'contact.phone'], legalBases: ['contract'],
          sources: ['subject'], systems: ['user-db'], storageRegions: ['CN'], recipients: ['processor:CRM Inc [US]'], transferRegions: ['US'],
          retentions: ['P3Y'], firstSeenAt: '2026-02-01T00:00:00.000Z', lastSeenAt: '2026-03-01T00:00:00.000Z',
        },
        {
          purpose: 'service-security', subjectCount: 1, lastPosition: 4, categories: ['contact.phone'], legalBases: ['legitimate-interest'],
          sources: [], systems: ['risk-engine'], storageRegions: [], recipients: [], transferRegions: [], retentions: [],
          firstSeenAt: '2026-01-15T00:00:00.000Z', lastSeenAt: '2026-01-15T00:00:00.000Z',
        },
      ]);
    });
  });
});

describe('observed processing', () => {
  it('each fact once, with the earliest event that showed it — one recorded later but dated earlier takes its place', () => {
    const used = anEvent('DataUsed', { subject: { id: 'u-1' }, occurredAt: '2026-03-01T00:00:00Z', data: { purpose: 'analytics', system: 'bi' } });
    const sameLater = anEvent('DataUsed', { subject: { id: 'u-2' }, occurredAt: '2026-03-05T00:00:00Z', data: { purpose: 'analytics', system: 'bi' } });
    const backfilled = anEvent('DataUsed', { subject: { id: 'u-3' }, occurredAt: '2026-02-01T00:00:00Z', data: { purpose: 'analytics', system: 'bi', categories: ['contact.email'] } });
    const shared = anEvent('DataShared', { subject: { id: 'u-1' }, occurredAt: '2026-03-02T00:00:00Z', data: { purpose: 'analytics' } });
    projectionSpecification(observedProcessing).given([used, sameLater]).when([shared, backfilled]).then(({ db }) => {
      expect(readObservations(db).map((o) => [o.dimension, o.value, o.firstAt, o.firstEventId])).toEqual([
        ['category', 'contact.email', '2026-02-01T00:00:00.000Z', backfilled.id],
        ['category', 'contact.phone', '2026-03-01T00:00:00.000Z', used.id],
        ['recipientKind', 'authority', '2026-03-02T00:00:00.000Z', shared.id],
        ['region', 'CN', '2026-03-02T00:00:00.000Z', shared.id],
        ['system', 'bi', '2026-02-01T00:00:00.000Z', backfilled.id],
      ]);
      expect(new Set(readObservations(db).map((o) => o.purpose))).toEqual(new Set(['analytics']));
    });
  });

  it('within one batch, a later fact does not replace an earlier one, whatever the order', () => {
    const later = anEvent('DataUsed', { subject: { id: 'u-1' }, occurredAt: '2026-03-05T00:00:00Z', data: { system: 'bi' } });
    const earlier = anEvent('DataUsed', { subject: { id: 'u-2' }, occurredAt: '2026-03-01T00:00:00Z', data: { system: 'bi' } });
    const latest = anEvent('DataUsed', { subject: { id: 'u-3' }, occurredAt: '2026-03-09T00:00:00Z', data: { system: 'bi' } });
    projectionSpecification(observedProcessing).given([]).when([later, earlier, latest]).then(({ db }) => {
      expect(readObservations(db).find((o) => o.dimension === 'system')).toMatchObject({ value: 'bi', firstAt: '2026-03-01T00:00:00.000Z', firstEventId: earlier.id });
    });
  });
});
