/** Published policy versions, and which one was in force at a given moment. */
import { statement } from '../statements.js';
import type Database from 'better-sqlite3';
import { defaultPolicy, DEFAULT_POLICY_VERSION } from '../../schemas/default-policy.js';
import type { PolicyDocument } from '../../schemas/policy.js';
import { keyedProjection } from '../projection.js';

export interface PolicyState {
  lastPosition: number;
  effectiveFrom: string;
  document: PolicyDocument;
  eventId: string;
}

export interface PolicyInForce {
  readonly version: string;
  readonly document: PolicyDocument;
  readonly eventId: string | null;
}

export const policies = keyedProjection<PolicyState>({
  name: 'policies',
  version: 1,
  table: 'rm_policies',
  key: ['version'],
  keysOf: ({ event }) => (event.type === 'PolicyPublished' ? [[event.data.version]] : []),
  evolve(state, { position, event }) {
    if (event.type !== 'PolicyPublished') return state;
    return { lastPosition: position, effectiveFrom: event.data.effectiveFrom ?? event.occurredAt, document: event.data.policy, eventId: event.id };
  },
});

/**
 * The policy in force at `at`: the published version with the latest `effectiveFrom` not after
 * it (the later publication wins a tie); before any publication, the built-in default policy.
 */
export function policyAt(db: Database.Database, at: string): PolicyInForce {
  const row = statement<[string], { version: string; state: string }>(db, 
    `SELECT version, state FROM rm_policies WHERE json_extract(state, '$.effectiveFrom') <= ?
     ORDER BY json_extract(state, '$.effectiveFrom') DESC, json_extract(state, '$.lastPosition') DESC LIMIT 1`).get(at);
  if (!row) return { version: DEFAULT_POLICY_VERSION, document: defaultPolicy, eventId: null };
  const state = JSON.parse(row.state) as PolicyState;
  return { version: row.version, document: state.document, eventId: state.eventId };
}
