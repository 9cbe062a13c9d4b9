/**
 * Read-your-writes over the API (README "Read your writes"). A write answers with the position it
 * reached (`recordEvents { position }`); a request that must see it sends that position in the
 * `PDL-At-Least` header, and waits — once, before any of its fields is resolved, a bounded time —
 * until the read models have applied it. A header rather than an argument on each query: the
 * position is a property of the request, not of one field, so every query, those added later
 * included, honours it with no field left to forget, an operation of several fields waits once,
 * and the console sets it in its one door (console/api.ts). Session tokens in headers are how
 * other stores give the same guarantee (Azure Cosmos DB's `x-ms-session-token`).
 */
import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { ReadModelsBehindError, ValidationError } from '../errors.js';
import type { ReadModelsClock } from '../projector/read-models-clock.js';

/** The request header a read names the position it must see in (lower case: as fetch's Headers give it). */
export const AT_LEAST_HEADER = 'pdl-at-least';

/** A position is an event count: positive, and well inside what a JSON number holds exactly. */
const POSITION = /^\d{1,15}$/;

/** The position a request asks to see at least; null when it asks for none. */
export function atLeastOf(header: string | null): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (!POSITION.test(trimmed)) throw new ValidationError('PDL-At-Least: give a log position, a whole number (the position a write answered with)');
  return Number(trimmed);
}

/** Waits until the read models hold what the request asks to see; nothing to wait for without the header. */
export async function readAtLeast(clock: Pick<ReadModelsClock, 'reach'>, header: string | null): Promise<void> {
  const atLeast = atLeastOf(header);
  if (atLeast !== null && atLeast > 0) await clock.reach(atLeast);
}

/**
 * The answer to a read the read models could not serve in time: 503 with Retry-After (the position
 * is usually moments away), and in the extensions every figure a client needs to decide.
 */
export function readModelsBehind(error: ReadModelsBehindError, located: { path?: GraphQLError['path']; nodes?: GraphQLError['nodes'] } = {}): GraphQLError {
  return createGraphQLError(error.message, {
    ...located,
    extensions: {
      code: error.code, atLeast: error.atLeast, position: error.position, behind: error.behind, head: error.head, waitedMs: error.waitedMs,
      http: { status: 503, headers: { 'Retry-After': '1' } },
    },
  });
}
