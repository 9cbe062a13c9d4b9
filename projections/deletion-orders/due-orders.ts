/**
 * The deletion orders due as of a moment, derived from the read models alone: for every cause of
 * an erasure — an erasure request received, a SubjectErased, a retention period ended, a shutdown
 * taken effect, a consent withdrawn that was the only basis — one order per target still holding
 * the categories concerned (data-reach.ts). The due date runs from the cause, never from when the
 * order is issued: history imported late gets no fresh period.
 *
 * Idempotent: an order's id is derived from (subject, cause, target), so a cause already ordered
 * is never ordered again, and a category an open order already covers is not ordered twice.
 */
import type { ReadSource } from '../projection-context.js';
import { v5 as uuidv5 } from 'uuid';
import { addDuration } from '../../schemas/duration.js';
import type { DeletionOrderReason, DeletionTarget } from '../../schemas/events/deletion-orders.js';
import { consents } from '../consents/consents.js';
import { consentCovers } from '../compliance/violation.js';
import { retentionSchedule } from '../compliance/time-rules.js';
import { policyAt } from '../policies/policy-in-force.js';
import { readShutdownProgress } from '../shutdowns/shutdown-progress.js';
import { subjectCategories } from '../subject-profile/categories.js';
import { subjects } from '../subject-profile/subjects.js';
import { readRequestSchedule } from '../subject-requests/subject-requests.js';
import { readReach, type ReachRow } from './data-reach.js';

/** The namespace of order ids (RFC 9562 name-based UUIDs): the same cause and target give the same id in any process. */
const ORDER_NAMESPACE = '5d0c7e0a-3f51-4c59-9a7e-2f1d8b6c4e93';

export interface DueCause {
  subjectId: string;
  reason: DeletionOrderReason;
  /** The request id or event id the orders serve. */
  cause: string;
  causedAt: string;
  dueBy: string;
  /** Which targets and categories it concerns; null: every one. */
  systems: readonly string[] | null;
  categories: readonly string[] | null;
}

export interface DueOrder {
  orderId: string;
  subjectId: string;
  target: DeletionTarget;
  categories: string[];
  reason: DeletionOrderReason;
  cause: string;
  causedAt: string;
  dueBy: string;
}

/** The order id of a cause and a target: the event's id too, so a retry or a second process appends nothing new. */
export function orderIdOf(subjectId: string, cause: string, target: DeletionTarget): string {
  return uuidv5(JSON.stringify([subjectId, cause, target.kind, target.id]), ORDER_NAMESPACE);
}

const DECLINED = new Set(['rejected', 'withdrawn']);

/** Every cause of an erasure that had arisen by `asOf`, oldest first. */
export function dueCauses(db: ReadSource, asOf: string): DueCause[] {
  const causes: DueCause[] = [];
  const deadlineFrom = (at: string) => addDuration(at, policyAt(db, at).document.subjectRequests.deadline);
  for (const request of readRequestSchedule(db, asOf)) {
    if (request.kind !== 'erasure') continue;
    if (request.completedAt !== null && request.completedAt <= asOf && request.outcome !== null && DECLINED.has(request.outcome)) continue;
    causes.push({ subjectId: request.subjectId, reason: 'erasure-request', cause: request.requestId, causedAt: request.receivedAt!, dueBy: request.deadline, systems: null, categories: null });
  }
  for (const { key, state } of subjects.readPrefix(db, [])) {
    if (state.erasedAt === null || state.erasedAt > asOf) continue;
    causes.push({ subjectId: String(key[0]), reason: 'subject-erased', cause: state.erasureEventIds[0]!, causedAt: state.erasedAt, dueBy: deadlineFrom(state.erasedAt), systems: null, categories: null });
  }
  for (const entry of retentionSchedule(db, asOf)) {
    if (entry.due > asOf || (entry.to !== null && entry.to <= asOf)) continue;
    causes.push({ subjectId: entry.subjectId, reason: 'retention-ended', cause: entry.collectedBy, causedAt: entry.due, dueBy: entry.due, systems: [entry.system], categories: entry.categories });
  }
  for (const shutdown of readShutdownProgress(db, asOf)) {
    if (shutdown.effectiveAt > asOf) continue;
    for (const subject of shutdown.subjects) {
      if (subject.deletedAt !== null) continue;
      causes.push({ subjectId: subject.subjectId, reason: 'shutdown', cause: shutdown.eventId, causedAt: shutdown.effectiveAt, dueBy: shutdown.deletionDeadline, systems: shutdown.systems, categories: null });
    }
  }
  causes.push(...consentWithdrawals(db, asOf, deadlineFrom));
  return causes.sort((a, b) => a.causedAt.localeCompare(b.causedAt) || a.subjectId.localeCompare(b.subjectId) || a.cause.localeCompare(b.cause));
}

/**
 * A withdrawal ends the processing of the categories consent was the only basis for: held on no
 * other basis, and no purpose of them still covered by another consent as of `asOf`.
 */
function consentWithdrawals(db: ReadSource, asOf: string, deadlineFrom: (at: string) => string): DueCause[] {
  const bySubject = new Map<string, ReturnType<typeof consents.readPrefix>>();
  for (const row of consents.readPrefix(db, [])) {
    const subjectId = String(row.key[0]);
    bySubject.set(subjectId, [...(bySubject.get(subjectId) ?? []), row]);
  }
  const causes: DueCause[] = [];
  for (const [subjectId, rows] of bySubject) {
    const withdrawals = rows.flatMap(({ state }) => (state.givenAt === null ? [] : state.withdrawals.filter((w) => w.at <= asOf)));
    if (withdrawals.length === 0) continue;
    const concerned = subjectCategories.readPrefix(db, [subjectId]).flatMap(({ key, state }) => {
      const category = String(key[1]);
      const onlyConsent = state.status === 'held' && state.legalBases.length > 0 && state.legalBases.every((basis) => basis === 'consent');
      const stillCovered = state.purposes.some((purpose) => rows.some(({ state: consent }) => consentCovers(consent, purpose, [category], asOf)));
      return onlyConsent && !stillCovered ? [category] : [];
    });
    if (concerned.length === 0) continue;
    for (const withdrawal of withdrawals) {
      causes.push({ subjectId, reason: 'consent-withdrawn', cause: withdrawal.eventId, causedAt: withdrawal.at, dueBy: deadlineFrom(withdrawal.at), systems: null, categories: concerned });
    }
  }
  return causes;
}

/**
 * The orders due as of `asOf` that are not in the ledger yet: per cause (oldest first), per target
 * of the subject it concerns, the categories the target still holds that no open order covers.
 */
export function dueOrders(db: ReadSource, asOf: string, options: { subjectId?: string } = {}): DueOrder[] {
  const causes = dueCauses(db, asOf).filter((cause) => options.subjectId === undefined || cause.subjectId === options.subjectId);
  const reachOf = new Map<string, ReachRow[]>();
  const planned = new Map<string, DueOrder[]>();
  const due: DueOrder[] = [];
  for (const cause of causes) {
    let rows = reachOf.get(cause.subjectId);
    if (!rows) reachOf.set(cause.subjectId, rows = readReach(db, cause.subjectId));
    for (const row of rows) {
      if (row.target.kind === 'system' ? cause.systems !== null && !cause.systems.includes(row.target.id) : cause.systems !== null) continue;
      const orderId = orderIdOf(cause.subjectId, cause.cause, row.target);
      const targetKey = `${cause.subjectId}|${row.target.kind}|${row.target.id}`;
      const earlier = planned.get(targetKey) ?? [];
      if (row.orders.some((order) => order.orderId === orderId) || earlier.some((order) => order.orderId === orderId)) continue;
      const covered = new Set([...row.orders.filter((o) => o.confirmedAt === null).flatMap((o) => o.outstanding), ...earlier.flatMap((o) => o.categories)]);
      const categories = row.held.filter((c) => !covered.has(c) && (cause.categories === null || cause.categories.includes(c)));
      if (categories.length === 0) continue;
      const order: DueOrder = { orderId, subjectId: cause.subjectId, target: row.target, categories, reason: cause.reason, cause: cause.cause, causedAt: cause.causedAt, dueBy: cause.dueBy };
      planned.set(targetKey, [...earlier, order]);
      due.push(order);
    }
  }
  return due;
}
