/**
 * Bounds on what one GraphQL operation may ask, checked before anything runs: tokens (at parse
 * time, so a huge document is refused before it is even built), depth, aliases, directives, root
 * fields and an estimated cost — graphql-armor's rules, plus a root-field count of our own.
 * Every refusal carries the stable code OPERATION_LIMIT. Field suggestions ("Did you mean …?")
 * are never given: they enumerate the schema.
 */
import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';

export const OPERATION_LIMITS = {
  tokens: 2_000,
  depth: 12,
  aliases: 15,
  directives: 10,
  rootFields: 10,
  cost: 5_000,
} as const;

export const OPERATION_LIMIT_CODE = 'OPERATION_LIMIT';

/** Marks an armor refusal with our code (armor gives none); the message already says which limit. */
const mark = (_: ValidationContext | null, error: GraphQLError): void => {
  Object.assign(error.extensions, { code: OPERATION_LIMIT_CODE });
};

export function operationLimitPlugins(): Plugin[] {
  const onReject = [mark];
  return [
    maxTokensPlugin({ n: OPERATION_LIMITS.tokens, onReject }),
    maxDepthPlugin({ n: OPERATION_LIMITS.depth, flattenFragments: true, onReject }),
    maxAliasesPlugin({ n: OPERATION_LIMITS.aliases, onReject }),
    maxDirectivesPlugin({ n: OPERATION_LIMITS.directives, onReject }),
    costLimitPlugin({ maxCost: OPERATION_LIMITS.cost, onReject }),
    blockFieldSuggestionsPlugin(),
    { onValidate: ({ addValidationRule }) => addValidationRule(maxRootFieldsRule(OPERATION_LIMITS.rootFields)) },
  ];
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
