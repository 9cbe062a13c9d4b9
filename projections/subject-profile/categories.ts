/**
 * Per subject and data category: status (held / deleted / anonymized / erased), when collected
 * and used, why and on what basis, from where, where stored, until when. Holds no values:
 * `valueEventId` points at the event whose sealed value the API opens on request.
 */
import { addDuration } from '../../schemas/duration.js';
import { categoriesOf } from '../event-facts.js';
import { keyedProjection, union, withEvidence, type Key } from '../projection.js';

export type CategoryStatus = 'held' | 'deleted' | 'anonymized' | 'erased';
export interface StorageRef { system: string; kind: string; region: string }

export interface CategoryState {
  lastPosition: number;
  status: CategoryStatus;
  firstCollectedAt: string | null;
  lastCollectedAt: string | null;
  lastUsedAt: string | null;
  /** Every purpose the data was collected or used for, and every legal basis claimed. */
  purposes: string[];
  legalBases: string[];
  sources: string[];
  methods: string[];
  usedBy: string[];
  storage: StorageRef[];
  retention: string | null;
  retainedUntil: string | null;
  deletedAt: string | null;
  /** When the value was last corrected (DataRectified): the value shown is then the corrected one. */
  rectifiedAt: string | null;
  collectedAfterErasure: boolean;
  valueEventId: string | null;
  valuePosition: number | null;
  evidence: string[];
}

const empty = (): CategoryState => ({
  lastPosition: 0, status: 'held', firstCollectedAt: null, lastCollectedAt: null, lastUsedAt: null, purposes: [], legalBases: [],
  sources: [], methods: [], usedBy: [], storage: [], retention: null, retainedUntil: null, deletedAt: null, rectifiedAt: null,
  collectedAfterErasure: false, valueEventId: null, valuePosition: null, evidence: [],
});

const later = (a: string | null, b: string) => (a === null || b > a ? b : a);
const earlier = (a: string | null, b: string) => (a === null || b < a ? b : a);

export const subjectCategories = keyedProjection<CategoryState>({
  name: 'subject-categories',
  version: 4,
  table: 'rm_subject_categories',
  key: ['subject_id', 'category'],
  keysOf({ event }, existing): Key[] {
    if (!event.subject) return [];
    const subject = event.subject.id;
    switch (event.type) {
      case 'DataCollected':
      case 'DataUsed':
      case 'DataRectified':
        return event.data.categories.map((category) => [subject, category]);
      case 'DataDeleted': {
        const categories = categoriesOf(event);
        return categories === 'all' ? existing([subject]) : categories.map((category) => [subject, category]);
      }
      case 'SubjectErased':
        return existing([subject]);
      default:
        return [];
    }
  },
  evolve(state, { position, event }, key) {
    const current = state ?? empty();
    const at = event.occurredAt;
    const next: CategoryState = { ...current, lastPosition: position };
    switch (event.type) {
      case 'DataCollected': {
        const category = key[1] as string;
        const { storage } = event.data;
        const until = event.data.retention ? addDuration(at, event.data.retention) : null;
        const keptUntil = current.status === 'held' ? current.retainedUntil : null;
        return {
          ...next,
          status: 'held',
          collectedAfterErasure: current.collectedAfterErasure || current.status === 'erased',
          firstCollectedAt: earlier(current.firstCollectedAt, at),
          lastCollectedAt: later(current.lastCollectedAt, at),
          purposes: union(current.purposes, event.data.purposes),
          legalBases: union(current.legalBases, [event.data.legalBasis]),
          sources: union(current.sources, [event.data.source]),
          methods: union(current.methods, event.data.method ? [event.data.method] : []),
          storage: [...current.storage.filter((s) => s.system !== storage.system), storage].sort((a, b) => a.system.localeCompare(b.system)),
          retention: event.data.retention ?? current.retention,
          retainedUntil: until === null || (keptUntil !== null && keptUntil > until) ? keptUntil : until,
          deletedAt: null,
          ...(event.data.values?.[category as keyof typeof event.data.values] !== undefined
            ? { valueEventId: event.id, valuePosition: position }
            : {}),
          evidence: withEvidence(current.evidence, event.id),
        };
      }
      case 'DataUsed':
        return {
          ...next, lastUsedAt: later(current.lastUsedAt, at), usedBy: union(current.usedBy, [event.data.system]),
          purposes: union(current.purposes, [event.data.purpose]), legalBases: union(current.legalBases, [event.data.legalBasis]),
        };
      case 'DataDeleted': {
        const systems = event.data.systems;
        const remaining = systems ? current.storage.filter((s) => !systems.includes(s.system)) : [];
        if (remaining.length > 0) return { ...next, storage: remaining, evidence: withEvidence(current.evidence, event.id) };
        return {
          ...next, storage: [], status: event.data.method === 'anonymize' ? 'anonymized' : 'deleted', deletedAt: at,
          evidence: withEvidence(current.evidence, event.id),
        };
      }
      case 'DataRectified': {
        // Only what is held can be corrected: a value never collected gets no row, one deleted or erased stays gone.
        if (state === null) return null;
        if (current.status !== 'held' || current.firstCollectedAt === null) return { ...next, evidence: withEvidence(current.evidence, event.id) };
        return { ...next, rectifiedAt: at, valueEventId: event.id, valuePosition: position, evidence: withEvidence(current.evidence, event.id) };
      }
      case 'SubjectErased':
        return { ...next, status: 'erased', deletedAt: at, evidence: withEvidence(current.evidence, event.id) };
      default:
        return current;
    }
  },
});
