/**
 * Incident forensics as the log stood at the time: who had data in the incident's systems during
 * its window (stored there at some moment of it, or used by those systems in it), what the close
 * restates, and who was told.
 */
import { describe, expect, it } from 'vitest';
import { incidents, readIncidentImpact, storageIntervals, systemUses } from '../../../projections/incidents/incidents.js';
import { anEvent } from '../../fixtures/events.js';
import { keyedSpecification, projectionSpecification } from '../../fixtures/projection-specification.js';

const inLog = (subject: string, at: string, system = 'web-log') => anEvent('DataCollected', {
  subject: { id: subject }, occurredAt: at,
  data: { categories: ['network.ip-address'], values: undefined, source: 'automatic', method: 'server-log', purposes: ['service-security'],
    legalBasis: 'legitimate-interest', storage: { system, kind: 'server-log', region: 'CN' }, retention: undefined },
});
const deleted = (subject: string, at: string) => anEvent('DataDeleted', {
  subject: { id: subject }, occurredAt: at, data: { categories: 'all', method: 'delete', reason: 'retention-expired', systems: ['web-log'] },
});
const window = { from: '2026-04-10T00:00:00Z', to: '2026-04-15T00:00:00Z' };

describe('incidentImpact', () => {
  it('returns exactly the subjects whose data was in the system during the window', () => {
    const events = [
      inLog('s-before', '2026-04-01T00:00:00Z'), deleted('s-before', '2026-04-05T00:00:00Z'),
      inLog('s-through', '2026-04-01T00:00:00Z'),
      inLog('s-deleted-inside', '2026-04-01T00:00:00Z'), deleted('s-deleted-inside', '2026-04-12T00:00:00Z'),
      inLog('s-deleted-at-start', '2026-04-01T00:00:00Z'), deleted('s-deleted-at-start', '2026-04-10T00:00:00Z'),
      inLog('s-collected-inside', '2026-04-14T23:59:59Z'),
      inLog('s-after', '2026-04-15T00:00:01Z'),
      inLog('s-other-system', '2026-04-11T00:00:00Z', 'user-db'),
      anEvent('DataUsed', { subject: { id: 's-used' }, occurredAt: '2026-04-11T00:00:00Z', data: { system: 'web-log', categories: ['behavior.click'] } }),
      anEvent('DataUsed', { subject: { id: 's-used-after' }, occurredAt: '2026-04-16T00:00:00Z', data: { system: 'web-log' } }),
    ];
    // Recorded after the incident: the answer must come from the log as it stood in the window.
    const after = [
      anEvent('IncidentOpened', { data: { incidentId: 'inc-x', systems: ['web-log'], window } }),
      deleted('s-through', '2026-05-01T00:00:00Z'),
    ];
    projectionSpecification(incidents, storageIntervals, systemUses).given(events).when(after).then(({ db }) => {
      const subjects = readIncidentImpact(db, incidents.read(db, ['inc-x'])!);
      expect(subjects.map((s) => s.subjectId)).toEqual(['s-collected-inside', 's-deleted-inside', 's-through', 's-used']);
      expect(subjects.length).toBe(4);
      expect(subjects.find((s) => s.subjectId === 's-used')).toMatchObject({ categories: ['behavior.click'], systems: ['web-log'] });
      expect(subjects.find((s) => s.subjectId === 's-through')!.evidence).toEqual([events[2]!.id]);
    });
  });

  it('data collected again after a deletion is a second interval: a window between the two finds nobody, one over the second finds it', () => {
    const first = inLog('s-1', '2026-04-01T00:00:00Z');
    const again = inLog('s-1', '2026-04-20T00:00:00Z');
    const open = (incidentId: string, from: string, to: string) => anEvent('IncidentOpened', { data: { incidentId, systems: ['web-log'], window: { from, to } } });
    projectionSpecification(incidents, storageIntervals, systemUses)
      .given([first, deleted('s-1', '2026-04-05T00:00:00Z'), again])
      .when([open('between', '2026-04-06T00:00:00Z', '2026-04-19T00:00:00Z'), open('over-second', '2026-04-21T00:00:00Z', '2026-04-22T00:00:00Z')])
      .then(({ db }) => {
        expect(readIncidentImpact(db, incidents.read(db, ['between'])!)).toEqual([]);
        expect(readIncidentImpact(db, incidents.read(db, ['over-second'])!)).toEqual([
          { subjectId: 's-1', categories: ['network.ip-address'], systems: ['web-log'], evidence: [again.id] },
        ]);
        expect(storageIntervals.read(db, ['s-1', 'web-log', 'network.ip-address'])!.intervals.map((i) => [i.from, i.to])).toEqual([
          ['2026-04-01T00:00:00.000Z', '2026-04-05T00:00:00.000Z'], ['2026-04-20T00:00:00.000Z', null],
        ]);
      });
  });

  it('an incident known only from a report (no opening: no window, no system) affects nobody yet', () => {
    projectionSpecification(incidents, storageIntervals, systemUses)
      .given([inLog('s-1', '2026-04-11T00:00:00Z')])
      .when([anEvent('IncidentReported', { data: { incidentId: 'reported-only', audience: 'authority' } })])
      .then(({ db }) => {
        const incident = incidents.read(db, ['reported-only'])!;
        expect(incident).toMatchObject({ window: null, systems: [], openedAt: null });
        expect(readIncidentImpact(db, incident)).toEqual([]);
      });
  });
});

describe('an incident', () => {
  it('a close restates the scope it names and keeps the rest; reports are kept by audience and person', () => {
    const opened = anEvent('IncidentOpened', { occurredAt: '2026-04-16T00:00:00Z', data: { incidentId: 'inc-1', systems: ['web-log'], window } });
    const closed = anEvent('IncidentClosed', { occurredAt: '2026-04-20T00:00:00Z', data: { incidentId: 'inc-1', systems: ['web-log', 'user-db'] } });
    const toAuthority = anEvent('IncidentReported', { occurredAt: '2026-04-17T00:00:00Z', data: { incidentId: 'inc-1', audience: 'authority' } });
    const toPerson = anEvent('IncidentReported', { subject: { id: 's-1' }, occurredAt: '2026-04-18T00:00:00Z', data: { incidentId: 'inc-1', audience: 'subjects', authority: undefined } });
    keyedSpecification(incidents).given([opened, toAuthority]).when([toPerson, closed]).then(({ state, rows }) => {
      expect(rows).toHaveLength(1);
      expect(state('inc-1')).toMatchObject({
        systems: ['user-db', 'web-log'], window: { from: '2026-04-10T00:00:00.000Z', to: '2026-04-15T00:00:00.000Z' }, description: 'log bucket exposed', openedAt: '2026-04-16T00:00:00.000Z', closedAt: '2026-04-20T00:00:00.000Z',
        evidence: [opened.id, closed.id],
        reports: [
          { audience: 'authority', at: '2026-04-17T00:00:00.000Z', subjectId: null, eventId: toAuthority.id },
          { audience: 'subjects', at: '2026-04-18T00:00:00.000Z', subjectId: 's-1', eventId: toPerson.id },
        ],
      });
    });
  });
});
