/**
 * Text for a terminal: control characters (ESC, CR, BEL, …) shown as \u escapes, so that a
 * stored string can never move the cursor, recolour the screen or hide what precedes it.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export const printable = (text: string): string =>
  text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A JSON.parse failure, told by position only: its own message quotes the line, which may hold personal data. */
export function jsonErrorMessage(error: unknown): string {
  const at = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  return `not valid JSON${at ? ` (at character ${at})` : ''}`;
}
