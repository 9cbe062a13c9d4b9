/** Per request: who is asking (from the bearer key) and what they may do. */
import { createGraphQLError } from 'graphql-yoga';
import { ForbiddenError } from '../errors.js';
import type { OpenedLedger } from '../ledger/open-ledger.js';
import type { ReadModels } from '../../projections/queries.js';
import type { IngestStatus } from '../ingest/kafka-ingest.js';
import type { ApiKeys, Principal } from './auth/api-keys.js';
import { may, type Permission } from './auth/roles.js';

export interface ApiServices {
  readonly opened: OpenedLedger;
  readonly readModels: ReadModels;
  readonly apiKeys: ApiKeys;
  readonly now?: () => Date;
  /** Present when the server runs the Kafka consumer itself (`pdl serve --kafka`). */
  readonly ingest?: { status(): IngestStatus };
}

export interface ApiContext extends ApiServices {
  readonly principal: Principal;
  require(permission: Permission): void;
  may(permission: Permission): boolean;
}

function unauthenticated(message: string): Error {
  return createGraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="pdl"' } } },
  });
}

export function buildContext(services: ApiServices, request: Request): ApiContext {
  const header = request.headers.get('authorization');
  if (!header) throw unauthenticated('missing Authorization: Bearer <key> (see the server start message for the admin key)');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const principal = match ? services.apiKeys.authenticate(match[1]!) : null;
  if (!principal) throw unauthenticated('unknown API key');
  return {
    ...services,
    principal,
    may: (permission) => may(principal.role, permission),
    require(permission) {
      if (!may(principal.role, permission)) throw new ForbiddenError(`role ${principal.role} may not ${permission}`);
    },
  };
}
