/**
 * Two clocks (README "Two clocks"): `asOf` judges the world by when things happened; `knownAt`
 * judges only what the ledger had recorded by then, so a report run at a moment is reproduced
 * exactly later. A back-dated answer — recorded after its deadline, dated within it — is listed as
 * recorded late with both times; history imported later raises nothing. On a real ledger whose
 * store clock (recordedAt) the test sets.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildComplianceReport, type ReportWindow } from '../../projections/compliance/report.js';
import { defaultPolicy } from '../../schemas/default-policy.js';
import { openLedger, type OpenedLedger } from '../../services/composition/open-ledger.js';
import { withReadModelsKnownAt } from '../../services/projector/known-at.js';
import { anEvent } from '../fixtures/events.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';

let opened: OpenedLedger | null = null;
afterEach(async () => {
  await opened?.close();
  opened = null;
});

/** A ledger whose store records events at `clock.now`. */
async function ledgerWithClock(clock: { now: string }) {
  opened = await openLedger({ db: join(makeTempDir('two-clocks'), 'ledger.db'), sqlite: { now: () => new Date(clock.now) } });
  const ledger = opened;
  return {
    async record(events: readonly unknown[]) {
      const result = await ledger.ledger.record(events);
      expect(result.rejected).toEqual([]);
      await ledger.readModelsClock.reach(result.position!);
    },
    /** The report on everything recorded, or — with knownAt — on the log replayed up to then. */
    async report(window: ReportWindow) {
      if (!window.knownAt) return buildComplianceReport(ledger.readModelsDb, { ...(await ledger.store.head()), readModelsPosition: 0 }, window);
      return withReadModelsKnownAt(ledger.store, window.knownAt, ({ db, head }) => buildComplianceReport(db, { ...head, readModelsPosition: head.position }, window));
    },
  };
}

const S = { id: 'u-clock' };
const received = anEvent('SubjectRequestReceived', { subject: S, occurredAt: '2026-03-01T09:00:00Z', data: { requestId: 'r-late', kind: 'access' } });
const backdated = anEvent('SubjectRequestCompleted', { subject: S, occurredAt: '2026-03-10T09:00:00Z', data: { requestId: 'r-late', outcome: 'fulfilled' } });
const heldInLog = anEvent('DataCollected', { subject: S, occurredAt: '2026-02-01T00:00:00Z', data: { storage: { system: 'web-log', kind: 'server-log', region: 'CN' } } });
const opening = anEvent('IncidentOpened', { occurredAt: '2026-03-02T00:00:00Z', data: { incidentId: 'inc-late', systems: ['web-log'], window: { from: '2026-02-20T00:00:00Z', to: '2026-03-01T00:00:00Z' }, description: 'bucket open' } });
const toldAuthority = anEvent('IncidentReported', { occurredAt: '2026-03-03T00:00:00Z', data: { incidentId: 'inc-late', audience: 'authority', authority: 'CAC Shanghai' } });
const toldSubject = anEvent('IncidentReported', { subject: S, occurredAt: '2026-03-03T00:00:00Z', data: { incidentId: 'inc-late', audience: 'subjects' } });

describe('back-dating is visible and reproducible', () => {
  it('a completion and an incident report recorded weeks late, dated in time: listed as recorded late; knownAt before shows the verdicts that were there', async () => {
    const clock = { now: '2026-03-02T12:00:00Z' };
    const g = await ledgerWithClock(clock);
    await g.record([heldInLog, received, opening]);
    clock.now = '2026-04-20T08:00:00Z';
    await g.record([backdated, toldAuthority, toldSubject]);

    const now = await g.report({ asOf: '2026-04-21T00:00:00.000Z' });
    expect(now.violations.filter((v) => v.rule === 'request-overdue' || v.rule === 'incident-notification-overdue')).toEqual([]);
    expect(now.recordedLate.map((l) => [l.kind, l.reference, l.subjectId, l.eventId, l.occurredAt, l.recordedAt, l.causeRecordedAt]).sort()).toEqual([
      ['incident-reported', 'inc-late', null, toldAuthority.id, '2026-03-03T00:00:00.000Z', '2026-04-20T08:00:00.000Z', '2026-03-02T12:00:00.000Z'],
      ['incident-reported', 'inc-late', 'u-clock', toldSubject.id, '2026-03-03T00:00:00.000Z', '2026-04-20T08:00:00.000Z', '2026-03-02T12:00:00.000Z'],
      ['request-answered', 'r-late', 'u-clock', backdated.id, '2026-03-10T09:00:00.000Z', '2026-04-20T08:00:00.000Z', '2026-03-02T12:00:00.000Z'],
    ]);
    expect(now.recordedLate.find((l) => l.kind === 'request-answered')).toMatchObject({ eventId: backdated.id, causeEventId: received.id, deadline: '2026-03-16T09:00:00.000Z' });

    // asOf alone, before the facts were recorded, still counts them (they happened then): the verdict vanished.
    const asOfOnly = await g.report({ asOf: '2026-04-01T00:00:00.000Z' });
    expect(asOfOnly.violations.filter((v) => v.rule === 'request-overdue')).toEqual([]);
    // knownAt: the report that could have been run on 1 April, reproduced: overdue, and the incident unreported.
    const then = await g.report({ asOf: '2026-04-01T00:00:00.000Z', knownAt: '2026-04-01T00:00:00.000Z' });
    expect(then.knownAt).toBe('2026-04-01T00:00:00.000Z');
    expect(then.ledgerHead.position).toBe(3);
    expect(then.violations.filter((v) => v.rule === 'request-overdue').map((v) => v.eventIds)).toEqual([[received.id]]);
    expect(then.violations.filter((v) => v.rule === 'incident-notification-overdue').map((v) => v.subjectId).sort()).toEqual([null, 'u-clock'].sort());
    // Each verdict with both clocks of its evidence.
    expect(then.violations.find((v) => v.rule === 'request-overdue')).toMatchObject({
      recordedAt: '2026-03-02T12:00:00.000Z',
      evidence: [{ eventId: received.id, type: 'SubjectRequestReceived', occurredAt: '2026-03-01T09:00:00.000Z', recordedAt: '2026-03-02T12:00:00.000Z' }],
    });
    expect(then.recordedLate).toEqual([]);
  });

  it('history imported later (every event recorded today, dated last year) raises no verdict and nothing recorded late', async () => {
    const clock = { now: '2026-11-30T10:00:00Z' };
    const g = await ledgerWithClock(clock);
    const oldReceived = { ...received, occurredAt: '2025-03-01T09:00:00Z' };
    const oldCompleted = { ...backdated, occurredAt: '2025-03-10T09:00:00Z' };
    await g.record([oldReceived, oldCompleted]);
    const report = await g.report({ asOf: '2026-12-01T00:00:00.000Z' });
    expect(report.violations.filter((v) => v.rule === 'request-overdue' || v.rule === 'recorded-late')).toEqual([]);
    expect(report.recordedLate).toEqual([]);
  });

  it('a policy that makes it a rule: recorded-late beyond its tolerance, as of when it was recorded', async () => {
    const clock = { now: '2026-01-01T00:00:00Z' };
    const g = await ledgerWithClock(clock);
    const policy = { ...structuredClone(defaultPolicy), lateRecording: { violation: true, tolerance: 'P7D', source: 'Answers are recorded when they are given.' } };
    await g.record([anEvent('PolicyPublished', { occurredAt: '2025-12-01T00:00:00Z', data: { version: 'late-1', policy } })]);
    clock.now = '2026-03-02T12:00:00Z';
    await g.record([received]);
    clock.now = '2026-03-20T00:00:00Z'; // 4 days after the deadline: within the tolerance
    const withinTolerance = anEvent('SubjectRequestCompleted', { subject: S, occurredAt: '2026-03-10T09:00:00Z', data: { requestId: 'r-late' } });
    await g.record([withinTolerance]);
    const report = await g.report({ asOf: '2026-04-01T00:00:00.000Z' });
    expect(report.recordedLate).toHaveLength(1);
    expect(report.violations.filter((v) => v.rule === 'recorded-late')).toEqual([]);

    const other = { ...received, id: crypto.randomUUID(), data: { requestId: 'r-later', kind: 'erasure' } };
    clock.now = '2026-03-02T13:00:00Z';
    await g.record([other]);
    clock.now = '2026-04-10T00:00:00Z'; // 25 days after its deadline
    const late = anEvent('SubjectRequestCompleted', { subject: S, occurredAt: '2026-03-12T00:00:00Z', data: { requestId: 'r-later' } });
    await g.record([late]);
    const judged = await g.report({ asOf: '2026-04-11T00:00:00.000Z' });
    const violations = judged.violations.filter((v) => v.rule === 'recorded-late');
    expect(violations.map((v) => [v.subjectId, v.eventIds, v.occurredAt, v.policyVersion])).toEqual([['u-clock', [late.id, other.id], '2026-04-10T00:00:00.000Z', 'late-1']]);
    expect(violations[0]!.promise).toBe('Answers are recorded when they are given.');
  });
});
