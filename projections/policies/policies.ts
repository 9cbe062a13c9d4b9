/** Published policy versions (which one is in force when: compliance/policy-in-force.ts). */
import type { PolicyDocument } from '../../schemas/policy.js';
import { keyedProjection } from '../projection.js';

export interface PolicyState {
  lastPosition: number;
  effectiveFrom: string;
  document: PolicyDocument;
  eventId: string;
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
