/**
 * The DateTime scalar: graphql-scalars' (RFC 3339 date-times, Date objects to resolvers, ISO 8601 out),
 * and on input a date alone too (2026-12-31), handed to resolvers as written — which end of that UTC
 * day it means depends on the argument, by the one rule of schemas/report-period.ts.
 */
import { GraphQLScalarType, Kind } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { instantOf, isDay, type DayEdge } from '../../../schemas/report-period.js';

export const DATE_TIME_DESCRIPTION = 'An ISO 8601 date-time in UTC. As an argument, a date alone (2026-12-31) is a whole UTC day: '
  + 'a period\'s from starts at its first millisecond; to, asOf and knownAt end at its last (23:59:59.999Z).';

export const DateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  description: DATE_TIME_DESCRIPTION,
  parseValue: (value) => (typeof value === 'string' && isDay(value) ? value : DateTimeResolver.parseValue(value)),
  parseLiteral: (ast, variables) => (ast.kind === Kind.STRING && isDay(ast.value) ? ast.value : DateTimeResolver.parseLiteral(ast, variables)),
});

/** A DateTime argument as the scalar gave it, as text: an instant, or a date alone. */
export const asText = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : null);

/** A DateTime argument as an ISO 8601 instant (read models compare those strings); a date alone at `edge` of its day. */
export const toIso = (value: unknown, edge: DayEdge): string | null => {
  const text = asText(value);
  return text === null ? null : instantOf(text, edge);
};
