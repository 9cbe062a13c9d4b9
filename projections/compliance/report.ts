/**
 * The compliance report: every rule's verdicts with evidence, and the sections a DPO or an
 * auditor reads next to them. Built from the read models "as of" a moment, and stamped with the
 * ledger head it was computed at, so anyone can later prove the evidence unchanged.
 */
import type Database from 'better-sqlite3';
import { addDuration } from '../../schemas/duration.js';
import { storedViolations } from './violations.js';
import { incidentClocks, requestSchedule, retentionSchedule, shutdownProgress, timeViolations } from './time-rules.js';
import { RULE_IDS, type Violation } from './violation.js';
import { policyAt } from './policy-in-force.js';
import { processingDrift } from './drift.js';
import { promises } from './promises.js';
import { ReadModels } from '../queries.js';
import { readEventTimes } from '../event-index/event-index.js';
import { recordedLate, recordedLateViolations } from './recorded-late.js';
import type { Head } from '../../services/store/port.js';

export interface ReportWindow {
  /** The moment the world is judged at, by when things happened (occurredAt). */
  readonly asOf: string;
  readonly from?: string | null;
  readonly to?: string | null;
  /**
   * Only what the ledger had recorded by then (recordedAt) is judged: the read models given are
   * those of the log up to that moment (services/projector/known-at.ts). Null: everything recorded.
   */
  readonly knownAt?: string | null;
}

const DUE_SOON = 'P30D';

export function violationsAsOf(db: Database.Database, window: ReportWindow): Violation[] {
  const within = (at: string) => at <= window.asOf && (!window.from || at >= window.from) && (!window.to || at <= window.to);
  return [...storedViolations(db), ...timeViolations(db, window.asOf), ...recordedLateViolations(db, window.asOf)]
    .filter((violation) => within(violation.occurredAt))
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.rule.localeCompare(b.rule) || (a.subjectId ?? '').localeCompare(b.subjectId ?? ''));
}

export function buildComplianceReport(db: Database.Database, head: Head & { readModelsPosition: number }, window: ReportWindow) {
  const readModels = new ReadModels(db);
  const { asOf } = window;
  const violations = violationsAsOf(db, window);
  // Both clocks of every piece of evidence: when it happened, and when the ledger recorded it.
  const times = readEventTimes(db, violations.flatMap((v) => v.eventIds));
  const withTimes = (violation: Violation) => {
    const evidence = violation.eventIds.flatMap((id) => {
      const t = times.get(id);
      return t ? [{ eventId: id, type: t.type, occurredAt: t.occurredAt, recordedAt: t.recordedAt }] : [];
    });
    const recordedAt = evidence.reduce<string | null>((latest, e) => (latest === null || e.recordedAt > latest ? e.recordedAt : latest), null);
    return { ...violation, recordedAt, evidence };
  };
  const promise = promises(db);
  const policy = policyAt(db, asOf);
  const violatingEvents = new Map(violations.flatMap((v) => (v.rule === 'cross-border-without-consent' ? [[v.eventIds[0]!, v.message]] : [])));
  const disclosures = readModels.disclosures().filter((d) => d.occurredAt <= asOf);
  const legalRequests = readModels.legalRequests().filter((r) => r.receivedAt !== null && r.receivedAt <= asOf).map((request) => ({
    ...request, disclosures: disclosures.filter((d) => d.legalRequestId === request.requestId).map((d) => ({ ...d, recipient: `${d.recipientName} [${d.recipientRegion}]` })),
  }));
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
  const daysBetween = (a: string, b: string) => Math.floor((Date.parse(b) - Date.parse(a)) / 86_400_000);

  return {
    asOf, from: window.from ?? null, to: window.to ?? null, knownAt: window.knownAt ?? null,
    ledgerHead: head,
    policy: { version: policy.version, title: policy.document.title ?? null, eventId: policy.eventId },
    summary: RULE_IDS.map((rule) => ({ rule, violations: violations.filter((v) => v.rule === rule).length })),
    violations: violations.map((violation) => ({ ...withTimes(violation), promise: promise(violation.rule, violation.policyVersion) })),
    recordedLate: recordedLate(db, asOf),
    transparency: {
      byAuthority: [...byAuthority.values()],
      legalRequests,
      disclosuresWithoutRequest: disclosures.filter((d) => d.legalRequestId === null).map((d) => ({ ...d, recipient: `${d.recipientName} [${d.recipientRegion}]` })),
    },
    transfers: readModels.transfers().filter((t) => t.occurredAt <= asOf).map((transfer) => ({
      ...transfer,
      consentStatus: violatingEvents.has(transfer.eventId) ? 'not-valid' : 'valid',
      consentProblem: violatingEvents.get(transfer.eventId) ?? null,
    })),
    retention: {
      overdue: held.filter((entry) => entry.due < asOf).map((entry) => ({ ...entry, days: daysBetween(entry.due, asOf) })),
      dueSoon: held.filter((entry) => entry.due >= asOf && entry.due <= soon).map((entry) => ({ ...entry, days: daysBetween(asOf, entry.due) })),
    },
    openRequests: requestSchedule(db, asOf).filter((r) => r.completedAt === null || r.completedAt > asOf)
      .map((r) => ({ ...r, daysLeft: daysBetween(asOf, r.deadline) })),
    drift: processingDrift(db, asOf),
    incidents: incidentClocks(db, asOf).map((clock) => ({
      incidentId: clock.incidentId, openedAt: clock.openedAt, deadline: clock.deadline, policyVersion: clock.policyVersion, affected: clock.affected.length,
      authorityReportedAt: clock.authority?.at ?? null,
      subjectsReported: [...clock.subjects.values()].filter((r) => r !== null && r.at <= clock.deadline).length,
      subjectsReportedLate: [...clock.subjects.values()].filter((r) => r !== null && r.at > clock.deadline).length,
    })),
    shutdowns: shutdownProgress(db, asOf).map((shutdown) => ({
      ...shutdown,
      subjectCount: shutdown.subjects.length,
      notified: shutdown.subjects.filter((s) => s.notifiedBy !== null).length,
      deleted: shutdown.subjects.filter((s) => s.deletedAt !== null).length,
      stillHeld: shutdown.subjects.filter((s) => s.deletedAt === null).length,
    })),
  };
}

export type ComplianceReportData = ReturnType<typeof buildComplianceReport>;
