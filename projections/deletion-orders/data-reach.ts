/**
 * Where a subject's data went, per target: each system (DataCollected storage, DataUsed) and each
 * recipient (DataShared, DataTransferredAbroad) with the categories it still holds — less what a
 * DataDeleted removed from a system, or a confirmed deletion order from either — and the deletion
 * orders sent to it, each open until the target confirms it (README "Erasure that reaches every copy").
 *
 * Crypto-shredding (SubjectErased) erases the ledger's own copy only: the copies out there stay
 * held until their target deletes them.
 */
import type { DeletionOrderReason, DeletionTarget } from '../../schemas/events/deletion-orders.js';
import type { SealedEvent } from '../../services/ledger/stored-event.js';
import { categoriesOf } from '../event-facts.js';
import { keyedProjection, union, withEvidence, type Key } from '../projection.js';

export interface OrderEntry {
  orderId: string;
  /** The DeletionOrdered event. */
  eventId: string;
  reason: DeletionOrderReason;
  cause: string;
  causedAt: string;
  dueBy: string;
  orderedAt: string;
  categories: string[];
  /** Categories not yet confirmed deleted: a DataDeleted may confirm a system's order category by category. */
  outstanding: string[];
  confirmedAt: string | null;
  reference: string | null;
  confirmedBy: string | null;
  /** The events that confirmed it (a DeletionConfirmed, or the DataDeleted that removed its last category). */
  confirmations: string[];
}

export interface ReachState {
  lastPosition: number;
  /** Categories the target holds now. */
  held: string[];
  firstReachedAt: string | null;
  /** When data last went to it: a deletion confirmed before that does not cover what came after. */
  lastReachedAt: string | null;
  evidence: string[];
  orders: OrderEntry[];
}

const empty = (): ReachState => ({ lastPosition: 0, held: [], firstReachedAt: null, lastReachedAt: null, evidence: [], orders: [] });

/** The target an event sends data to, if it sends any. */
export function reachedTarget(event: SealedEvent): DeletionTarget | null {
  switch (event.type) {
    case 'DataCollected':
      return { kind: 'system', id: event.data.storage.system };
    case 'DataUsed':
      return { kind: 'system', id: event.data.system };
    case 'DataShared':
    case 'DataTransferredAbroad':
      return { kind: 'recipient', id: event.data.recipient.id };
    default:
      return null;
  }
}

const without = (items: readonly string[], removed: readonly string[] | 'all'): string[] =>
  removed === 'all' ? [] : items.filter((item) => !removed.includes(item));

export const dataReach = keyedProjection<ReachState>({
  name: 'data-reach',
  version: 1,
  table: 'rm_data_reach',
  key: ['subject_id', 'target_kind', 'target_id'],
  keysOf({ event }, existing): Key[] {
    if (!event.subject) return [];
    const subject = event.subject.id;
    const target = reachedTarget(event);
    if (target) return [[subject, target.kind, target.id]];
    switch (event.type) {
      case 'DeletionOrdered':
        return [[subject, event.data.target.kind, event.data.target.id]];
      case 'DeletionConfirmed':
        // The confirmation names the order only: the row that holds it says which target it was.
        return existing([subject]);
      case 'DataDeleted': {
        const systems = event.data.systems;
        return existing([subject, 'system']).filter(([, , id]) => systems === undefined || systems.includes(String(id)));
      }
      default:
        return [];
    }
  },
  evolve(state, { position, event }) {
    const current = state ?? empty();
    const at = event.occurredAt;
    if (reachedTarget(event) && 'categories' in event.data && Array.isArray(event.data.categories)) {
      return {
        ...current, lastPosition: position, held: union(current.held, event.data.categories),
        firstReachedAt: current.firstReachedAt === null || at < current.firstReachedAt ? at : current.firstReachedAt,
        lastReachedAt: current.lastReachedAt === null || at > current.lastReachedAt ? at : current.lastReachedAt,
        evidence: withEvidence(current.evidence, event.id),
      };
    }
    if (event.type === 'DeletionOrdered') {
      if (current.orders.some((order) => order.orderId === event.data.orderId)) return { ...current, lastPosition: position };
      const categories = [...event.data.categories].sort();
      const order: OrderEntry = {
        orderId: event.data.orderId, eventId: event.id, reason: event.data.reason, cause: event.data.cause, causedAt: event.data.causedAt,
        dueBy: event.data.dueBy, orderedAt: at, categories, outstanding: categories, confirmedAt: null, reference: null, confirmedBy: null, confirmations: [],
      };
      return { ...current, lastPosition: position, orders: [...current.orders, order] };
    }
    if (event.type === 'DeletionConfirmed') {
      const order = current.orders.find((o) => o.orderId === event.data.orderId);
      if (!order) return state;
      const orders = current.orders.map((o) => (o !== order ? o : o.confirmedAt !== null
        ? { ...o, confirmations: [...o.confirmations, event.id] }
        : { ...o, outstanding: [], confirmedAt: at, reference: event.data.reference, confirmedBy: event.data.confirmedBy, confirmations: [...o.confirmations, event.id] }));
      return { ...current, lastPosition: position, held: without(current.held, order.categories), orders };
    }
    if (event.type === 'DataDeleted') {
      const removed = categoriesOf(event);
      const orders = current.orders.map((o) => {
        if (o.confirmedAt !== null) return o;
        const outstanding = without(o.outstanding, removed);
        if (outstanding.length === o.outstanding.length) return o;
        return outstanding.length > 0 ? { ...o, outstanding } : { ...o, outstanding, confirmedAt: at, confirmedBy: event.actor.id, confirmations: [...o.confirmations, event.id] };
      });
      return { ...current, lastPosition: position, held: without(current.held, removed), orders };
    }
    return state;
  },
});

export interface ReachRow extends ReachState { subjectId: string; target: DeletionTarget }

const rowOf = ({ key, state }: { key: Key; state: ReachState }): ReachRow => ({
  ...state, subjectId: String(key[0]), target: { kind: key[1] === 'recipient' ? 'recipient' : 'system', id: String(key[2]) },
});

/** Every target of one subject's data, or of everyone's. */
export function readReach(db: Parameters<typeof dataReach.readPrefix>[0], subjectId?: string): ReachRow[] {
  return dataReach.readPrefix(db, subjectId === undefined ? [] : [subjectId]).map(rowOf);
}
