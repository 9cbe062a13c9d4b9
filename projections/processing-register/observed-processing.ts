/**
 * What processing the ledger saw, per purpose and per fact — a category, a system, a recipient
 * kind, a region — with the first and latest event that showed it: the "actual" side of
 * declared vs actual (projections/compliance/drift.ts).
 */
import type Database from 'better-sqlite3';
import { keyedProjection, type Key } from '../projection.js';
import { statement } from '../statements.js';

export const DIMENSIONS = ['category', 'system', 'recipientKind', 'region'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface ObservedState {
  lastPosition: number;
  firstAt: string;
  firstEventId: string;
  lastAt: string;
  lastEventId: string;
}

export const observedProcessing = keyedProjection<ObservedState>({
  name: 'observed-processing',
  version: 1,
  table: 'rm_observed_processing',
  key: ['purpose', 'dimension', 'value'],
  keysOf({ event }): Key[] {
    const facts: [Dimension, string][] = [];
    let purposes: readonly string[];
    switch (event.type) {
      case 'DataCollected':
        purposes = event.data.purposes;
        facts.push(['system', event.data.storage.system], ['region', event.data.storage.region]);
        break;
      case 'DataUsed':
        purposes = [event.data.purpose];
        facts.push(['system', event.data.system]);
        break;
      case 'DataShared':
        purposes = [event.data.purpose];
        facts.push(['recipientKind', event.data.recipient.kind], ['region', event.data.recipient.region]);
        break;
      case 'DataTransferredAbroad':
        purposes = [event.data.purpose];
        facts.push(['recipientKind', event.data.recipient.kind], ['region', event.data.toRegion]);
        break;
      default:
        return [];
    }
    for (const category of event.data.categories) facts.push(['category', category]);
    return purposes.flatMap((purpose) => facts.map(([dimension, value]) => [purpose, dimension, value]));
  },
  evolve(state, { position, event }) {
    const at = event.occurredAt;
    if (state === null) return { lastPosition: position, firstAt: at, firstEventId: event.id, lastAt: at, lastEventId: event.id };
    return {
      lastPosition: position,
      ...(at < state.firstAt ? { firstAt: at, firstEventId: event.id } : { firstAt: state.firstAt, firstEventId: state.firstEventId }),
      ...(at >= state.lastAt ? { lastAt: at, lastEventId: event.id } : { lastAt: state.lastAt, lastEventId: state.lastEventId }),
    };
  },
});

export interface Observation extends ObservedState { purpose: string; dimension: Dimension; value: string }

export function readObservations(db: Database.Database): Observation[] {
  return statement<[], { purpose: string; dimension: Dimension; value: string; state: string }>(db,
    'SELECT purpose, dimension, value, state FROM rm_observed_processing ORDER BY purpose, dimension, value').all()
    .map((row) => ({ ...(JSON.parse(row.state) as ObservedState), purpose: row.purpose, dimension: row.dimension, value: row.value }));
}
