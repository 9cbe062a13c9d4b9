/**
 * Facts recorded after the deadline they answer (README "Two clocks"): a completion, a report of
 * an incident, a deletion or a notice whose `occurredAt` says it was on time, but which the ledger
 * recorded only after the deadline had passed — while it had already recorded the obligation
 * before it. That is what back-dating looks like, and it is shown, never silent. History imported
 * later (the obligation recorded after its deadline too) is not: the ledger could not have known.
 */
import type { ReadSource } from '../projection-context.js';
import { addDuration } from '../../schemas/duration.js';
import { readEventTimes, type EventTimes } from '../event-index/event-index.js';
import { policyAt } from '../policies/policy-in-force.js';
import { incidentClocks, retentionSchedule } from './time-rules.js';
import { readShutdownProgress } from '../shutdowns/shutdown-progress.js';
import { readRequestSchedule } from '../subject-requests/subject-requests.js';
import { list, type Violation } from './violation.js';

export type LateKind = 'request-answered' | 'incident-reported' | 'retention-deleted' | 'shutdown-notified' | 'shutdown-deleted';

export interface LateRecord {
  readonly kind: LateKind;
  readonly subjectId: string | null;
  /** The request, incident, system or service the deadline belongs to. */
  readonly reference: string;
  readonly deadline: string;
  /** The fact that answers it, with both clocks. */
  readonly eventId: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  /** What set the deadline, recorded before it passed. */
  readonly causeEventId: string;
  readonly causeRecordedAt: string;
  readonly message: string;
}

interface Candidate {
  kind: LateKind; subjectId: string | null; reference: string; deadline: string; answer: string; cause: string; what: string;
}

const COMPLETIONS = new Set(['SubjectRequestCompleted', 'DataRectified']);

/** Every obligation answered on time by its own date, as of `asOf`, whose answer was recorded after the deadline. */
export function recordedLate(db: ReadSource, asOf: string): LateRecord[] {
  const candidates: Candidate[] = [];
  const requests = readRequestSchedule(db, asOf).filter((r) => r.completedAt !== null && r.completedAt <= r.deadline && r.completedAt <= asOf);
  const requestTimes = readEventTimes(db, requests.flatMap((r) => r.evidence));
  for (const request of requests) {
    const events = request.evidence.map((id) => requestTimes.get(id)).filter((t): t is EventTimes => t !== undefined);
    const received = events.find((t) => t.type === 'SubjectRequestReceived');
    const answer = events.find((t) => COMPLETIONS.has(t.type) && t.occurredAt === request.completedAt);
    if (received && answer) {
      candidates.push({ kind: 'request-answered', subjectId: request.subjectId, reference: request.requestId, deadline: request.deadline,
        answer: answer.eventId, cause: received.eventId, what: `the answer to ${request.kind ?? 'subject'} request "${request.requestId}"` });
    }
  }
  for (const clock of incidentClocks(db, asOf)) {
    const reports = new Map<string, string | null>();
    if (clock.authority && clock.authority.at <= clock.deadline) reports.set(clock.authority.eventId, null);
    for (const [subjectId, report] of clock.subjects) if (report && report.at <= clock.deadline && !reports.has(report.eventId)) reports.set(report.eventId, subjectId);
    for (const [eventId, subjectId] of reports) {
      candidates.push({ kind: 'incident-reported', subjectId, reference: clock.incidentId, deadline: clock.deadline, answer: eventId, cause: clock.openedBy,
        what: `the report of incident "${clock.incidentId}"` });
    }
  }
  for (const entry of retentionSchedule(db, asOf)) {
    if (entry.endedBy && entry.to !== null && entry.to <= entry.due) {
      candidates.push({ kind: 'retention-deleted', subjectId: entry.subjectId, reference: entry.system, deadline: entry.due, answer: entry.endedBy, cause: entry.collectedBy,
        what: `the deletion of ${list(entry.categories)} from ${entry.system} at the end of its retention` });
    }
  }
  for (const shutdown of readShutdownProgress(db, asOf)) {
    for (const subject of shutdown.subjects) {
      if (subject.notifiedBy) {
        candidates.push({ kind: 'shutdown-notified', subjectId: subject.subjectId, reference: shutdown.service, deadline: shutdown.effectiveAt, answer: subject.notifiedBy,
          cause: shutdown.eventId, what: `the notice of the shutdown of ${shutdown.service}` });
      }
      if (subject.deletedAt !== null && subject.deletedAt <= shutdown.deletionDeadline) {
        for (const endedBy of subject.endedBy) {
          candidates.push({ kind: 'shutdown-deleted', subjectId: subject.subjectId, reference: shutdown.service, deadline: shutdown.deletionDeadline, answer: endedBy,
            cause: shutdown.eventId, what: `the deletion of the data of the stopped service ${shutdown.service}` });
        }
      }
    }
  }
  const times = readEventTimes(db, candidates.flatMap((c) => [c.answer, c.cause]));
  const found: LateRecord[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const answer = times.get(candidate.answer);
    const cause = times.get(candidate.cause);
    if (!answer || !cause || answer.recordedAt <= candidate.deadline || cause.recordedAt > candidate.deadline) continue;
    const key = `${candidate.kind}|${candidate.subjectId ?? ''}|${candidate.reference}|${candidate.answer}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({
      kind: candidate.kind, subjectId: candidate.subjectId, reference: candidate.reference, deadline: candidate.deadline,
      eventId: answer.eventId, occurredAt: answer.occurredAt, recordedAt: answer.recordedAt, causeEventId: cause.eventId, causeRecordedAt: cause.recordedAt,
      message: `${candidate.what} says it happened on ${answer.occurredAt}, within the deadline ${candidate.deadline}, but the ledger recorded it only on ${answer.recordedAt}, ` +
        `after the deadline, though it had recorded the obligation on ${cause.recordedAt}: back-dated, or recorded late.`,
    });
  }
  return found.sort((a, b) => a.deadline.localeCompare(b.deadline) || a.eventId.localeCompare(b.eventId));
}

/**
 * `recorded-late`, when the policy in force at the deadline asks for it (`lateRecording.violation`):
 * a fact recorded more than `lateRecording.tolerance` after the deadline it claims to have met.
 */
export function recordedLateViolations(db: ReadSource, asOf: string): Violation[] {
  return recordedLate(db, asOf).flatMap((late): Violation[] => {
    const policy = policyAt(db, late.deadline);
    const rule = policy.document.lateRecording;
    if (!rule?.violation || late.recordedAt <= addDuration(late.deadline, rule.tolerance) || late.recordedAt > asOf) return [];
    return [{
      rule: 'recorded-late', subjectId: late.subjectId, eventIds: [late.eventId, late.causeEventId], occurredAt: late.recordedAt, breachEnd: late.recordedAt, detectedAt: late.recordedAt,
      policyVersion: policy.version, message: late.message,
    }];
  });
}
