/**
 * The DPO console (README "The console"): sign in with an API key (kept for this tab only), then
 * Subjects, Requests, Orders, Compliance, Incidents, Register, Events and Proof — each a page over the GraphQL API,
 * shown as the key's role allows. Hash routes, so the server serves one page.
 */
import { ApiError, session, whoAmI, type Me } from './api.js';
import { h } from './dom.js';
import * as pages from './pages.js';
import { ordersPage } from './orders-page.js';

const app = document.getElementById('app')!;
const SECTIONS: [string, string][] = [['#/subjects', 'Subjects'], ['#/requests', 'Requests'], ['#/orders', 'Orders'], ['#/compliance', 'Compliance'], ['#/incidents', 'Incidents'], ['#/register', 'Register'], ['#/events', 'Events'], ['#/proof', 'Proof']];

function signInPage(message?: string): void {
  const input = h('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', required: true }) as HTMLInputElement;
  const error = h('p', { class: 'error', role: 'alert' }, message ?? '');
  const form = h('form', { onsubmit: (event) => {
    event.preventDefault();
    void whoAmI(input.value.trim()).then(() => {
      session.signIn(input.value.trim());
      if (!location.hash || location.hash === '#/') location.hash = '#/subjects';
      void render();
    }, (failure: unknown) => {
      error.textContent = failure instanceof ApiError ? failure.message : 'The server could not be reached.';
    });
  } },
  h('label', { for: 'api-key' }, 'API key'), input, ' ', h('button', { type: 'submit' }, 'Sign in'), error);
  app.replaceChildren(h('main', { class: 'signin' }, h('h1', {}, 'personal-data-ledger'),
    h('p', {}, 'Sign in with an API key. It is kept for this tab only; your role decides what you see.'), form));
}

function shell(me: Me, content: HTMLElement): HTMLElement {
  const current = `#/${location.hash.split('?')[0]!.split('/')[1] ?? ''}`;
  return h('div', {},
    h('header', {}, h('strong', {}, 'personal-data-ledger'),
      h('nav', { 'aria-label': 'Sections' }, h('ul', {}, SECTIONS.map(([href, name]) =>
        h('li', {}, h('a', { href, 'aria-current': href === current ? 'page' : undefined }, name))))),
      h('span', { class: 'muted' }, `signed in as ${me.role} (key ${me.keyId})`),
      h('button', { type: 'button', class: 'secondary', onclick: () => { session.signOut(); signInPage(); } }, 'Sign out')),
    h('main', {}, content));
}

async function page(me: Me, route: string[], query: URLSearchParams): Promise<HTMLElement> {
  const [section, a] = route.map((part) => decodeURIComponent(part));
  switch (section) {
    case 'subject': return pages.subjectPage(me, a ?? '');
    case 'compliance': return pages.compliancePage(query);
    case 'requests': return pages.requestsPage(me, query.get('status') ?? '', Math.max(0, Number.parseInt(query.get('offset') ?? '0', 10) || 0));
    case 'orders': return ordersPage(me, query);
    case 'incidents': return pages.incidentsPage();
    case 'incident': return pages.incidentPage(a ?? '');
    case 'register': return pages.registerPage();
    case 'events': return pages.eventsPage(me, pages.eventsQueryOf(query), query.get('after'));
    case 'event': return pages.eventPage(a ?? '');
    case 'proof': return pages.proofPage();
    default: return pages.subjectsPage(me, a ?? '', query.get('after'));
  }
}

// Renders overlap when the address changes during a fetch: only the latest may place its page.
let latest = 0;

async function render(): Promise<void> {
  const mine = ++latest;
  if (!session.key) return signInPage();
  let me: Me;
  try {
    me = await whoAmI();
  } catch (failure) {
    session.signOut();
    return signInPage(failure instanceof ApiError ? failure.message : 'The server could not be reached.');
  }
  const [path, search] = location.hash.replace(/^#\/?/, '').split('?', 2) as [string, string | undefined];
  const route = path.split('/');
  const query = new URLSearchParams(search ?? '');
  let content: HTMLElement;
  try {
    content = await page(me, route, query);
  } catch (failure) {
    content = h('section', {}, h('h1', {}, 'Could not load this page'), h('p', { class: 'error', role: 'alert' }, failure instanceof Error ? failure.message : String(failure)));
  }
  if (mine !== latest) return;
  app.replaceChildren(shell(me, content));
  document.title = `${content.querySelector('h1')?.textContent ?? 'console'} — personal-data-ledger`;
}

window.addEventListener('hashchange', () => void render());
void render();
