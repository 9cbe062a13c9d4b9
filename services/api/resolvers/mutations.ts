/** Writes: recording events, creating and revoking API keys. */
import { ValidationError } from '../../errors.js';
import { rolesThatMay, type Role } from '../auth/roles.js';
import type { ApiContext } from '../context.js';
import { ID_TAKEN } from '../../ledger/ledger.js';

/** Bigger batches belong on Kafka or `pdl record`. */
export const MAX_BATCH = 10_000;

export async function recordEvents(_: unknown, args: { events: unknown[] }, context: ApiContext) {
  context.require('recordEvents');
  if (args.events.length > MAX_BATCH) throw new ValidationError(`at most ${MAX_BATCH} events per call (got ${args.events.length}); use Kafka or pdl record for more`);
  const privilegedRefusal = context.may('recordPrivileged') ? undefined : `needs the ${rolesThatMay('recordPrivileged')} role (this key is a ${context.principal.role}'s)`;
  const { keyId, role } = context.principal;
  // Ids found taken are counted per key like identifier look-ups: resubmitting one id with guessed
  // content is how sealed values would be guessed, and each answer, even "id taken", is a try.
  const taken = `${keyId}\u0000id-taken`;
  context.lookups.check(taken, 'events with ids already taken');
  const result = await context.record(args.events, { privilegedRefusal, chunkSize: API_APPEND_CHUNK, submitter: { kind: 'api-key', id: keyId, role } });
  context.lookups.spend(taken, result.rejected.filter((r) => r.reason === ID_TAKEN).length);
  return result;
}

/**
 * Events per transaction for a write that came in over the API, before other callers get a
 * turn: ~70 ms of work here. With 1,000 (the default, kept for bulk writers) a 5,000-event
 * recordEvents kept a small subjectAccess waiting up to 557 ms.
 */
const API_APPEND_CHUNK = 250;

export function createApiKey(_: unknown, args: { role: Role; label?: string | null }, context: ApiContext) {
  context.require('createApiKey');
  return context.apiKeys.create(args.role, args.label ?? null);
}

export function revokeApiKey(_: unknown, args: { id: string }, context: ApiContext) {
  context.require('manageApiKeys');
  return context.apiKeys.revoke(args.id);
}

export function apiKeys(_: unknown, __: unknown, context: ApiContext) {
  context.require('manageApiKeys');
  return context.apiKeys.list();
}
