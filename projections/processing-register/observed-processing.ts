/**
 * What processing the ledger saw, per purpose and per fact — a category, a system, a recipient
 * kind, a region — with the earliest event that showed it: the "actual" side of declared vs
 * actual (projections/compliance/drift.ts). One upsert per fact, written only when the fact is new
 * or seen earlier than before: most events change nothing here.
 */
import { compareKeys, type ProjectedEvent, type Projection } from '../projection.js';
import { slot, statement, type ReadSource } from '../projection-context.js';

export const DIMENSIONS = ['category', 'system', 'recipientKind', 'region'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

const TABLE = 'rm_observed_processing';
const UPSERT = `INSERT INTO ${TABLE} (purpose, dimension, value, first_at, first_event_id) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (purpose, dimension, value) DO UPDATE SET first_at = excluded.first_at, first_event_id = excluded.first_event_id
  WHERE excluded.first_at < ${TABLE}.first_at`;

/** The facts an act shows, per purpose. */
function factsOf({ event }: ProjectedEvent): [purpose: string, dimension: Dimension, value: string][] {
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
  return purposes.flatMap((purpose) => facts.map(([dimension, value]): [string, Dimension, string] => [purpose, dimension, value]));
}

export const observedProcessing: Projection = {
  name: 'observed-processing',
  version: 2,
  tables: [TABLE],
  schema: `CREATE TABLE IF NOT EXISTS ${TABLE} (purpose TEXT NOT NULL, dimension TEXT NOT NULL, value TEXT NOT NULL,
    first_at TEXT NOT NULL, first_event_id TEXT NOT NULL, PRIMARY KEY (purpose, dimension, value)) WITHOUT ROWID;`,
  apply(context, projected) {
    const facts = factsOf(projected);
    if (facts.length === 0) return;
    const place = context.kept(seenInBatch);
    const at = projected.event.occurredAt;
    const held = place.held;
    if (held) {
      // A rebuild: the earliest sighting of each fact kept in memory, written once when released.
      for (const [purpose, dimension, value] of facts) {
        const fact = `${purpose}\u0000${dimension}\u0000${value}`;
        const earliest = held.get(fact);
        if (earliest === undefined || at < earliest[3]) held.set(fact, [purpose, dimension, value, at, projected.event.id]);
      }
      return;
    }
    const upsert = context.statement(UPSERT);
    const seen = place.facts;
    for (const [purpose, dimension, value] of facts) {
      // Already written in this batch at this time or earlier: the row's first_at is no later, so the upsert would change nothing.
      const fact = `${purpose}\u0000${dimension}\u0000${value}`;
      const earliest = seen?.get(fact);
      if (earliest !== undefined && earliest <= at) continue;
      upsert.run(purpose, dimension, value, at, projected.event.id);
      seen?.set(fact, at);
    }
  },
  batch: {
    begin: (context) => { context.kept(seenInBatch).facts = new Map(); },
    commit: (context) => { context.kept(seenInBatch).facts = null; },
    abandon: (context) => { context.kept(seenInBatch).facts = null; },
  },
  held: {
    hold: (context) => { context.kept(seenInBatch).held = new Map(); },
    count: (context) => context.kept(seenInBatch).held?.size ?? 0,
    release(context) {
      const place = context.kept(seenInBatch);
      const held = place.held;
      place.held = null;
      // The upsert keeps a stored row seen earlier (rows written out before this hold): the same rule as event by event.
      const upsert = context.statement(UPSERT);
      for (const row of [...(held?.values() ?? [])].sort(byFact)) upsert.run(...row);
    },
  },
};

type HeldFact = [purpose: string, dimension: Dimension, value: string, firstAt: string, firstEventId: string];
const byFact = (a: HeldFact, b: HeldFact): number => compareKeys(a.slice(0, 3), b.slice(0, 3));

/**
 * During a runner batch: the earliest time each fact was written at in it. During a rebuild
 * (`held`): each fact's earliest sighting, not written yet.
 */
const seenInBatch = slot<{ facts: Map<string, string> | null; held: Map<string, HeldFact> | null }>('observed-processing facts of the batch',
  () => ({ facts: null, held: null }));

export interface Observation { purpose: string; dimension: Dimension; value: string; firstAt: string; firstEventId: string }

export function readObservations(db: ReadSource): Observation[] {
  return statement<[], { purpose: string; dimension: Dimension; value: string; first_at: string; first_event_id: string }>(db,
    `SELECT purpose, dimension, value, first_at, first_event_id FROM ${TABLE} ORDER BY purpose, dimension, value`).all()
    .map((row) => ({ purpose: row.purpose, dimension: row.dimension, value: row.value, firstAt: row.first_at, firstEventId: row.first_event_id }));
}
