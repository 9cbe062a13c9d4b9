/** The forensic timeline's index: every event by subject, type, actor, time, category and system, with both clocks. */
import { describe, expect, it } from 'vitest';
import { countEvents, eventIndex, eventTags, readCitedEvents, readEventPosition, readEventPositions, readEventTimes } from '../../../projections/event-index/event-index.js';
import { anEvent } from '../../fixtures/events.js';
import { projectionSpecification } from '../../fixtures/projection-specification.js';

const S = { id: 'u-1' };
const events = [
  anEvent('DataCollected', { subject: S, occurredAt: '2026-02-01T00:00:00Z' }), // 1: contact.email in user-db
  anEvent('DataUsed', { subject: S, occurredAt: '2026-02-02T00:00:00Z', actor: { kind: 'system', id: 'risk-engine' } }), // 2: contact.phone by risk-engine
  anEvent('DataUsed', { subject: { id: 'u-2' }, occurredAt: '2026-02-03T00:00:00Z' }), // 3
  anEvent('IncidentOpened', { occurredAt: '2026-02-04T00:00:00Z' }), // 4: system web-log, no subject
  anEvent('DataDeleted', { subject: S, occurredAt: '2026-02-05T00:00:00Z', data: { categories: 'all', systems: undefined } }), // 5: every category
];
const spec = projectionSpecification(eventIndex, eventTags).given(events.slice(0, 3)).when(events.slice(3), { recordedAt: '2026-03-01T00:00:00.000Z' });

describe('event index', () => {
  it('filters by subject, type, actor, time, category ("all" matches every category) and system, after a position, in order', () => {
    spec.then(({ db }) => {
      const positions = (filter: Parameters<typeof readEventPositions>[1], after = 0, limit = 10) => readEventPositions(db, filter, after, limit);
      expect(positions({})).toEqual([1, 2, 3, 4, 5]);
      expect(positions({ subjectId: 'u-1' })).toEqual([1, 2, 5]);
      expect(positions({ type: 'DataUsed' })).toEqual([2, 3]);
      expect(positions({ actorId: 'risk-engine' })).toEqual([2]);
      expect(positions({ actorKind: 'system', from: '2026-02-02T00:00:00.000Z', to: '2026-02-04T00:00:00.000Z' })).toEqual([2, 3, 4]);
      // The same window written in another zone: compared as instants, not as text.
      expect(positions({ actorKind: 'system', from: '2026-02-02T08:00:00+08:00', to: '2026-02-03T19:00:00-05:00' })).toEqual([2, 3, 4]);
      expect(() => positions({ from: 'yesterday' })).toThrow(/from: expected an ISO 8601 date-time/);
      expect(positions({ category: 'contact.email' })).toEqual([1, 5]);
      expect(positions({ category: 'contact.phone', subjectId: 'u-1' })).toEqual([2, 5]);
      expect(positions({ system: 'web-log' })).toEqual([4]);
      expect(positions({ system: 'user-db' })).toEqual([1]);
      expect(positions({ subjectId: 'u-1' }, 1, 1)).toEqual([2]);
      expect(countEvents(db, { subjectId: 'u-1' })).toBe(3);
      expect(countEvents(db, { type: 'DataUsed', subjectId: 'u-2' })).toBe(1);
    });
  });

  it('holds both clocks: when an event happened and when the ledger recorded it; finds an event by id', () => {
    spec.then(({ db }) => {
      const times = readEventTimes(db, [events[0]!.id, events[3]!.id, 'no-such-id']);
      expect(times.size).toBe(2);
      expect(times.get(events[0]!.id)).toEqual({ eventId: events[0]!.id, type: 'DataCollected', position: 1, occurredAt: '2026-02-01T00:00:00.000Z', recordedAt: '2026-02-01T00:00:00.000Z' });
      expect(times.get(events[3]!.id)).toEqual({ eventId: events[3]!.id, type: 'IncidentOpened', position: 4, occurredAt: '2026-02-04T00:00:00.000Z', recordedAt: '2026-03-01T00:00:00.000Z' });
      expect(readEventPosition(db, events[4]!.id)).toBe(5);
      expect(readEventPosition(db, 'no-such-id')).toBeNull();
      expect(readCitedEvents(db, [events[4]!.id, events[3]!.id, events[4]!.id])).toEqual([
        { eventId: events[3]!.id, position: 4, type: 'IncidentOpened', occurredAt: '2026-02-04T00:00:00.000Z', subjectId: null },
        { eventId: events[4]!.id, position: 5, type: 'DataDeleted', occurredAt: '2026-02-05T00:00:00.000Z', subjectId: 'u-1' },
      ]);
    });
  });
});
