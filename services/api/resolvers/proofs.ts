/** Proofs over GraphQL (README "Proofs"): the latest checkpoint, consistency between two, inclusion of what an answer rests on. */
import { MAX_EVENTS_PER_BUNDLE } from '../../proofs/prover.js';
import { ValidationError } from '../../errors.js';
import type { EventFilter } from '../../../projections/event-index/event-index.js';
import type { ApiContext } from '../context.js';

export function checkpoint(_: unknown, __: unknown, context: ApiContext) {
  // Hashes and a signature only: every role may hold the ledger to it.
  context.require('ledgerHead');
  return context.proofs.latest();
}

export function consistencyProof(_: unknown, args: { fromSize: number; toSize?: number | null }, context: ApiContext) {
  context.require('ledgerHead');
  return context.proofs.consistency(args.fromSize, args.toSize ?? undefined);
}

/** The inclusion bundle of every event matching `filter` (the caller has already been allowed to read them). */
export async function proofOfEvents(context: ApiContext, filter: EventFilter) {
  const positions = context.readModels.eventPositions(filter, 0, MAX_EVENTS_PER_BUNDLE + 1);
  if (positions.length > MAX_EVENTS_PER_BUNDLE) {
    throw new ValidationError(`more than ${MAX_EVENTS_PER_BUNDLE} events: take the proof of each timeline page instead`);
  }
  if (positions.length === 0) return null;
  return context.proofs.inclusionAt(positions);
}

/** The inclusion bundle of the events an answer cites as evidence (null when it cites none). */
export async function proofOfEvidence(context: ApiContext, eventIds: readonly string[]) {
  const ids = [...new Set(eventIds)];
  if (ids.length === 0) return null;
  if (ids.length > MAX_EVENTS_PER_BUNDLE) {
    throw new ValidationError(`the answer cites ${ids.length} events, more than ${MAX_EVENTS_PER_BUNDLE} per proof: narrow it (from/to), or prove pages of events`);
  }
  return context.proofs.inclusionOf(ids);
}
