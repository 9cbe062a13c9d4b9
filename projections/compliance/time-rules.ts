/**
 * The rules that time breaks: retention-overdue, request-overdue, shutdown-notice-missing,
 * shutdown-deletion-overdue, incident-notification-overdue, and those of the deletion orders
 * (deletion-orders/order-rules.ts). Evaluated "as of" any moment from the read models (each
 * interval, request and notice carries its own times), so no cron job is needed and a past date
 * gives the verdicts of that day. Each is judged by the policy in force when its clock started.
 */
import type { ReadSource } from '../projection-context.js';
import { addDuration } from '../../schemas/duration.js';
import type { PolicyDocument } from '../../schemas/policy.js';
import { incidents, readStorageIntervals, type IncidentState } from '../incidents/incidents.js';
import { ReadModels } from '../queries.js';
import { policyAt } from '../policies/policy-in-force.js';
import { readShutdownProgress } from '../shutdowns/shutdown-progress.js';
import { readRequestSchedule } from '../subject-requests/subject-requests.js';
import { list, type Violation } from './violation.js';
import { deletionOrderOverdue, erasureCompletedWithOpenOrders } from '../deletion-orders/order-rules.js';

export function retentionPeriod(policy: PolicyDocument, category: string, purposes: readonly string[]): string {
  const rule = policy.retention.rules.find((r) => (r.category === undefined || r.category === category) && (r.purpose === undefined || purposes.includes(r.purpose)));
  return rule?.period ?? policy.retention.default;
}

export interface RetentionEntry { subjectId: string; system: string; categories: string[]; due: string; collectedBy: string; endedBy: string | null; to: string | null; policyVersion: string }

/** Each collection still held at `asOf` (or ended) with the moment its retention ran out. */
export function retentionSchedule(db: ReadSource, asOf: string): RetentionEntry[] {
  const byCollection = new Map<string, RetentionEntry>();
  for (const { subjectId, system, category, interval } of readStorageIntervals(db)) {
    if (interval.from > asOf) continue;
    const policy = policyAt(db, interval.from);
    const due = addDuration(interval.from, interval.retention ?? retentionPeriod(policy.document, category, interval.purposes));
    const key = `${interval.collectedBy}|${system}|${interval.to ?? ''}`;
    const entry = byCollection.get(key);
    if (entry) {
      entry.categories.push(category);
      if (due < entry.due) entry.due = due;
    } else {
      byCollection.set(key, { subjectId, system, categories: [category], due, collectedBy: interval.collectedBy, endedBy: interval.endedBy, to: interval.to, policyVersion: policy.version });
    }
  }
  return [...byCollection.values()];
}

export function retentionOverdue(db: ReadSource, asOf: string): Violation[] {
  return retentionSchedule(db, asOf).flatMap((entry): Violation[] => {
    if (entry.due >= asOf) return [];
    const heldAt = entry.to === null || entry.to > asOf;
    if (!heldAt && entry.to! <= entry.due) return [];
    const days = Math.floor((Date.parse(heldAt ? asOf : entry.to!) - Date.parse(entry.due)) / 86_400_000);
    return [{
      rule: 'retention-overdue', subjectId: entry.subjectId, eventIds: [entry.collectedBy, ...(heldAt || !entry.endedBy ? [] : [entry.endedBy])],
      occurredAt: entry.due, breachEnd: heldAt ? null : entry.to, detectedAt: entry.due, policyVersion: entry.policyVersion,
      message: heldAt
        ? `${list(entry.categories.sort())} in ${entry.system} held ${days} days past its retention period (due ${entry.due}), not deleted.`
        : `${list(entry.categories.sort())} in ${entry.system} deleted ${days} days after its retention period ran out (due ${entry.due}).`,
    }];
  });
}

export function requestOverdue(db: ReadSource, asOf: string): Violation[] {
  return readRequestSchedule(db, asOf).flatMap((request): Violation[] => {
    const completed = request.completedAt !== null && request.completedAt <= asOf ? request.completedAt : null;
    if (request.deadline >= asOf || (completed !== null && completed <= request.deadline)) return [];
    return [{
      rule: 'request-overdue', subjectId: request.subjectId, eventIds: request.evidence, occurredAt: request.deadline, breachEnd: completed, detectedAt: request.deadline,
      policyVersion: request.policyVersion,
      message: completed
        ? `${request.kind ?? 'subject'} request "${request.requestId}" answered on ${completed}, after its deadline ${request.deadline}.`
        : `${request.kind ?? 'subject'} request "${request.requestId}" received ${request.receivedAt} is still open past its deadline ${request.deadline}.`,
    }];
  });
}

export function shutdownRules(db: ReadSource, asOf: string): Violation[] {
  const found: Violation[] = [];
  for (const shutdown of readShutdownProgress(db, asOf)) {
    for (const subject of shutdown.subjects) {
      if (shutdown.effectiveAt <= asOf && subject.notifiedBy === null) {
        found.push({
          // A notice owed before the shutdown cannot be given after it: the breach is that moment.
          rule: 'shutdown-notice-missing', subjectId: subject.subjectId, eventIds: [shutdown.eventId, ...subject.evidence], occurredAt: shutdown.effectiveAt,
          breachEnd: shutdown.effectiveAt, detectedAt: shutdown.effectiveAt, policyVersion: shutdown.policyVersion,
          message: `${shutdown.service} stopped on ${shutdown.effectiveAt} and the subject, whose data was in ${list(shutdown.systems)}, was not notified before.`,
        });
      }
      if (shutdown.deletionDeadline < asOf && (subject.deletedAt === null || subject.deletedAt > shutdown.deletionDeadline)) {
        found.push({
          rule: 'shutdown-deletion-overdue', subjectId: subject.subjectId, eventIds: [shutdown.eventId, ...subject.evidence, ...subject.endedBy],
          occurredAt: shutdown.deletionDeadline, breachEnd: subject.deletedAt, detectedAt: shutdown.deletionDeadline, policyVersion: shutdown.policyVersion,
          message: subject.deletedAt === null
            ? `data in ${list(shutdown.systems)} of the stopped service ${shutdown.service} is still held past the deletion deadline ${shutdown.deletionDeadline}.`
            : `data in ${list(shutdown.systems)} of the stopped service ${shutdown.service} was deleted on ${subject.deletedAt}, after the deadline ${shutdown.deletionDeadline}.`,
        });
      }
    }
  }
  return found;
}

export interface IncidentClock {
  incidentId: string; openedAt: string; deadline: string; policyVersion: string; openedBy: string;
  affected: string[];
  /** The first report to the authority, and for each affected subject the first report that reached them. */
  authority: { at: string; eventId: string } | null;
  subjects: Map<string, { at: string; eventId: string } | null>;
}

/** For each incident opened by `asOf` that exposed someone's data: its reporting deadline and who was told when. */
export function incidentClocks(db: ReadSource, asOf: string): IncidentClock[] {
  const readModels = new ReadModels(db);
  return incidents.readPrefix(db, []).flatMap(({ key, state }): IncidentClock[] => {
    if (state.openedAt === null || state.openedAt > asOf) return [];
    const affected = readModels.incidentImpact(state).map((s) => s.subjectId);
    if (affected.length === 0) return [];
    const policy = policyAt(db, state.openedAt);
    const period = policy.document.incidentNotification.period;
    const reports = state.reports.filter((r) => r.at <= asOf).sort((a, b) => a.at.localeCompare(b.at));
    const first = (match: (r: IncidentState['reports'][number]) => boolean) => {
      const found = reports.find(match);
      return found ? { at: found.at, eventId: found.eventId } : null;
    };
    return [{
      incidentId: String(key[0]), openedAt: state.openedAt, deadline: addDuration(state.openedAt, period), policyVersion: policy.version,
      openedBy: state.evidence[0]!, affected,
      authority: first((r) => r.audience === 'authority'),
      subjects: new Map(affected.map((s) => [s, first((r) => r.audience === 'subjects' && (r.subjectId === null || r.subjectId === s))])),
    }];
  });
}

/** incident-notification-overdue: not reported to the authority, or to a person affected, within the period of its opening. */
export function incidentNotificationOverdue(db: ReadSource, asOf: string): Violation[] {
  const found: Violation[] = [];
  for (const clock of incidentClocks(db, asOf)) {
    if (clock.deadline >= asOf) continue;
    const judge = (subjectId: string | null, report: { at: string; eventId: string } | null, whom: string) => {
      if (report !== null && report.at <= clock.deadline) return;
      found.push({
        rule: 'incident-notification-overdue', subjectId, eventIds: [clock.openedBy, ...(report ? [report.eventId] : [])],
        occurredAt: clock.deadline, breachEnd: report?.at ?? null, detectedAt: clock.deadline, policyVersion: clock.policyVersion,
        message: report
          ? `incident "${clock.incidentId}", opened ${clock.openedAt}, exposed personal data of ${clock.affected.length} subject(s) and was reported to ${whom} on ${report.at}, after the deadline ${clock.deadline}.`
          : `incident "${clock.incidentId}", opened ${clock.openedAt}, exposed personal data of ${clock.affected.length} subject(s) and was not reported to ${whom} by the deadline ${clock.deadline}.`,
      });
    };
    judge(null, clock.authority, 'the authority');
    for (const [subjectId, report] of clock.subjects) judge(subjectId, report, 'the subject');
  }
  return found;
}

export function timeViolations(db: ReadSource, asOf: string): Violation[] {
  return [
    ...retentionOverdue(db, asOf), ...requestOverdue(db, asOf), ...shutdownRules(db, asOf), ...incidentNotificationOverdue(db, asOf),
    ...deletionOrderOverdue(db, asOf), ...erasureCompletedWithOpenOrders(db, asOf),
  ];
}
