/**
 * Bounds on what one GraphQL operation may ask, checked before anything runs: tokens (at parse
 * time, so a huge document is refused before it is even built), depth, aliases, directives and
 * root fields (graphql-armor's rules and one of ours), then — once the variables are known — its
 * cost and the events its pages may hold (operation-cost.ts), which also count against the key's
 * events in flight. Every refusal carries the stable code OPERATION_LIMIT (RATE_LIMITED when only
 * what else is running stands in the way). Field suggestions ("Did you mean …?") are never given:
 * they enumerate the schema.
 */
import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { Ticket } from './in-flight.js';
import { operationCost } from './operation-cost.js';

export const OPERATION_LIMITS = {
  tokens: 2_000,
  depth: 12,
  aliases: 15,
  directives: 10,
  rootFields: 10,
  /** Each field once per item it may repeat for: a page of 500 events with every field and its proof is ~9,500. */
  cost: 12_000,
  /** The events (list entries) all pages of one operation may hold together: one documented maximal page. */
  pageItems: 500,
} as const;

export const OPERATION_LIMIT_CODE = 'OPERATION_LIMIT';

/** Marks an armor refusal with our code (armor gives none); the message already says which limit. */
const mark = (_: ValidationContext | null, error: GraphQLError): void => {
  Object.assign(error.extensions, { code: OPERATION_LIMIT_CODE });
};

/** What the HTTP server hands an operation: its request's share of what is in flight (none in process). */
export interface InFlightContext {
  readonly ticket?: Ticket;
}

export function operationLimitPlugins(onRefused?: (code: string) => void): Plugin<InFlightContext>[] {
  const onReject = [mark];
  return [
    maxTokensPlugin({ n: OPERATION_LIMITS.tokens, onReject }),
    maxDepthPlugin({ n: OPERATION_LIMITS.depth, flattenFragments: true, onReject }),
    maxAliasesPlugin({ n: OPERATION_LIMITS.aliases, onReject }),
    maxDirectivesPlugin({ n: OPERATION_LIMITS.directives, onReject }),
    blockFieldSuggestionsPlugin(),
    { onValidate: ({ addValidationRule }) => addValidationRule(maxRootFieldsRule(OPERATION_LIMITS.rootFields)) },
    costAndPagesPlugin(onRefused),
  ];
}

/**
 * Cost and page items at execution, not validation: only then are the variables known (and yoga
 * caches a document's validation, whatever the variables). Nothing has run yet.
 */
function costAndPagesPlugin(onRefused?: (code: string) => void): Plugin<InFlightContext> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const refuse = (code: string, message: string, extensions: Record<string, unknown> = {}) => {
        onRefused?.(code);
        setResultAndStopExecution({ data: null, errors: [createGraphQLError(message, { extensions: { code, ...extensions } })] });
      };
      const { cost, items } = operationCost(args.schema, args.document, args.operationName, args.variableValues);
      if (cost > OPERATION_LIMITS.cost) {
        refuse(OPERATION_LIMIT_CODE, `Query Cost limit of ${OPERATION_LIMITS.cost} exceeded, found ${cost} (page sizes counted as given: literals, variables or defaults).`);
        return;
      }
      if (items > OPERATION_LIMITS.pageItems) {
        refuse(OPERATION_LIMIT_CODE, `Page items limit of ${OPERATION_LIMITS.pageItems} exceeded, found ${items}: the pages of one operation hold at most ${OPERATION_LIMITS.pageItems} entries together; ask for the next page after this one.`);
        return;
      }
      const refused = args.contextValue.ticket?.takeEvents(items);
      if (refused) {
        refuse('RATE_LIMITED', refused.message, { retryAfterSeconds: refused.retryAfterSeconds });
        return;
      }
      // Run in a turn of the loop of its own. Requests that arrived together are otherwise parsed and
      // run back to back in one turn, and a /health that came after them waited for all of them
      // (six maximal pages at once: 580 ms); now it is answered before any of them runs.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/** At most `limit` fields at the root of an operation, fragments included: each is a separate query. */
export function maxRootFieldsRule(limit: number) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const count = countRootFields(context, operation.selectionSet, new Set());
      if (count > limit) {
        context.reportError(new GraphQLError(`Syntax Error: Root fields limit of ${limit} exceeded, found ${count}.`, {
          nodes: [operation], extensions: { code: OPERATION_LIMIT_CODE },
        }));
      }
    },
  });
}

function countRootFields(context: ValidationContext, selectionSet: SelectionSetNode, seen: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count += 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += countRootFields(context, selection.selectionSet, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) count += countRootFields(context, fragment.selectionSet, seen);
    }
  }
  return count;
}
