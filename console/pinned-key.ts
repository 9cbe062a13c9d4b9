/**
 * The verifier key this browser pinned: the one the operator publishes, entered by the user. A
 * proof checked with the key the server sends along would only show that the server agrees with
 * itself, so the console checks proofs with this key, and only this one. It is public, not
 * secret: kept in localStorage (per console address), across tabs and sessions, until unpinned.
 */
import { h, link } from './dom.js';
import { parseVerifierKey, verifyInclusionBundle, type InclusionBundle } from '../services/proofs/verifier/verify-proof.js';

const KEY = 'pdl.pinnedVerifierKey';

export const pinnedKey = {
  get(): string | null {
    return localStorage.getItem(KEY);
  },
  /** Refuses (throws) what is not a verifier key, before keeping it. */
  async pin(text: string): Promise<void> {
    await parseVerifierKey(text);
    localStorage.setItem(KEY, text);
  },
  unpin(): void {
    localStorage.removeItem(KEY);
  },
};

/** `<name>+<key hash>`: the key's C2SP key hash, which names it in every checkpoint's signature line. */
export const keyId = (verifierKey: string): string => verifierKey.split('+').slice(0, 2).join('+');

const howToPin = () => ['Pin the verifier key the operator publishes on the ', link('#/proof', 'Proof page'), '.'];

/** The C2SP key hash of a verifier key: its fingerprint, 8 hex digits, what the operator publishes beside the key. */
export const fingerprintOf = (verifierKey: string): string => verifierKey.split('+')[1] ?? '';

/**
 * What a person should do when a proof fails here: the page's answers are not vouched for, and
 * which of three things happened (another key pinned, the operator changed keys, the ledger no
 * longer matches what its key signed) is settled away from this server.
 */
function whatToDo(pinned: string | null): HTMLElement {
  return h('div', { class: 'guidance' },
    h('p', {}, h('strong', {}, 'What to do: '), 'do not rely on the answers on this page until a check passes.'),
    h('ol', {},
      pinned
        ? h('li', {}, `Compare the fingerprint of the key pinned in this browser, ${fingerprintOf(pinned)} (${keyId(pinned)}), with the one the operator publishes, ` +
          'through a channel this server does not control (their website, a signed report, a phone call). If the operator published another key, pin that one on the ',
        link('#/proof', 'Proof page'), '.')
        : h('li', {}, ...howToPin(), ' Compare its fingerprint with the one the operator publishes, through a channel this server does not control.'),
      h('li', {}, 'If the fingerprints agree, the ledger this server answers from does not match what its key signed: ask the operator to run ',
        h('code', {}, `pdl verify --key '${pinned ?? '<the published key>'}'`), ' on the ledger (or run it yourself on a copy): it names the first altered event.'),
      h('li', {}, 'Report it to the operator\'s data protection officer or security contact, with the subject, the time and this message.')));
}

/** The server gave no proof of the answer (it refuses to sign a tree that does not hold its own checkpoints): a failure, never a pass. */
export function proofRefused(message: string): HTMLElement {
  return h('div', {}, h('span', { class: 'error' }, `Proof failed: the server gave no proof of this answer — ${message}`), whatToDo(pinnedKey.get()));
}

/** The subject page's line about its proof: checked against the pinned key, or why it cannot be — and, on a failure, what to do. */
export async function proofStatus(proof: InclusionBundle, served: { verifierKey: string; origin: string }): Promise<HTMLElement> {
  const pinned = pinnedKey.get();
  if (!pinned) {
    return h('span', {}, 'Proof not checked: no verifier key is pinned in this browser, so this page cannot vouch for the proof ' +
      '(a key sent by the server along with its answer proves nothing about the server). ', ...howToPin());
  }
  if (pinned !== served.verifierKey) {
    return h('div', {}, h('span', { class: 'error' }, `Proof failed: this server signs with ${keyId(served.verifierKey)}, not with the key pinned in this browser ` +
      `(${keyId(pinned)}). Either the operator changed keys or this is not the ledger you pinned.`), whatToDo(pinned));
  }
  const report = await verifyInclusionBundle(proof, { verifierKey: pinned });
  return report.ok
    ? h('span', { class: 'ok' }, `Proof checked with the pinned key ${keyId(pinned)}: all ${report.entries.length} events are in the ledger signed by ${report.checkpoint!.origin}.`)
    : h('div', {}, h('span', { class: 'error' }, `Proof failed: these answers are not what the pinned key ${keyId(pinned)} signed — ${report.problems[0] ?? 'the bundle does not verify'}` +
      `${report.problems.length > 1 ? ` (and ${report.problems.length - 1} more problems)` : ''}.`), whatToDo(pinned));
}

/** The Proof page's section: the key pinned (with its key hash), whether this server signs with it, and the form to pin another. */
export function pinnedKeySection(served: string, redraw: () => void): HTMLElement {
  const pinned = pinnedKey.get();
  const input = h('input', { id: 'pin-key', name: 'pin-key', autocomplete: 'off', spellcheck: 'false', size: '70' }) as HTMLInputElement;
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { onsubmit: (event) => {
    event.preventDefault();
    pinnedKey.pin(input.value.trim()).then(redraw, (failure: unknown) => {
      error.textContent = `Not pinned: ${failure instanceof Error ? failure.message : String(failure)}`;
    });
  } }, h('label', { for: 'pin-key' }, 'Verifier key to pin'), input, ' ', h('button', { type: 'submit' }, 'Pin this key'), error);
  const state = !pinned
    ? h('p', {}, 'No verifier key is pinned in this browser: proofs are not checked. ')
    : h('div', {},
      h('p', {}, 'Pinned in this browser: ', h('span', { class: 'mono' }, pinned)),
      h('p', {}, `Key hash ${fingerprintOf(pinned)} (origin ${keyId(pinned).split('+')[0]}). `,
        pinned === served ? h('span', { class: 'ok' }, 'This server signs with it.')
          : h('span', { class: 'error' }, `This server signs with another key (${keyId(served)}): its proofs fail here.`)),
      h('button', { type: 'button', class: 'secondary', onclick: () => { pinnedKey.unpin(); redraw(); } }, 'Unpin'));
  return h('section', { 'aria-labelledby': 'pinned-heading' },
    h('h2', { id: 'pinned-heading' }, 'Pinned verifier key'),
    h('p', {}, 'Proofs are checked in this browser against a key you pin: the one the operator publishes (their site, a report, ' +
      'or `pdl checkpoint --verifier-key` on the ledger\'s host), compared through a channel the operator does not control — ' +
      'not the key below, which this server sends itself. It is public, and kept in this browser until unpinned.'),
    state, form);
}
