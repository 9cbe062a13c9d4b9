/** Per request: who is asking (from the bearer key) and what they may do. */
import { createGraphQLError } from 'graphql-yoga';
import { ForbiddenError } from '../errors.js';
import type { OpenedLedger } from '../ledger/open-ledger.js';
import type { ReadModels } from '../../projections/queries.js';
import type { IngestStatus } from '../ingest/kafka-ingest.js';
import type { ApiKeys, Principal } from './auth/api-keys.js';
import type { RateLimiter } from './auth/rate-limit.js';
import type { ViewRecorder } from './audit/view-recorder.js';
import { may, rolesThatMay, type Permission } from './auth/roles.js';

export interface ApiServices {
  readonly opened: OpenedLedger;
  readonly readModels: ReadModels;
  readonly apiKeys: ApiKeys;
  /** Records a DataViewed event whenever decrypted values are returned. */
  readonly views: ViewRecorder;
  /** Bounds identifier look-ups per key (they answer "is this value someone's?"). */
  readonly lookups: RateLimiter;
  /** The clock every resolver reads (tests set it). */
  readonly now: () => Date;
  /** Present when the server runs the Kafka consumer itself (`pdl serve --kafka`). */
  readonly ingest?: { status(): IngestStatus };
}

/** What the HTTP server found out before GraphQL saw the request. */
export interface ServerContext {
  readonly principal?: Principal;
}

export interface ApiContext extends ApiServices {
  readonly principal: Principal;
  require(permission: Permission): void;
  may(permission: Permission): boolean;
}

export function unauthenticated(message: string): Error {
  return createGraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="pdl"' } } },
  });
}

/** The principal of an `Authorization: Bearer <key>` header, or why there is none. */
export function authenticate(apiKeys: ApiKeys, header: string | null | undefined): { principal: Principal } | { error: string } {
  if (!header) return { error: 'missing Authorization: Bearer <key> (see the server start message for the admin key)' };
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const principal = match ? apiKeys.authenticate(match[1]!) : null;
  return principal ? { principal } : { error: 'unknown API key' };
}

export function buildContext(services: ApiServices, request: Request, server: ServerContext = {}): ApiContext {
  let principal = server.principal;
  if (!principal) {
    const found = authenticate(services.apiKeys, request.headers.get('authorization'));
    if ('error' in found) throw unauthenticated(found.error);
    principal = found.principal;
  }
  const role = principal.role;
  return {
    ...services,
    principal,
    may: (permission) => may(role, permission),
    require(permission) {
      if (!may(role, permission)) throw new ForbiddenError(`role ${role} may not ${permission} (${rolesThatMay(permission)} may)`);
    },
  };
}
