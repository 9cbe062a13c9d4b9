/**
 * What one operation may cost, with page sizes as they will run: `first`/`last` from a literal, a
 * variable (its value, else its default) or the schema's default. graphql-armor's cost rule reads
 * literals only — a validation rule never sees variables, and yoga caches validation per document —
 * so `events(first: $n)` with n = 500 was costed as one item. This runs at execution, when the
 * variables are known, before any resolver.
 *
 * Two figures: `items`, the list entries the operation's pages may hold together (a page of 500
 * nested in a page of 10 is 5,000), and `cost`, every field counted once per item it may be repeated
 * for. Lists without a size (a subject's categories) count as one: their length is the data's.
 */
import {
  getNullableType, GraphQLInt, isListType, Kind, TypeInfo, visit, visitWithTypeInfo, valueFromAST,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLSchema, type OperationDefinitionNode,
  type SelectionSetNode, type ValueNode,
} from 'graphql';

export interface OperationCost {
  readonly cost: number;
  readonly items: number;
}

type Variables = Readonly<Record<string, unknown>> | null | undefined;

export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Variables): OperationCost {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return { cost: 0, items: 0 };
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const defaults = new Map(operation.variableDefinitions?.map((v) => [v.variable.name.value, v.defaultValue]) ?? []);
  const fields = fieldDefinitions(schema, document);

  /** The page size a field asks for, however given; null: the field takes no page size. */
  const pageSize = (node: FieldNode): number | null => {
    const sized = fields.get(node)?.args.find((a) => a.name === 'first' || a.name === 'last');
    if (!sized) return null;
    const given = node.arguments?.find((a) => a.name.value === sized.name)?.value;
    const value = given === undefined ? sized.defaultValue : valueOf(given);
    // null (or a value that will not coerce) runs as the resolver's default, which the schema declares.
    if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
    return typeof sized.defaultValue === 'number' ? sized.defaultValue : 1;
  };
  const valueOf = (node: ValueNode): unknown => {
    if (node.kind !== Kind.VARIABLE) return valueFromAST(node, GraphQLInt);
    const name = node.name.value;
    if (variables && Object.hasOwn(variables, name)) return variables[name];
    const fallback = defaults.get(name);
    return fallback ? valueFromAST(fallback, GraphQLInt) : undefined;
  };

  // A fragment costs the same wherever it is spread with the same page size: worked out once, so
  // fragments spreading fragments twice over cannot make this walk exponential.
  const fragmentCosts = new Map<string, OperationCost>();
  /** One appearance of a selection; `page`: the size a connection was asked for, which its list takes. */
  const once = (selectionSet: SelectionSetNode, page: number | null, path: ReadonlySet<string>): OperationCost => {
    let cost = 0;
    let items = 0;
    const add = (times: number, part: OperationCost) => {
      cost += times * part.cost;
      items += times * part.items;
    };
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) add(1, once(selection.selectionSet, page, path));
      else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A fragment spread within itself is refused by validation; never followed around a cycle here.
        if (!fragment || path.has(name)) continue;
        const key = `${name}\u0000${page}`;
        const known = fragmentCosts.get(key) ?? once(fragment.selectionSet, page, new Set([...path, name]));
        fragmentCosts.set(key, known);
        add(1, known);
      } else {
        cost += 1;
        const definition = fields.get(selection);
        const size = pageSize(selection);
        if (size !== null) items += size;
        const isList = definition !== undefined && isListType(getNullableType(definition.type));
        // A list takes its own size, or its connection's; the connection itself is one object.
        if (selection.selectionSet) add(isList ? size ?? page ?? 1 : 1, once(selection.selectionSet, isList ? null : size, path));
      }
    }
    return { cost, items };
  };
  return once(operation.selectionSet, null, new Set());
}

/** Every field of the document with its definition in the schema (fragments' fields too). */
function fieldDefinitions(schema: GraphQLSchema, document: DocumentNode): Map<FieldNode, GraphQLField<unknown, unknown>> {
  const found = new Map<FieldNode, GraphQLField<unknown, unknown>>();
  const typeInfo = new TypeInfo(schema);
  visit(document, visitWithTypeInfo(typeInfo, {
    Field(node) {
      const definition = typeInfo.getFieldDef();
      if (definition) found.set(node, definition);
    },
  }));
  return found;
}
