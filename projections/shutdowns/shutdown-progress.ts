/**
 * Where each service shutdown stands "as of" a moment: whose data it ends (held in its systems
 * when it took effect), whether they were told in time on a channel the policy accepts, and
 * whether their data is gone — the reader the shutdown rules and the report share.
 */
import { addDuration } from '../../schemas/duration.js';
import { readStorageIntervals } from '../incidents/incidents.js';
import { policyAt } from '../policies/policy-in-force.js';
import { statement, type ReadSource } from '../projection-context.js';
import { shutdowns } from './shutdowns.js';

export interface ShutdownProgress {
  service: string; systems: string[]; announcedAt: string; effectiveAt: string; deletionDeadline: string; policyVersion: string; eventId: string;
  subjects: { subjectId: string; notifiedBy: string | null; deletedAt: string | null; evidence: string[]; endedBy: string[] }[];
}

/** For each shutdown, whose data it ends (held in its systems when it took effect), whether they were told, and whether it is gone. */
export function readShutdownProgress(db: ReadSource, asOf: string): ShutdownProgress[] {
  return shutdowns.readPrefix(db, []).map(({ key, state }) => ({ service: String(key[0]), ...state })).filter((shutdown) => shutdown.announcedAt <= asOf).map((shutdown) => {
    const policy = policyAt(db, shutdown.announcedAt);
    const reasonable = addDuration(shutdown.effectiveAt, policy.document.shutdown.deletionPeriod);
    const channels: readonly string[] = policy.document.shutdown.noticeChannels;
    const notices = statement<[string, string], { event_id: string; subject_id: string | null; channel: string }>(db, 
      `SELECT event_id, subject_id, channel FROM rm_notices WHERE topic = 'service-shutdown' AND (service = ? OR service IS NULL)
       AND occurred_at <= ? ORDER BY position`).all(shutdown.service, shutdown.effectiveAt)
      .filter((notice) => channels.includes(notice.channel));
    const bySubject = new Map<string, ShutdownProgress['subjects'][number] & { stillHeld: boolean }>();
    for (const { subjectId, interval } of readStorageIntervals(db, shutdown.systems)) {
      if (interval.from > shutdown.effectiveAt || (interval.to !== null && interval.to <= shutdown.effectiveAt)) continue;
      const entry = bySubject.get(subjectId) ?? {
        subjectId, stillHeld: false, deletedAt: null, evidence: [], endedBy: [],
        notifiedBy: notices.find((n) => n.subject_id === subjectId || n.subject_id === null)?.event_id ?? null,
      };
      const ended = interval.to !== null && interval.to <= asOf ? interval.to : null;
      if (ended === null) entry.stillHeld = true;
      else if (entry.deletedAt === null || ended > entry.deletedAt) entry.deletedAt = ended;
      entry.evidence.push(interval.collectedBy);
      if (ended && interval.endedBy) entry.endedBy.push(interval.endedBy);
      bySubject.set(subjectId, entry);
    }
    const subjects = [...bySubject.values()].map(({ stillHeld, ...entry }) => ({ ...entry, deletedAt: stillHeld ? null : entry.deletedAt }));
    return {
      service: shutdown.service, systems: shutdown.systems, announcedAt: shutdown.announcedAt, effectiveAt: shutdown.effectiveAt, eventId: shutdown.eventId,
      deletionDeadline: shutdown.deletionDeadline < reasonable ? shutdown.deletionDeadline : reasonable, policyVersion: policy.version,
      subjects,
    };
  });
}
