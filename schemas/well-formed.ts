/**
 * Checks made on the raw input before the schema: every string (keys included) is well-formed
 * Unicode — a lone UTF-16 surrogate cannot be canonicalised (RFC 8785) or stored as UTF-8 — and no
 * key is `__proto__`, which JSON.parse keeps as an own key but object schemas silently drop.
 */
import type { FieldError } from './field-error.js';

const MAX_DEPTH = 32;
/** In `u` mode a surrogate pair is one code point: this matches only a surrogate that stands alone. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

export function wellFormedProblems(input: unknown, formatPath: (path: readonly PropertyKey[]) => string): FieldError[] {
  const problems: FieldError[] = [];
  const walk = (value: unknown, path: PropertyKey[]): void => {
    if (typeof value === 'string') {
      if (!isWellFormed(value)) problems.push({ path: formatPath(path), message: 'not well-formed Unicode (a lone UTF-16 surrogate)' });
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (path.length >= MAX_DEPTH) {
      problems.push({ path: formatPath(path), message: `nested deeper than ${MAX_DEPTH} levels` });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, i]));
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      if (!isWellFormed(key)) {
        problems.push({ path: formatPath(path), message: 'a field name is not well-formed Unicode (a lone UTF-16 surrogate)' });
        continue;
      }
      if (key === '__proto__') {
        problems.push({ path: formatPath([...path, key]), message: 'reserved field name' });
        continue;
      }
      walk(item, [...path, key]);
    }
  };
  walk(input, []);
  return problems;
}
