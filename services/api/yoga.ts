/** The GraphQL API on graphql-yoga: schema, resolvers, auth context, errors with stable codes. */
import { GraphQLError } from 'graphql';
import { JSONResolver } from 'graphql-scalars';
import { createGraphQLError, createSchema, createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { boundMessage } from '../../schemas/event.js';
import { LedgerError, RateLimitedError, ReadModelsBehindError } from '../errors.js';
import { readModelsBehind } from './read-your-writes.js';
import { buildContext, type ApiContext, type ApiServices, type ServerContext } from './context.js';
import { operationLimitPlugins } from './operation-limits.js';
import { readAuditPlugin } from './audit/audit-plugin.js';
import { apiKeys, createApiKey, recordEvents, revokeApiKey } from './resolvers/mutations.js';
import { deletionReasonTerms, events, eventTypes } from './resolvers/events.js';
import { refusalReasonTerms, requestKindTerms, requestsInbox } from './resolvers/requests.js';
import { DateTime } from './resolvers/dates.js';
import { authorizeQuery, complianceReport, incidentImpact, ingestStatus, keyStatus, ledgerHead, processingDriftQuery, processingRegister } from './resolvers/reports.js';
import { subjectAccess } from './resolvers/subject-access.js';
import { checkpoint, consistencyProof } from './resolvers/proofs.js';
import * as browse from './resolvers/browse.js';
import { confirmDeletionOrder, DeletionOrderFields, deletionOrders } from './resolvers/orders.js';
import { typeDefs } from './schema/type-defs.js';

export interface ApiOptions {
  /** The one origin allowed to call from a browser; none: no CORS headers at all. */
  readonly cors?: string;
  readonly log?: Pick<Logger, 'warn' | 'error'>;
  /** Told the stable code of every domain error answered (metrics). */
  readonly onError?: (code: string) => void;
}

export function createApi(services: ApiServices, options: ApiOptions = {}): YogaServerInstance<ServerContext, ApiContext> {
  return createYoga<ServerContext, ApiContext>({
    schema: createSchema<ApiContext>({
      typeDefs,
      resolvers: {
        DateTime,
        JSON: JSONResolver,
        Query: { subjectAccess, keyStatus, processingRegister, processingDrift: processingDriftQuery, complianceReport, incidentImpact, events, eventTypes, deletionReasons: deletionReasonTerms, requestKinds: requestKindTerms, refusalReasons: refusalReasonTerms, requests: requestsInbox, ledgerHead, checkpoint, consistencyProof, ingestStatus, apiKeys, authorize: authorizeQuery,
          subjects: browse.subjects, incidents: browse.incidents, legalRequests: browse.legalRequests, subjectRequests: browse.subjectRequests,
          event: browse.event, verify: browse.verify, exportSubject: browse.exportSubject, me: browse.me, deletionOrders },
        Mutation: { recordEvents, createApiKey, revokeApiKey, confirmDeletionOrder },
        DeletionOrder: DeletionOrderFields,
      },
    }),
    context: ({ request, principal, ticket }) => buildContext(services, request, { principal, ticket }),
    plugins: [...operationLimitPlugins(options.onError), readAuditPlugin()],
    cors: options.cors ? { origin: options.cors, credentials: false, methods: ['GET', 'POST'] } : false,
    logging: yogaLog(options.log),
    // GraphiQL is served by the HTTP server (graphiql-page.ts): assets of its own, headers never persisted unasked.
    graphiql: false,
    landingPage: false,
    // Domain errors keep their message and stable code; anything else is masked.
    maskedErrors: {
      maskError(error, message, isDev) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof LedgerError) options.onError?.(original.code);
        // Where it failed stays said: a client keeps the rest of an answer when one nullable field fails (the console, a proof).
        const located = error instanceof GraphQLError ? { path: error.path, nodes: error.nodes } : {};
        if (original instanceof RateLimitedError) {
          return createGraphQLError(original.message, {
            ...located, extensions: { code: original.code, retryAfterSeconds: original.retryAfterSeconds },
          });
        }
        if (original instanceof ReadModelsBehindError) return readModelsBehind(original, located);
        if (original instanceof LedgerError) {
          // Bounded: a message may quote input, and input can be megabytes.
          return createGraphQLError(boundMessage(original.message), { ...located, extensions: { code: original.code } });
        }
        return maskError(error, message, isDev);
      },
    },
  });
}

/**
 * yoga's own log lines, as JSON through our logger: client errors (bad queries, FORBIDDEN,
 * VALIDATION) are the caller's business and are not logged; what is logged carries the error's
 * name and a bounded message, never a stack or the echoed input of a client error.
 */
function yogaLog(log: Pick<Logger, 'warn' | 'error'> | undefined) {
  const silent = () => undefined;
  if (!log) return { debug: silent, info: silent, warn: silent, error: silent };
  const describe = (args: unknown[]) => args.map((arg) => (arg instanceof Error
    ? { name: arg.name, message: boundMessage(arg.message), ...(arg instanceof GraphQLError ? {} : { stack: arg.stack?.split('\n').slice(0, 6).join('\n') }) }
    : typeof arg === 'string' ? boundMessage(arg) : typeof arg));
  const isClientError = (args: unknown[]) => args.every((arg) => !(arg instanceof Error) || (arg instanceof GraphQLError && (arg.originalError === undefined || arg.originalError instanceof LedgerError)));
  return {
    debug: silent,
    info: silent,
    warn: (...args: unknown[]) => log.warn({ graphql: describe(args) }, 'graphql'),
    error: (...args: unknown[]) => {
      if (!isClientError(args)) log.error({ graphql: describe(args) }, 'graphql error');
    },
  };
}
