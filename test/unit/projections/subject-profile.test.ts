/**
 * What the ledger holds about a person, per data category (held, deleted, anonymized, erased; why,
 * where, until when) and per subject (seen when, erased when, what came after).
 */
import { describe, expect, it } from 'vitest';
import { subjectCategories } from '../../../projections/subject-profile/categories.js';
import { readSubjectsByPrefix, subjects } from '../../../projections/subject-profile/subjects.js';
import { anEvent, registration } from '../../fixtures/events.js';
import { keyedSpecification, projectionSpecification } from '../../fixtures/projection-specification.js';

const S = { id: 'u-1' };
const collected = (at: string, system: string, retention: string | undefined = 'P3Y') => anEvent('DataCollected', {
  subject: S, occurredAt: at, data: { storage: { system, kind: 'database', region: 'CN' }, retention },
});
const deleted = (at: string, systems: string[] | undefined, method = 'delete') => anEvent('DataDeleted', {
  subject: S, occurredAt: at, data: { categories: ['contact.email'], method, reason: 'retention-expired', systems },
});

describe('subject categories', () => {
  it('collected: held, with its source, purpose, storage and the end of its retention; the value points at the event that carries it', () => {
    const event = collected('2026-02-03T09:00:00Z', 'user-db');
    keyedSpecification(subjectCategories).given([]).when([event]).then(({ state }) => {
      expect(state('u-1', 'contact.email')).toEqual({
        lastPosition: 1, status: 'held', firstCollectedAt: '2026-02-03T09:00:00.000Z', lastCollectedAt: '2026-02-03T09:00:00.000Z', lastUsedAt: null,
        purposes: ['account-registration'], legalBases: ['contract'], sources: ['subject'], methods: ['registration'], usedBy: [],
        storage: [{ system: 'user-db', kind: 'database', region: 'CN' }], retention: 'P3Y', retainedUntil: '2029-02-03T09:00:00.000Z',
        deletedAt: null, rectifiedAt: null, collectedAfterErasure: false, valueEventId: event.id, valuePosition: 1, evidence: [event.id],
      });
    });
  });

  it('a later collection with a shorter retention does not cut short what is held; a use adds its system, purpose and basis', () => {
    keyedSpecification(subjectCategories)
      .given([collected('2026-02-03T09:00:00Z', 'user-db', 'P3Y')])
      .when([collected('2026-03-01T00:00:00Z', 'user-db', 'P1M'),
        anEvent('DataUsed', { subject: S, occurredAt: '2026-03-05T00:00:00Z', data: { categories: ['contact.email'], purpose: 'service-provision', legalBasis: 'contract', system: 'mailer' } })])
      .then(({ state }) => {
        expect(state('u-1', 'contact.email')).toMatchObject({
          retainedUntil: '2029-02-03T09:00:00.000Z', retention: 'P1M', lastCollectedAt: '2026-03-01T00:00:00.000Z',
          lastUsedAt: '2026-03-05T00:00:00.000Z', usedBy: ['mailer'], purposes: ['account-registration', 'service-provision'],
        });
      });
  });

  it('deleted from one of two systems: still held in the other; from that one too: deleted, and when', () => {
    const spec = keyedSpecification(subjectCategories).given([collected('2026-02-03T09:00:00Z', 'user-db'), collected('2026-02-04T09:00:00Z', 'backup')]);
    spec.when([deleted('2026-05-01T00:00:00Z', ['user-db'])]).then(({ state }) => {
      expect(state('u-1', 'contact.email')).toMatchObject({ status: 'held', deletedAt: null, storage: [{ system: 'backup', kind: 'database', region: 'CN' }] });
    });
    spec.when([deleted('2026-05-01T00:00:00Z', ['user-db']), deleted('2026-05-02T00:00:00Z', ['backup'], 'anonymize')]).then(({ state }) => {
      expect(state('u-1', 'contact.email')).toMatchObject({ status: 'anonymized', deletedAt: '2026-05-02T00:00:00.000Z', storage: [] });
    });
  });

  it('erased: every category of the subject, those of this batch too; collected again afterwards, held and marked as collected after erasure', () => {
    const erased = anEvent('SubjectErased', { subject: S, occurredAt: '2026-06-01T00:00:00Z' });
    keyedSpecification(subjectCategories)
      .given([collected('2026-02-03T09:00:00Z', 'user-db')])
      .when([anEvent('DataUsed', { subject: S, occurredAt: '2026-03-01T00:00:00Z' }), erased])
      .then(({ rows }) => {
        expect(rows.map(({ key, state }) => [key[1], state.status, state.deletedAt])).toEqual([
          ['contact.email', 'erased', '2026-06-01T00:00:00.000Z'], ['contact.phone', 'erased', '2026-06-01T00:00:00.000Z'],
        ]);
      });
    keyedSpecification(subjectCategories)
      .given([collected('2026-02-03T09:00:00Z', 'user-db'), erased])
      .when([collected('2026-07-01T00:00:00Z', 'user-db')])
      .then(({ state }) => expect(state('u-1', 'contact.email')).toMatchObject({ status: 'held', collectedAfterErasure: true, deletedAt: null }));
  });

  it('rectified: a held value now points at the correction; a value never collected gets no row, one deleted stays deleted', () => {
    const rectified = anEvent('DataRectified', { subject: S, occurredAt: '2026-04-01T00:00:00Z' });
    keyedSpecification(subjectCategories).given([collected('2026-02-03T09:00:00Z', 'user-db')]).when([rectified]).then(({ state }) => {
      expect(state('u-1', 'contact.email')).toMatchObject({ status: 'held', rectifiedAt: '2026-04-01T00:00:00.000Z', valueEventId: rectified.id, valuePosition: 2 });
    });
    keyedSpecification(subjectCategories).given([]).when([rectified]).then(({ rows }) => expect(rows).toEqual([]));
    const gone = collected('2026-02-03T09:00:00Z', 'user-db');
    keyedSpecification(subjectCategories).given([gone, deleted('2026-03-01T00:00:00Z', undefined)]).when([rectified]).then(({ state }) => {
      expect(state('u-1', 'contact.email')).toMatchObject({ status: 'deleted', rectifiedAt: null, valueEventId: gone.id });
    });
  });
});

describe('subjects', () => {
  it('first and last seen by when things happened, not by log order; an erasure, and what came after it', () => {
    const erased = anEvent('SubjectErased', { subject: S, occurredAt: '2026-06-01T00:00:00Z' });
    keyedSpecification(subjects)
      .given([collected('2026-02-03T09:00:00Z', 'user-db'), collected('2026-01-01T00:00:00Z', 'user-db')])
      .when([erased, anEvent('DataUsed', { subject: S, occurredAt: '2026-07-01T00:00:00Z' }), anEvent('LegalRequestReceived')])
      .then(({ rows, state }) => {
        expect(rows).toHaveLength(1);
        expect(state('u-1')).toEqual({
          lastPosition: 4, firstSeenAt: '2026-01-01T00:00:00.000Z', lastSeenAt: '2026-07-01T00:00:00.000Z', events: 4,
          erasedAt: '2026-06-01T00:00:00.000Z', erasureEventIds: [erased.id], eventsAfterErasure: 1,
        });
      });
  });

  it('found by id prefix, in id order, after a cursor', () => {
    const people = ['u-10', 'u-2', 'u-1', 'v-1', 'u-11'].map((id) => registration(id, `${id}@example.cn`, '+8613800001000'));
    projectionSpecification(subjects).given(people).when([]).then(({ db }) => {
      expect(readSubjectsByPrefix(db, 'u-1', '', 10).map((s) => s.subjectId)).toEqual(['u-1', 'u-10', 'u-11']);
      expect(readSubjectsByPrefix(db, 'u-', 'u-10', 2).map((s) => s.subjectId)).toEqual(['u-11', 'u-2']);
    });
  });
});
