/** The GraphQL API on graphql-yoga: schema, resolvers, auth context, errors with stable codes. */
import { GraphQLError } from 'graphql';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { createGraphQLError, createSchema, createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import { LedgerError } from '../errors.js';
import { buildContext, type ApiContext, type ApiServices } from './context.js';
import { createApiKey, recordEvents } from './resolvers/mutations.js';
import { events } from './resolvers/events.js';
import { authorizeQuery, complianceReport, incidentImpact, ingestStatus, ledgerHead, processingRegister } from './resolvers/reports.js';
import { subjectAccess } from './resolvers/subject-access.js';
import { typeDefs } from './schema/type-defs.js';

const EXAMPLE = `# Every request needs the header  {"Authorization": "Bearer <key>"}  (Headers tab below).
query Example {
  ledgerHead { position hash }
  subjectAccess(identifier: { kind: "email", value: "li.wei@example.cn" }) {
    subjectId erased purposes
    categories { category status purposes legalBases storage { system region } retainedUntil value }
    recipients { name kind region abroad categories }
    transfers { toRegion mechanism securityMeasures risks consentId }
    consents { consentId status purposes }
  }
}
`;

export function createApi(services: ApiServices, options: { graphiql?: boolean } = {}): YogaServerInstance<object, ApiContext> {
  return createYoga<object, ApiContext>({
    schema: createSchema<ApiContext>({
      typeDefs,
      resolvers: {
        DateTime: DateTimeResolver,
        JSON: JSONResolver,
        Query: { subjectAccess, processingRegister, complianceReport, incidentImpact, events, ledgerHead, ingestStatus, authorize: authorizeQuery },
        Mutation: { recordEvents, createApiKey },
      },
    }),
    context: ({ request }) => buildContext(services, request),
    graphiql: options.graphiql === false ? false : { title: 'personal-data-ledger', defaultQuery: EXAMPLE },
    // GraphiQL with its assets bundled: it works where the browser cannot reach a CDN.
    renderGraphiQL,
    landingPage: false,
    // Domain errors keep their message and stable code; anything else is masked.
    maskedErrors: {
      maskError(error, message, isDev) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof LedgerError) {
          return createGraphQLError(original.message, { extensions: { code: original.code } });
        }
        return maskError(error, message, isDev);
      },
    },
  });
}
