/**
 * The compliance report: every rule's verdicts with evidence, and the sections a DPO or an
 * auditor reads next to them. Built from the read models "as of" a moment, and stamped with the
 * ledger head it was computed at, so anyone can later prove the evidence unchanged.
 *
 * A period is a question about the period (README): each section holds what overlapped it, as seen
 * at `asOf` — a violation whose breach overlaps it (one that began before and is still open
 * included), an act made in it, a request, incident clock or shutdown running in it.
 */
import type { ReadSource } from '../projection-context.js';
import { addDuration } from '../../schemas/duration.js';
import { storedViolations } from './violations.js';
import { incidentClocks, retentionSchedule, timeViolations } from './time-rules.js';
import { readShutdownProgress } from '../shutdowns/shutdown-progress.js';
import { daysUntil, readRequestSchedule } from '../subject-requests/subject-requests.js';
import { shownDisclosure, withDisclosures } from '../legal-requests/legal-requests.js';
import { RULE_IDS, type Violation } from './violation.js';
import { policyAt } from '../policies/policy-in-force.js';
import { processingDrift } from './drift.js';
import { promises } from './promises.js';
import { ReadModels } from '../queries.js';
import { readEventTimes } from '../event-index/event-index.js';
import { recordedLate, recordedLateViolations } from './recorded-late.js';
import type { Head } from '../../services/store/port.js';
import { erasureReach } from '../deletion-orders/erasure-reach.js';

export interface ReportWindow {
  /** The moment the world is judged at, by when things happened (occurredAt). */
  readonly asOf: string;
  /** The period asked about (instants: schemas/report-period.ts reads what a person gives); a null end is open. */
  readonly from?: string | null;
  readonly to?: string | null;
  /**
   * Only what the ledger had recorded by then (recordedAt) is judged: the read models given are
   * those of the log up to that moment (services/projector/known-at.ts). Null: everything recorded.
   */
  readonly knownAt?: string | null;
}

const DUE_SOON = 'P30D';

/**
 * Whether what ran from `start` to `end` (null: still running at asOf) overlaps the window's period, as
 * seen at asOf: it had begun by then and by the period's end, and had not ended before the period began.
 */
export function overlapsPeriod(window: ReportWindow, start: string, end: string | null): boolean {
  return start <= window.asOf && (!window.to || start <= window.to) && (!window.from || end === null || end >= window.from);
}

const inPeriod = (window: ReportWindow, at: string) => overlapsPeriod(window, at, at);

/** Every violation there is as of `asOf`, whenever its breach ran. */
function allViolationsAsOf(db: ReadSource, asOf: string): Violation[] {
  return [...storedViolations(db), ...timeViolations(db, asOf), ...recordedLateViolations(db, asOf)]
    .filter((violation) => violation.occurredAt <= asOf)
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.rule.localeCompare(b.rule) || (a.subjectId ?? '').localeCompare(b.subjectId ?? ''));
}

/** The violations whose breach overlaps the window's period, as of its `asOf`. */
export function violationsAsOf(db: ReadSource, window: ReportWindow): Violation[] {
  return inWindow(window, allViolationsAsOf(db, window.asOf));
}

const inWindow = (window: ReportWindow, all: readonly Violation[]) => all.filter((violation) => overlapsPeriod(window, violation.occurredAt, violation.breachEnd));

/** The latest of some times; null when any is still to come. */
function settled(times: readonly (string | null)[]): string | null {
  let latest = '';
  for (const time of times) {
    if (time === null) return null;
    if (time > latest) latest = time;
  }
  return latest;
}

export function buildComplianceReport(db: ReadSource, head: Head & { readModelsPosition: number }, window: ReportWindow) {
  const readModels = new ReadModels(db);
  const { asOf } = window;
  const from = window.from ?? null;
  const all = allViolationsAsOf(db, asOf);
  const violations = inWindow(window, all);
  // Both clocks of every piece of evidence: when it happened, and when the ledger recorded it.
  const times = readEventTimes(db, violations.flatMap((v) => v.eventIds));
  const withTimes = (violation: Violation) => {
    const evidence = violation.eventIds.flatMap((id) => {
      const t = times.get(id);
      return t ? [{ eventId: id, type: t.type, occurredAt: t.occurredAt, recordedAt: t.recordedAt }] : [];
    });
    const recordedAt = evidence.reduce<string | null>((latest, e) => (latest === null || e.recordedAt > latest ? e.recordedAt : latest), null);
    return { ...violation, recordedAt, evidence, ongoing: violation.breachEnd === null, beganBeforePeriod: from !== null && violation.occurredAt < from };
  };
  const promise = promises(db);
  const policy = policyAt(db, asOf);
  // A transfer's consent is judged by its own verdict, whatever period the report is about.
  const violatingEvents = new Map(all.flatMap((v) => (v.rule === 'cross-border-without-consent' ? [[v.eventIds[0]!, v.message]] : [])));
  const disclosures = readModels.disclosures().filter((d) => inPeriod(window, d.occurredAt));
  // Requests received in the period, and those something was disclosed under in it (with those disclosures).
  const legalRequests = withDisclosures(readModels.legalRequests().filter((r) => r.receivedAt !== null && r.receivedAt <= asOf), disclosures).filter((request) => inPeriod(window, request.receivedAt!) || request.disclosures.length > 0);
  const byAuthority = new Map<string, { authority: string; instrument: string; requests: number; disclosures: number }>();
  for (const request of legalRequests) {
    const key = `${request.authority}|${request.instrument}`;
    const row = byAuthority.get(key) ?? { authority: request.authority ?? '?', instrument: request.instrument ?? '?', requests: 0, disclosures: 0 };
    row.requests += 1;
    row.disclosures += request.disclosures.length;
    byAuthority.set(key, row);
  }
  const soon = addDuration(asOf, DUE_SOON);
  const held = retentionSchedule(db, asOf).filter((entry) => entry.to === null || entry.to > asOf);
  // Declared vs actual by the policy in force at the period's end, and what had been seen by then.
  const periodEnd = window.to && window.to < asOf ? window.to : asOf;
  const daysBetween = (a: string, b: string) => Math.floor((Date.parse(b) - Date.parse(a)) / 86_400_000);

  return {
    asOf, from: window.from ?? null, to: window.to ?? null, knownAt: window.knownAt ?? null,
    ledgerHead: head,
    policy: { version: policy.version, title: policy.document.title ?? null, eventId: policy.eventId },
    summary: RULE_IDS.map((rule) => ({ rule, violations: violations.filter((v) => v.rule === rule).length })),
    violations: violations.map((violation) => ({ ...withTimes(violation), promise: promise(violation.rule, violation.policyVersion) })),
    recordedLate: recordedLate(db, asOf).filter((late) => inPeriod(window, late.recordedAt)),
    transparency: {
      byAuthority: [...byAuthority.values()],
      legalRequests,
      disclosuresWithoutRequest: disclosures.filter((d) => d.legalRequestId === null).map(shownDisclosure),
    },
    transfers: readModels.transfers().filter((t) => inPeriod(window, t.occurredAt)).map((transfer) => ({
      ...transfer,
      consentStatus: violatingEvents.has(transfer.eventId) ? 'not-valid' : 'valid',
      consentProblem: violatingEvents.get(transfer.eventId) ?? null,
    })),
    retention: {
      // Still held at asOf and already overdue in the period; what was deleted late is among the violations.
      overdue: held.filter((entry) => entry.due < asOf && overlapsPeriod(window, entry.due, null)).map((entry) => ({ ...entry, days: daysBetween(entry.due, asOf) })),
      // Looks ahead from asOf, whatever the period.
      dueSoon: held.filter((entry) => entry.due >= asOf && entry.due <= soon).map((entry) => ({ ...entry, days: daysBetween(asOf, entry.due) })),
    },
    // Still open at asOf, and open in the period.
    openRequests: readRequestSchedule(db, asOf).filter((r) => (r.completedAt === null || r.completedAt > asOf) && overlapsPeriod(window, r.receivedAt!, null))
      .map((r) => ({ ...r, daysLeft: daysUntil(r.deadline, asOf) })),
    drift: processingDrift(db, periodEnd),
    // A clock runs from the opening until the authority and every person affected have been told.
    incidents: incidentClocks(db, asOf).filter((clock) => overlapsPeriod(window, clock.openedAt,
      settled([clock.authority?.at ?? null, ...[...clock.subjects.values()].map((r) => r?.at ?? null)]))).map((clock) => ({
      incidentId: clock.incidentId, openedAt: clock.openedAt, deadline: clock.deadline, policyVersion: clock.policyVersion, affected: clock.affected.length,
      authorityReportedAt: clock.authority?.at ?? null,
      subjectsReported: [...clock.subjects.values()].filter((r) => r !== null && r.at <= clock.deadline).length,
      subjectsReportedLate: [...clock.subjects.values()].filter((r) => r !== null && r.at > clock.deadline).length,
    })),
    // From its announcement until the data of every subject it ends is gone.
    shutdowns: readShutdownProgress(db, asOf).filter((shutdown) => overlapsPeriod(window, shutdown.announcedAt,
      settled([shutdown.effectiveAt, ...shutdown.subjects.map((s) => s.deletedAt)]))).map((shutdown) => ({
      ...shutdown,
      subjectCount: shutdown.subjects.length,
      notified: shutdown.subjects.filter((s) => s.notifiedBy !== null).length,
      deleted: shutdown.subjects.filter((s) => s.deletedAt !== null).length,
      stillHeld: shutdown.subjects.filter((s) => s.deletedAt === null).length,
    })),
    // Per cause of an erasure, from the cause until every target it ordered has confirmed.
    erasureReach: erasureReach(db, asOf).filter((entry) => overlapsPeriod(window, entry.causedAt, entry.settledAt)),
  };
}

export type ComplianceReportData = ReturnType<typeof buildComplianceReport>;
