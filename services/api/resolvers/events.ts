/** `events`: the forensics timeline across the whole ledger. */
import type { EventFilter } from '../../../projections/queries.js';
import type { ApiContext } from '../context.js';
import { eventConnection } from './event-connection.js';

export function events(_: unknown, args: { filter?: EventFilter | null; first?: number | null; after?: string | null }, context: ApiContext) {
  context.require('events');
  return eventConnection(context, args.filter ?? {}, args.first, args.after);
}
