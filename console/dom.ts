/** A few DOM helpers: elements built from data with text nodes only (never HTML strings), so no value can inject markup. */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | boolean | ((event: Event) => void) | undefined>;

export function h(tag: string, attributes: Attributes = {}, ...children: (Child | Child[])[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return element;
}

export { day } from '../services/export/text.js';

export function table(caption: string, headers: string[], rows: Child[][], empty = 'None.'): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, `${caption}: ${empty}`);
  // Wrapped so that a wide table scrolls within itself on a narrow screen, never the page (focusable, so a keyboard scrolls it too).
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption }, h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, row.map((cell) => h('td', {}, cell)))))));
}

export const link = (href: string, text: string, attributes: Attributes = {}) => h('a', { href, ...attributes }, text);
