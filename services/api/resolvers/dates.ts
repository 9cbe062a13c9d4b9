/** The DateTime scalar hands resolvers Date objects; read models compare ISO 8601 strings. */
export const toIso = (value: unknown): string | null =>
  value instanceof Date ? value.toISOString() : typeof value === 'string' ? new Date(value).toISOString() : null;
