/** `events`: the forensics timeline across the whole ledger. */
import type { EventFilter } from '../../../projections/queries.js';
import { EVENT_TYPES } from '../../../schemas/event.js';
import { deletionReasons } from '../../../schemas/taxonomy.js';
import type { ApiContext } from '../context.js';
import { toIso } from './dates.js';
import { eventConnection } from './event-connection.js';

export function events(_: unknown, args: { filter?: EventFilter | null; first?: number | null; after?: string | null; newest?: boolean | null }, context: ApiContext) {
  context.require('events');
  const filter = args.filter ?? {};
  return eventConnection(context, { ...filter, from: toIso(filter.from, 'start'), to: toIso(filter.to, 'end') }, args.first, args.after, 'events', args.newest === true);
}

/** The taxonomy's deletion reasons, for a form to offer (no personal data: any signed-in role). */
export function deletionReasonTerms(): { term: string; label: string }[] {
  return Object.entries(deletionReasons).map(([term, { label }]) => ({ term, label }));
}

/** The contract's event types, for a filter to offer (no personal data: any signed-in role). */
export function eventTypes(): readonly string[] {
  return EVENT_TYPES;
}
