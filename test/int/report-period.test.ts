/**
 * A period is a question about the period (issue 26, finding 2), on a real ledger: every violation
 * whose breach overlaps the period counts — one that began before and is still open included, and
 * marked so — and every section of the report holds what happened or ran in the period, as seen at
 * asOf. Before, a period kept only what *began* in it: December's report said 0 violations next to a
 * request 137 days overdue, and a transfer outside the period showed its consent "valid".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComplianceReport } from '../../projections/compliance/report.js';
import { reportTimes, type ReportQuestion } from '../../schemas/report-period.js';
import { anEvent } from '../fixtures/events.js';
import { tempLedger } from '../fixtures/temp-ledger.js';

const S = { id: 'u-period' };
const webLog = { system: 'web-log', kind: 'server-log', region: 'CN' };

const events = {
  // Held in the web log (an incident's systems) for three years: no retention verdict of its own.
  logged: anEvent('DataCollected', { subject: S, occurredAt: '2026-01-10T00:00:00Z', data: { storage: webLog, retention: 'P3Y' } }),
  // Kept 30 days, never deleted: retention overdue from 31 January on.
  keptTooLong: anEvent('DataCollected', { subject: S, occurredAt: '2026-01-01T00:00:00Z', data: { retention: 'P30D' } }),
  // Deadline 20 July, never answered: overdue and still open.
  openRequest: anEvent('SubjectRequestReceived', { subject: S, occurredAt: '2026-07-05T09:00:00Z', data: { requestId: 'r-open', kind: 'access' } }),
  // Deadline 16 July, answered 10 August: a breach from 16 July to 10 August.
  lateRequest: anEvent('SubjectRequestReceived', { subject: S, occurredAt: '2026-07-01T00:00:00Z', data: { requestId: 'r-late', kind: 'access' } }),
  lateAnswer: anEvent('SubjectRequestCompleted', { subject: S, occurredAt: '2026-08-10T00:00:00Z', data: { requestId: 'r-late' } }),
  // Abroad with no consent behind it (c-2 was never given).
  toSingapore: anEvent('DataTransferredAbroad', { subject: S, occurredAt: '2026-04-12T09:00:00Z', data: {
    categories: ['behavior.click'], recipient: { id: 'insights-sg', name: 'Insights Pte', kind: 'processor', region: 'SG' }, toRegion: 'SG' } }),
  subpoena: anEvent('LegalRequestReceived', { occurredAt: '2026-03-20T00:00:00Z', data: { requestId: 'lr-1' } }),
  disclosedUnderIt: anEvent('DataShared', { subject: S, occurredAt: '2026-04-03T10:00:00Z', data: { legalRequestId: 'lr-1' } }),
  disclosedWithout: anEvent('DataShared', { subject: S, occurredAt: '2026-05-05T10:00:00Z', data: { legalRequestId: undefined } }),
  // Told the people in two days, the authority in four: the clock runs 16 to 20 April.
  incident: anEvent('IncidentOpened', { occurredAt: '2026-04-16T08:00:00Z', data: { incidentId: 'inc-april', window: { from: '2026-01-15T00:00:00Z', to: '2026-04-15T00:00:00Z' } } }),
  toldPeople: anEvent('IncidentReported', { occurredAt: '2026-04-18T10:00:00Z', data: { incidentId: 'inc-april', audience: 'subjects', channel: 'email' } }),
  toldAuthority: anEvent('IncidentReported', { occurredAt: '2026-04-20T16:00:00Z', data: { incidentId: 'inc-april', audience: 'authority' } }),
  // Never reported: its clock still runs.
  silentIncident: anEvent('IncidentOpened', { occurredAt: '2026-10-01T00:00:00Z', data: { incidentId: 'inc-october', window: { from: '2026-09-20T00:00:00Z', to: '2026-09-30T00:00:00Z' } } }),
  // A purpose the policy never declares, first seen in November.
  analytics: anEvent('DataUsed', { subject: S, occurredAt: '2026-11-10T00:00:00Z', data: { categories: ['behavior.click'], purpose: 'analytics', system: 'bi-warehouse' } }),
};

let ledger: Awaited<ReturnType<typeof tempLedger>>;
beforeAll(async () => {
  ledger = await tempLedger();
  const result = await ledger.ledger.record(Object.values(events));
  expect(result.rejected).toEqual([]);
  await ledger.readModelsClock.reach(result.position!);
});
afterAll(async () => {
  await ledger.close();
});

/** The report for a question as a person asks it: times read by the one rule every entry path uses. */
async function report(question: ReportQuestion) {
  const head = { ...(await ledger.store.head()), readModelsPosition: 0 };
  return buildComplianceReport(ledger.readModelsDb, head, reportTimes({ asOf: '2026-12-31', ...question }, new Date()));
}

const DECEMBER = { from: '2026-12-01', to: '2026-12-31' };
const request = (id: string) => (v: { rule: string; message: string }) => v.rule === 'request-overdue' && v.message.includes(`"${id}"`);

describe('violations: a breach that overlaps the period counts', () => {
  it('December counts the request overdue since July and still open, marked ongoing and begun before the period', async () => {
    const december = await report(DECEMBER);
    const open = december.violations.find(request('r-open'));
    expect(open).toMatchObject({ occurredAt: '2026-07-20T09:00:00.000Z', breachEnd: null, ongoing: true, beganBeforePeriod: true });
    expect(december.summary.find((s) => s.rule === 'request-overdue')?.violations).toBe(1);
  });

  it('a breach that ended before the period is not in it; in the period it ran through, it is, with its end', async () => {
    expect((await report(DECEMBER)).violations.find(request('r-late'))).toBeUndefined();
    const august = await report({ from: '2026-08-01', to: '2026-08-31' });
    expect(august.violations.find(request('r-late'))).toMatchObject({ occurredAt: '2026-07-16T00:00:00.000Z', breachEnd: '2026-08-10T00:00:00.000Z', ongoing: false, beganBeforePeriod: true });
    expect(august.violations.find(request('r-open'))).toMatchObject({ ongoing: true });
    const june = await report({ from: '2026-06-01', to: '2026-06-30' });
    expect(june.violations.filter((v) => v.rule === 'request-overdue')).toEqual([]);
  });

  it('an act is in the period it happened in, and nowhere else', async () => {
    const transferVerdict = (r: Awaited<ReturnType<typeof report>>) => r.violations.filter((v) => v.rule === 'cross-border-without-consent').map((v) => [v.eventIds[0], v.breachEnd, v.ongoing]);
    expect(transferVerdict(await report({ from: '2026-04-12', to: '2026-04-12' }))).toEqual([[events.toSingapore.id, '2026-04-12T09:00:00.000Z', false]]);
    expect(transferVerdict(await report({ from: '2026-04-13', to: '2026-12-31' }))).toEqual([]);
  });
});

describe('every section honours the same period', () => {
  it('a transfer\'s consent status is the same with and without a period; the register lists the transfers made in the period', async () => {
    const whole = await report({});
    const status = new Map(whole.transfers.map((t) => [t.eventId, t.consentStatus]));
    expect(status.get(events.toSingapore.id)).toBe('not-valid');
    for (const period of [DECEMBER, { from: '2026-04-01', to: '2026-04-30' }, { from: '2026-01-01', to: '2026-12-31' }]) {
      const r = await report(period);
      for (const transfer of r.transfers) expect(transfer.consentStatus, `${period.from}: ${transfer.eventId}`).toBe(status.get(transfer.eventId));
    }
    expect((await report({ from: '2026-04-01', to: '2026-04-30' })).transfers.map((t) => [t.eventId, t.consentStatus])).toEqual([[events.toSingapore.id, 'not-valid']]);
    expect((await report(DECEMBER)).transfers).toEqual([]);
  });

  it('legal requests and disclosures: those of the period only', async () => {
    const april = await report({ from: '2026-04-01', to: '2026-04-30' });
    expect(april.transparency.legalRequests.map((r) => [r.requestId, r.disclosures.map((d) => d.eventId)])).toEqual([['lr-1', [events.disclosedUnderIt.id]]]);
    expect(april.transparency.byAuthority).toEqual([{ authority: 'Shanghai PSB', instrument: 'subpoena', requests: 1, disclosures: 1 }]);
    expect(april.transparency.disclosuresWithoutRequest).toEqual([]);
    const may = await report({ from: '2026-05-01', to: '2026-05-31' });
    expect(may.transparency.legalRequests).toEqual([]);
    expect(may.transparency.disclosuresWithoutRequest.map((d) => d.eventId)).toEqual([events.disclosedWithout.id]);
    const march = await report({ from: '2026-03-01', to: '2026-03-31' });
    expect(march.transparency.legalRequests.map((r) => [r.requestId, r.disclosures.length])).toEqual([['lr-1', 0]]);
  });

  it('incident clocks: from the opening until everyone was told; one never reported runs on', async () => {
    const ids = async (question: ReportQuestion) => (await report(question)).incidents.map((i) => i.incidentId);
    expect(await ids({ from: '2026-04-01', to: '2026-04-30' })).toEqual(['inc-april']);
    expect(await ids({ from: '2026-04-21', to: '2026-09-30' })).toEqual([]);
    expect(await ids(DECEMBER)).toEqual(['inc-october']);
    expect(await ids({})).toEqual(['inc-april', 'inc-october']);
  });

  it('open requests and retention held past due: still so at asOf, and so in the period', async () => {
    const june = await report({ from: '2026-06-01', to: '2026-06-30' });
    expect(june.openRequests).toEqual([]);
    expect((await report(DECEMBER)).openRequests.map((r) => r.requestId)).toEqual(['r-open']);
    const early = await report({ from: '2026-01-01', to: '2026-01-15' });
    expect(early.retention.overdue).toEqual([]);
    expect((await report(DECEMBER)).retention.overdue.map((e) => [e.collectedBy, e.due])).toEqual([[events.keptTooLong.id, '2026-01-31T00:00:00.000Z']]);
  });

  it('declared vs actual: by the period\'s end, not by asOf', async () => {
    const undeclaredPurposes = (r: Awaited<ReturnType<typeof report>>) => r.drift.undeclared.filter((d) => d.dimension === 'purpose').map((d) => d.value);
    expect(undeclaredPurposes(await report({ from: '2026-10-01', to: '2026-10-31' }))).not.toContain('analytics');
    expect(undeclaredPurposes(await report({ from: '2026-10-01', to: '2026-11-30' }))).toContain('analytics');
  });
});
