/**
 * The read side's front door: reads over the read models, shaped for the questions people ask —
 * what do you hold about me, who got it, who was affected, what is our register. Each read is
 * its projection's own typed reader; this class only binds them to one database.
 */
import { ProjectionContext, type ReadSource } from './projection-context.js';
import { readAccessLog, type AccessRow } from './access-log/access-log.js';
import { consents, type ConsentState } from './consents/consents.js';
import { countEvents, readCitedEvents, readEventPosition, readEventPositions, readEventPositionsNewest, type EventFilter } from './event-index/event-index.js';
import { incidents, readIncidentImpact, type AffectedSubject, type IncidentState } from './incidents/incidents.js';
import { readDisclosures, readLegalRequests, type DisclosureRow, type LegalRequestState } from './legal-requests/legal-requests.js';
import { readRegister, type PurposeState } from './processing-register/processing-register.js';
import { readRecipients, readTransfers, type RecipientState, type TransferRow } from './recipients/recipients.js';
import { subjectCategories, type CategoryState } from './subject-profile/categories.js';
import { readSubjectsByPrefix, subjects, type SubjectState } from './subject-profile/subjects.js';
import { subjectRequests, type SubjectRequestState } from './subject-requests/subject-requests.js';
import { findOrder, readOrders, type OrderView } from './deletion-orders/order-status.js';
import { policyAt, type PolicyInForce } from './policies/policy-in-force.js';

export type { AccessRow, AffectedSubject, DisclosureRow, EventFilter, OrderView, TransferRow };

export class ReadModels {
  /** A context of its own over a bare database, so that its statements are prepared once for its life. */
  private readonly db: ProjectionContext;

  constructor(source: ReadSource) {
    this.db = source instanceof ProjectionContext ? source : new ProjectionContext(source);
  }

  subject(subjectId: string): SubjectState | null {
    return subjects.read(this.db, [subjectId]);
  }

  categories(subjectId: string): (CategoryState & { category: string })[] {
    return subjectCategories.readPrefix(this.db, [subjectId]).map(({ key, state }) => ({ ...state, category: String(key[1]) }));
  }

  consents(subjectId: string): ConsentState[] {
    return consents.readPrefix(this.db, [subjectId]).map(({ state }) => state);
  }

  recipients(subjectId: string): (RecipientState & { id: string })[] {
    return readRecipients(this.db, subjectId);
  }

  requests(subjectId: string): (SubjectRequestState & { requestId: string; subjectId: string })[] {
    return subjectRequests.readPrefix(this.db, [subjectId]).map(({ key, state }) => ({ ...state, requestId: String(key[1]), subjectId }));
  }

  transfers(subjectId?: string): TransferRow[] {
    return readTransfers(this.db, subjectId);
  }

  accessLog(subjectId: string): AccessRow[] {
    return readAccessLog(this.db, subjectId);
  }

  legalRequests(): (LegalRequestState & { requestId: string })[] {
    return readLegalRequests(this.db);
  }

  disclosures(): DisclosureRow[] {
    return readDisclosures(this.db);
  }

  register(): (PurposeState & { purpose: string; subjectCount: number })[] {
    return readRegister(this.db);
  }

  incident(incidentId: string): IncidentState | null {
    return incidents.read(this.db, [incidentId]);
  }

  /** Whose data was in the incident's systems during its window (see incidents/). */
  incidentImpact(incident: IncidentState): AffectedSubject[] {
    return readIncidentImpact(this.db, incident);
  }

  /** Positions of events matching the filter, after a position, in order. */
  eventPositions(filter: EventFilter, after: number, limit: number): number[] {
    return readEventPositions(this.db, filter, after, limit);
  }

  /** Positions of events matching the filter, before a position, newest first. */
  eventPositionsNewest(filter: EventFilter, before: number, limit: number): number[] {
    return readEventPositionsNewest(this.db, filter, before, limit);
  }

  /** Subjects by id prefix, in id order, after a cursor id. */
  subjectsByPrefix(prefix: string, after: string, limit: number): (SubjectState & { subjectId: string })[] {
    return readSubjectsByPrefix(this.db, prefix, after, limit);
  }

  /** Every incident, in id order. */
  incidents(): (IncidentState & { incidentId: string })[] {
    return incidents.readPrefix(this.db, []).map(({ key, state }) => ({ ...state, incidentId: String(key[0]) }));
  }

  /** The events a report cites, by id: position, type, time and subject, for its appendix. */
  citedEvents(eventIds: readonly string[]): ReturnType<typeof readCitedEvents> {
    return readCitedEvents(this.db, eventIds);
  }

  /** The policy in force at `at` (the built-in default before any was published). */
  policyInForce(at: string): PolicyInForce {
    return policyAt(this.db, at);
  }

  /** Every subject request, across subjects. */
  allRequests(): (SubjectRequestState & { requestId: string; subjectId: string })[] {
    return subjectRequests.readPrefix(this.db, []).map(({ key, state }) => ({ ...state, subjectId: String(key[0]), requestId: String(key[1]) }));
  }

  /** Deletion orders whose cause had arisen by `asOf`, with their status then, soonest due first: one subject's, or everyone's. */
  deletionOrders(asOf: string, subjectId?: string): OrderView[] {
    return readOrders(this.db, asOf, subjectId);
  }

  deletionOrder(orderId: string, asOf: string): OrderView | null {
    return findOrder(this.db, orderId, asOf);
  }

  eventPosition(eventId: string): number | null {
    return readEventPosition(this.db, eventId);
  }

  countEvents(filter: EventFilter): number {
    return countEvents(this.db, filter);
  }
}
