/** `events`: the forensics timeline across the whole ledger. */
import type { EventFilter } from '../../../projections/queries.js';
import type { ApiContext } from '../context.js';
import { toIso } from './dates.js';
import { eventConnection } from './event-connection.js';

export function events(_: unknown, args: { filter?: EventFilter | null; first?: number | null; after?: string | null }, context: ApiContext) {
  context.require('events');
  const filter = args.filter ?? {};
  return eventConnection(context, { ...filter, from: toIso(filter.from, 'start'), to: toIso(filter.to, 'end') }, args.first, args.after, 'events');
}
