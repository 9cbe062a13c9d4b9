/** The console's pages: each fetches what it shows and returns its content; the shell (main.ts) places it. */
import { gql, gqlAllowing, recordEvents, type Me } from './api.js';
import { day, h, link, table } from './dom.js';
import type { InclusionBundle } from '../services/proofs/verifier/verify-proof.js';
import { pinnedKeySection, proofRefused, proofStatus } from './pinned-key.js';
import { presetPeriod, type Preset } from '../schemas/report-period.js';

const ev = (id: string) => link(`#/event/${encodeURIComponent(id)}`, id.slice(0, 8), { title: id, class: 'mono short-id' });
const subjectLink = (id: string | null) => (id ? link(`#/subject/${encodeURIComponent(id)}`, id) : '—');

/** An e-mail or a phone number rather than an id: looked up, and never put in the address (nor the browser's history). */
const looksLikeIdentifier = (text: string) => /@/.test(text) || /^\+?[\d\s().-]{6,}$/.test(text);

type SubjectsFound = { subjects: { edges: { node: { subjectId: string; firstSeenAt: string; lastSeenAt: string; erased: boolean; events: number } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

async function findSubjects(search: string, after: string | null): Promise<SubjectsFound['subjects']> {
  return (await gql<SubjectsFound>(
    'query($s: String, $after: String) { subjects(search: $s, first: 100, after: $after) { edges { node { subjectId firstSeenAt lastSeenAt erased events } } pageInfo { hasNextPage endCursor } } }',
    { s: search, after })).subjects;
}

function subjectsTable(found: SubjectsFound['subjects'], next: HTMLElement | null): HTMLElement {
  const rows = found.edges.map(({ node }) => [subjectLink(node.subjectId), day(node.firstSeenAt), day(node.lastSeenAt), String(node.events), node.erased ? 'erased' : '']);
  return h('div', {}, table('Subjects found', ['subject', 'first seen', 'last seen', 'events', ''], rows, 'nobody matches.'), next);
}

export async function subjectsPage(me: Me, search: string, after: string | null = null): Promise<HTMLElement> {
  const input = h('input', { id: 'find', name: 'find', type: 'search', value: search, autocomplete: 'off' }) as HTMLInputElement;
  const results = h('div', {});
  const problem = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { role: 'search', onsubmit: (event) => {
    event.preventDefault();
    const typed = input.value.trim();
    problem.textContent = '';
    if (!looksLikeIdentifier(typed)) {
      location.hash = `#/subjects/${encodeURIComponent(typed)}`;
      return;
    }
    if (!me.mayLookUpIdentifiers) {
      problem.textContent = `Your role (${me.role}) may not look people up by e-mail or phone number: search by subject id, or ask a dpo.`;
      return;
    }
    // Looked up here and shown in place: the address keeps no identifier.
    void findSubjects(typed, null).then((found) => results.replaceChildren(subjectsTable(found, null)),
      (failure: unknown) => { problem.textContent = failure instanceof Error ? failure.message : String(failure); });
  } },
  h('label', { for: 'find' }, 'Find a subject'), input, ' ',
  h('span', { class: 'muted' }, me.mayLookUpIdentifiers ? 'an id, an id prefix, an e-mail or a phone number (Enter)' : 'an id or an id prefix (Enter)'), problem);
  if (!looksLikeIdentifier(search)) {
    const found = await findSubjects(search, after);
    const next = found.pageInfo.hasNextPage && found.pageInfo.endCursor
      ? link(`#/subjects/${encodeURIComponent(search)}?after=${encodeURIComponent(found.pageInfo.endCursor)}`, 'Next page') : null;
    results.replaceChildren(subjectsTable(found, next));
  }
  return h('section', {}, h('h1', {}, 'Subjects'), form, results);
}

interface SubjectAnswer {
  subjectAccess: null | {
    subjectId: string; erased: boolean; erasedAt: string | null; purposes: string[];
    categories: { category: string; label: string; status: string; purposes: string[]; legalBases: string[]; storage: { system: string; region: string }[]; retainedUntil: string | null; evidence: string[] }[];
    recipients: { name: string; kind: string; region: string; abroad: boolean; categories: string[] }[];
    consents: { consentId: string; status: string; purposes: string[]; withdrawals: { at: string }[] }[];
    requests: { requestId: string; kind: string | null; status: string; deadline: string | null; daysLeft: number | null }[];
    accessLog: { occurredAt: string; action: string; target: string; purpose: string | null; actor: { kind: string; id: string } }[];
    timeline: { edges: { node: { id: string; position: number; type: string; occurredAt: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    proof: InclusionBundle | null;
  };
  checkpoint: { verifierKey: string; origin: string };
}

export async function subjectPage(me: Me, subjectId: string): Promise<HTMLElement> {
  // The proof may fail alone (the server refuses to prove an answer its signed tree does not hold): the page says so.
  const { data: { subjectAccess: s, checkpoint }, failed } = await gqlAllowing<SubjectAnswer>(`query($id: ID) {
    subjectAccess(subjectId: $id) {
      subjectId erased erasedAt purposes
      categories { category label status purposes legalBases storage { system region } retainedUntil evidence }
      recipients { name kind region abroad categories }
      consents { consentId status purposes withdrawals { at } }
      requests { requestId kind status deadline daysLeft }
      accessLog { occurredAt action target purpose actor { kind id } }
      timeline(first: 50) { edges { node { id position type occurredAt } } pageInfo { hasNextPage endCursor } }
      proof
    }
    checkpoint { verifierKey origin } }`, { id: subjectId }, ['subjectAccess.proof']);
  if (!s) return h('section', {}, h('h1', {}, 'No such subject'), h('p', {}, `The ledger has not seen ${subjectId}.`));
  // A div: a failed check brings a list of what to do.
  const status = h('div', { role: 'status' }, s.proof ? 'Checking the proof in this browser…' : 'No events to prove.');
  const refused = failed['subjectAccess.proof'];
  if (refused !== undefined) status.replaceChildren(proofRefused(refused));
  else if (s.proof) void proofStatus(s.proof, checkpoint).then((line) => status.replaceChildren(line));
  const actions = h('p', {});
  // Polite live text, not a second role=status: the proof's status is the page's one.
  const said = h('p', { 'aria-live': 'polite', class: 'muted' });
  if (me.mayRevealValues) {
    actions.append(
      h('button', { type: 'button', class: 'secondary', onclick: () => void downloadPackage(s.subjectId, 'html', said) }, 'Download package (HTML)'), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => void downloadPackage(s.subjectId, 'json', said) }, 'Download package (JSON)'), ' ');
  }
  // Values stay masked until asked for: each reveal is a read the ledger records (DataViewed) before answering.
  const valueCells = new Map(s.categories.map((c) => [c.category, h('span', { class: 'muted' }, me.mayRevealValues ? (s.erased ? '—' : 'masked') : 'hidden for your role')]));
  const person = h('p', { class: 'person' });
  if (me.mayRevealValues && !s.erased && s.categories.length > 0) {
    actions.append(h('button', { type: 'button', class: 'secondary', onclick: (event) => {
      const button = event.currentTarget as HTMLButtonElement;
      button.disabled = true;
      void revealValues(s.subjectId, valueCells, person, said).finally(() => { button.disabled = false; });
    } }, 'Reveal values'), ' ');
  }
  const eraseForm = h('div', {});
  if (me.mayRecordPrivileged && !s.erased) {
    const request = s.requests.find((r) => r.kind === 'erasure' && r.status !== 'completed') ?? null;
    actions.append(h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false', onclick: (event) => {
      (event.currentTarget as HTMLElement).setAttribute('aria-expanded', 'true');
      void eraseQuestion(s.subjectId, me, request?.requestId ?? null).then((form) => eraseForm.replaceChildren(form));
    } }, 'Erase'));
  }
  return h('section', {},
    h('h1', {}, `Subject ${s.subjectId}`), person,
    h('p', {}, s.erased ? `Erased ${day(s.erasedAt)}: values can no longer be read.` : `Purposes: ${s.purposes.join(', ') || '—'}.`),
    actions, said, eraseForm, status,
    table('What is held', ['category', 'status', 'value', 'purposes', 'legal bases', 'stored in', 'kept until', 'evidence'],
      s.categories.map((c) => [c.label, c.status, valueCells.get(c.category)!, c.purposes.join(', '), c.legalBases.join(', '),
        c.storage.map((st) => `${st.system} [${st.region}]`).join(', '), day(c.retainedUntil), h('span', {}, c.evidence.slice(-3).flatMap((id) => [ev(id), ' ']))])),
    table('Recipients', ['recipient', 'kind', 'region', 'abroad', 'categories'], s.recipients.map((r) => [r.name, r.kind, r.region, r.abroad ? 'yes' : 'no', r.categories.join(', ')])),
    table('Consents', ['consent', 'status', 'purposes', 'withdrawn'], s.consents.map((c) => [c.consentId, c.status, c.purposes.join(', '), c.withdrawals.map((w) => day(w.at)).join(', ') || '—'])),
    table('Requests', ['request', 'kind', 'status', 'deadline', 'days left'], s.requests.map((r) => [r.requestId, r.kind ?? '—', r.status, day(r.deadline), r.daysLeft === null ? '—' : String(r.daysLeft)])),
    h('p', {}, link(`#/orders?status=all&subject=${encodeURIComponent(s.subjectId)}`, 'Deletion orders about this subject')),
    table('Who used or viewed the data', ['when', 'action', 'by', 'target', 'purpose'], s.accessLog.map((a) => [day(a.occurredAt), a.action, `${a.actor.kind}:${a.actor.id}`, a.target, a.purpose ?? '—'])),
    table('Timeline (first 50)', ['position', 'when', 'type', 'event'], s.timeline.edges.map(({ node }) => [String(node.position), node.occurredAt, node.type, ev(node.id)])),
    s.timeline.pageInfo.hasNextPage && s.timeline.pageInfo.endCursor
      ? link(eventsHref({ subjectId: s.subjectId }, s.timeline.pageInfo.endCursor), 'Next page of the timeline') : null,
  );
}

/** The subject's values, asked for now (a recorded read), into the table's cells, and who the person is: her e-mail and phone. */
async function revealValues(subjectId: string, cells: Map<string, HTMLElement>, person: HTMLElement, said: HTMLElement): Promise<void> {
  const { subjectAccess } = await gql<{ subjectAccess: { categories: { category: string; value: string | null }[] } | null }>(
    'query($id: ID) { subjectAccess(subjectId: $id) { categories { category value } } }', { id: subjectId });
  const values = new Map((subjectAccess?.categories ?? []).map((c) => [c.category, c.value]));
  for (const [category, cell] of cells) {
    cell.textContent = values.get(category) ?? '—';
    cell.classList.remove('muted');
  }
  const named = [['E-mail', values.get('contact.email')], ['phone', values.get('contact.phone')]].filter((pair): pair is [string, string] => typeof pair[1] === 'string');
  person.textContent = named.length > 0 ? named.map(([what, value]) => `${what} ${value}`).join(' · ') : '';
  said.textContent = 'Values shown; the ledger recorded that you read them.';
}

/** The package the subject is owed, as the readable page or as data; its download is recorded (a DataViewed) before it leaves the server. */
async function downloadPackage(subjectId: string, format: 'html' | 'json', said: HTMLElement): Promise<void> {
  const { exportSubject } = await gql<{ exportSubject: { json?: unknown; html?: string } | null }>(
    `query($id: ID!) { exportSubject(subjectId: $id) { ${format} } }`, { id: subjectId });
  if (!exportSubject) return;
  const body = format === 'html' ? exportSubject.html ?? '' : JSON.stringify(exportSubject.json, null, 2);
  const file = `${subjectId}.${format}`;
  const url = URL.createObjectURL(new Blob([body], { type: format === 'html' ? 'text/html' : 'application/json' }));
  h('a', { href: url, download: file }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  said.textContent = `Downloaded ${file}: the package, with its proof; the ledger recorded that it was read.`;
}

/**
 * Erasure, asked on the page — not a bare confirm(): the reason chosen from the taxonomy, and the
 * subject's open erasure request, if any, named; it is then completed with the erasure (fulfilled),
 * so the register shows it answered.
 */
async function eraseQuestion(subjectId: string, me: Me, requestId: string | null): Promise<HTMLElement> {
  const { deletionReasons } = await gql<{ deletionReasons: { term: string; label: string }[] }>('{ deletionReasons { term label } }');
  const reason = h('select', { id: 'erase-reason' }, deletionReasons.map((r) => h('option', { value: r.term, selected: r.term === 'subject-request' }, r.label))) as HTMLSelectElement;
  const problem = h('p', { class: 'error', role: 'alert' });
  return h('form', { 'aria-label': `Erase ${subjectId}`, class: 'confirm', onsubmit: (event) => {
    event.preventDefault();
    void erase(subjectId, me, requestId, reason.value).catch((failure: unknown) => { problem.textContent = failure instanceof Error ? failure.message : String(failure); });
  } },
  h('p', {}, `Erase ${subjectId}? Their data keys are destroyed: no value of theirs can be read again. This cannot be undone. `,
    requestId ? `This answers their erasure request ${requestId}, which is then completed.` : 'No erasure request of theirs is open: it is recorded with no request id.'),
  h('label', { for: 'erase-reason' }, 'Reason'), reason, ' ',
  h('button', { type: 'submit', class: 'danger' }, 'Erase for good'), ' ',
  h('button', { type: 'button', class: 'secondary', onclick: (event) => (event.currentTarget as HTMLElement).closest('form')?.remove() }, 'Cancel'), problem);
}

async function erase(subjectId: string, me: Me, requestId: string | null, reason: string): Promise<void> {
  const at = new Date().toISOString();
  // A claim like any actor; the ledger records the signed-in key itself as the event's submitter.
  const actor = { kind: 'employee', id: `console.${me.keyId}` };
  const erased = { id: crypto.randomUUID(), type: 'SubjectErased', occurredAt: at, subject: { id: subjectId }, actor,
    data: { reason, ...(requestId ? { requestId } : {}) } };
  const completed = requestId ? [{ id: crypto.randomUUID(), type: 'SubjectRequestCompleted', occurredAt: at, subject: { id: subjectId }, actor,
    data: { requestId, kind: 'erasure', outcome: 'fulfilled' } }] : [];
  const recorded = await recordEvents([erased, ...completed]);
  const refusal = recorded.rejected[0]?.errors[0];
  if (refusal) throw new Error(`Not erased: ${refusal.path}: ${refusal.message}`);
  // The reloaded page asks to see the erasure (the tab kept its position): never a page from before it.
  location.reload();
}

const PRESETS: [Preset, string][] = [['this-month', 'This month'], ['last-month', 'Last month'], ['this-year', 'This year']];

/**
 * The compliance report as of a day, for a period. Days go to the API as written (2026-12-31): it reads
 * them by the one rule of schemas/report-period.ts — a period from the start of its first day to the end
 * of its last, as of the end of the day — so the page, the API and pdl report mean the same.
 */
export async function compliancePage(query: URLSearchParams): Promise<HTMLElement> {
  const asOf = query.get('asOf') || null;
  const from = query.get('from') || null;
  const to = query.get('to') || null;
  const { complianceReport: r } = await gql<{ complianceReport: {
    asOf: string; from: string | null; to: string | null; policy: { version: string }; summary: { rule: string; violations: number }[];
    violations: { rule: string; subjectId: string | null; occurredAt: string; breachEnd: string | null; ongoing: boolean; beganBeforePeriod: boolean;
      policyVersion: string; message: string; promise: string; eventIds: string[] }[];
    transfers: { toRegion: string; subjectId: string; consentStatus: string }[]; openRequests: { subjectId: string; requestId: string; daysLeft: number }[];
    retention: { overdue: { subjectId: string; system: string; days: number }[]; dueSoon: { subjectId: string; system: string; categories: string[]; due: string; days: number }[] };
    incidents: { incidentId: string; openedAt: string; deadline: string; affected: number; authorityReportedAt: string | null; subjectsReported: number; subjectsReportedLate: number }[];
    shutdowns: { service: string; systems: string[]; announcedAt: string; deletionDeadline: string; subjectCount: number; notified: number; deleted: number; stillHeld: number }[];
    drift: { declared: boolean; undeclared: { purpose: string; dimension: string; value: string; firstSeenAt: string; evidence: string[] }[]; unobserved: { purpose: string; dimension: string; value: string }[] };
    erasuresInBackups: { total: number; complete: number; scheduled: number; scheduledBy: string | null; waitingForRotation: number };
    transparency: { byAuthority: { authority: string; instrument: string; requests: number; disclosures: number }[]; disclosuresWithoutRequest: { subjectId: string; recipient: string; eventId: string }[] };
  } }>(`query($asOf: DateTime, $from: DateTime, $to: DateTime) { complianceReport(asOf: $asOf, from: $from, to: $to) { asOf from to policy { version } summary { rule violations }
      transparency { byAuthority { authority instrument requests disclosures } disclosuresWithoutRequest { subjectId recipient eventId } }
      violations { rule subjectId occurredAt breachEnd ongoing beganBeforePeriod policyVersion message promise eventIds } transfers { toRegion subjectId consentStatus }
      openRequests { subjectId requestId daysLeft } retention { overdue { subjectId system days } dueSoon { subjectId system categories due days } }
      incidents { incidentId openedAt deadline affected authorityReportedAt subjectsReported subjectsReportedLate }
      shutdowns { service systems announcedAt deletionDeadline subjectCount notified deleted stillHeld }
      drift { declared undeclared { purpose dimension value firstSeenAt evidence } unobserved { purpose dimension value } }
      erasuresInBackups { total complete scheduled scheduledBy waitingForRotation } } }`, { asOf, from, to });
  const input = h('input', { id: 'asof', type: 'date', value: r.asOf.slice(0, 10), required: true }) as HTMLInputElement;
  const fromInput = h('input', { id: 'from', type: 'date', value: r.from?.slice(0, 10) ?? '' }) as HTMLInputElement;
  const toInput = h('input', { id: 'to', type: 'date', value: r.to?.slice(0, 10) ?? '' }) as HTMLInputElement;
  const judge = () => {
    const next = new URLSearchParams({ asOf: input.value });
    if (fromInput.value) next.set('from', fromInput.value);
    if (toInput.value) next.set('to', toInput.value);
    location.hash = `#/compliance?${next.toString()}`;
  };
  // A preset is around the as-of day: "this month" is the month it falls in.
  const preset = (name: Preset) => () => {
    const period = presetPeriod(name, input.value || r.asOf.slice(0, 10));
    fromInput.value = period.from;
    toInput.value = period.to;
    judge();
  };
  const ongoing = r.violations.filter((v) => v.ongoing).length;
  const rule = query.get('rule') || '';
  const shown = rule ? r.violations.filter((v) => v.rule === rule) : r.violations;
  const ruleSelect = h('select', { id: 'rule', onchange: () => {
    const next = new URLSearchParams(query);
    if (ruleSelect.value) next.set('rule', ruleSelect.value); else next.delete('rule');
    location.hash = `#/compliance?${next.toString()}`;
  } }, h('option', { value: '' }, 'Every rule'), r.summary.map((s) => h('option', { value: s.rule, selected: s.rule === rule }, `${s.rule} (${s.violations})`))) as HTMLSelectElement;
  const save = (format: 'json' | 'csv' | 'html') => async () => {
    const name = `compliance-report-${r.asOf.slice(0, 10)}${r.from ? `-from-${r.from.slice(0, 10)}` : ''}${r.to ? `-to-${r.to.slice(0, 10)}` : ''}${format !== 'html' && rule ? `-${rule}` : ''}`;
    // The readable page is the server's (what pdl report --format html writes), for the same moment and period.
    const body = format === 'html'
      ? (await gql<{ complianceReport: { html: string } }>('query($asOf: DateTime, $from: DateTime, $to: DateTime) { complianceReport(asOf: $asOf, from: $from, to: $to) { html } }',
        { asOf: r.asOf, from: r.from, to: r.to })).complianceReport.html
      : format === 'json' ? JSON.stringify(r, null, 2)
        : `${[['occurred', 'ended', 'still open', 'rule', 'subject', 'policy', 'what', 'evidence'],
          ...shown.map((v) => [v.occurredAt, v.breachEnd ?? '', v.ongoing ? 'yes' : 'no', v.rule, v.subjectId ?? '', v.policyVersion, v.message, v.eventIds.join(' ')])]
          .map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
    const url = URL.createObjectURL(new Blob([body], { type: { json: 'application/json', csv: 'text/csv', html: 'text/html' }[format] }));
    h('a', { href: url, download: `${name}.${format}` }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const when = (v: (typeof r.violations)[number]) => `${day(v.occurredAt)}${v.ongoing ? ' – still open' : v.breachEnd !== null && v.breachEnd !== v.occurredAt ? ` – ${day(v.breachEnd)}` : ''}` +
    `${v.beganBeforePeriod ? ' (began before the period)' : ''}`;
  return h('section', {},
    h('h1', {}, 'Compliance'),
    h('form', { onsubmit: (e) => { e.preventDefault(); judge(); } },
      h('label', { for: 'asof' }, 'As of'), input, h('label', { for: 'from' }, 'Processing from'), fromInput, h('label', { for: 'to' }, 'Processing to'), toInput,
      ' ', h('button', { type: 'submit' }, 'Judge'),
      h('p', { role: 'group', 'aria-label': 'Period presets' }, 'Or the period: ',
        PRESETS.flatMap(([name, label]) => [h('button', { type: 'button', class: 'secondary', onclick: preset(name) }, label), ' ']))),
    h('p', {}, `As of ${r.asOf}${r.from || r.to ? `, processing from ${day(r.from)} to ${day(r.to)}` : ''}, policy version ${r.policy.version}: ` +
      `${r.violations.length} violations${ongoing > 0 ? ` (${ongoing} still open)` : ''}.`),
    table('Verdicts by rule', ['rule', 'violations'], r.summary.map((s) => [s.rule, String(s.violations)])),
    h('p', {}, h('span', { class: 'field' }, h('label', { for: 'rule' }, 'Show violations of'), ' ', ruleSelect), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => void save('csv')() }, 'Download violations (CSV)'), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => void save('json')() }, 'Download the report (JSON)'), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => void save('html')() }, 'Download the report (HTML)')),
    table('Violations', ['when', 'rule', 'subject', 'policy', 'what', 'the promise', 'evidence'],
      shown.map((v) => [when(v), v.rule, subjectLink(v.subjectId), v.policyVersion, v.message, h('q', {}, v.promise), h('span', {}, v.eventIds.flatMap((id) => [ev(id), ' ']))])),
    table('Legal requests by authority', ['authority', 'instrument', 'requests', 'disclosures'],
      r.transparency.byAuthority.map((a) => [a.authority, a.instrument, String(a.requests), String(a.disclosures)])),
    table('Disclosures to authorities without a legal request', ['subject', 'recipient', 'event'],
      r.transparency.disclosuresWithoutRequest.map((d) => [subjectLink(d.subjectId), d.recipient, ev(d.eventId)])),
    table('Transfers abroad', ['to', 'subject', 'consent'], r.transfers.map((t) => [t.toRegion, subjectLink(t.subjectId), t.consentStatus])),
    table('Retention: held past due', ['subject', 'system', 'days over'], r.retention.overdue.map((o) => [subjectLink(o.subjectId), o.system, String(o.days)])),
    table('Open requests', ['subject', 'request', 'days left'], r.openRequests.map((o) => [subjectLink(o.subjectId), o.requestId, String(o.daysLeft)])),
    table('Retention: due in the next 30 days', ['subject', 'system', 'categories', 'due', 'days left'],
      r.retention.dueSoon.map((d) => [subjectLink(d.subjectId), d.system, d.categories.join(', '), day(d.due), String(d.days)])),
    table('Incidents: the reporting clock', ['incident', 'opened', 'report by', 'authority told', 'people affected', 'told', 'told late'],
      r.incidents.map((i) => [link(`#/incident/${encodeURIComponent(i.incidentId)}`, i.incidentId), i.openedAt, i.deadline, i.authorityReportedAt ?? 'not yet',
        String(i.affected), String(i.subjectsReported), String(i.subjectsReportedLate)])),
    table('Shutdowns', ['service', 'systems', 'announced', 'delete by', 'people', 'notified', 'deleted', 'still held'],
      r.shutdowns.map((x) => [x.service, x.systems.join(', '), day(x.announcedAt), day(x.deletionDeadline), String(x.subjectCount), String(x.notified), String(x.deleted), String(x.stillHeld)])),
    r.drift.declared
      ? h('div', {},
        table('Processing seen but not declared by the policy', ['purpose', 'what', 'value', 'first seen', 'evidence'],
          r.drift.undeclared.map((u) => [u.purpose, u.dimension, u.value, day(u.firstSeenAt), h('span', {}, u.evidence.slice(0, 3).flatMap((id) => [ev(id), ' ']))])),
        table('Processing declared but never seen', ['purpose', 'what', 'value'], r.drift.unobserved.map((u) => [u.purpose, u.dimension, u.value])))
      : h('p', { class: 'muted' }, 'Declared vs actual: the policy in force declares no processing, so nothing was compared.'),
    h('p', {}, `Erasures in backups: ${r.erasuresInBackups.total} erased; ${r.erasuresInBackups.complete} unreadable in every backup; ` +
      `${r.erasuresInBackups.scheduled} from a date ahead${r.erasuresInBackups.scheduledBy ? ` (the last ${day(r.erasuresInBackups.scheduledBy)})` : ''}; ` +
      `${r.erasuresInBackups.waitingForRotation} waiting for a master-key rotation.`),
  );
}

interface RequestRow { subjectId: string; requestId: string; kind: string | null; status: string; receivedAt: string | null; deadline: string | null; daysLeft: number | null; outcome: string | null; refusalReason: string | null }

/** Records the contract's events about a request under the signed-in key (the ledger names the key as submitter). */
async function recordRequestEvents(events: object[]): Promise<void> {
  const recorded = await recordEvents(events);
  const refusal = recorded.rejected[0]?.errors[0];
  if (refusal) throw new Error(`Not recorded: ${refusal.path}: ${refusal.message}`);
}

/**
 * The requests inbox: every open request, overdue first, then by deadline; a request received is
 * recorded here (the subject by id, or by e-mail/phone looked up — never put in the address), and
 * each answered from its row: access with the readable package (portability the JSON), erasure on
 * the subject's page (which completes it), then completed — or refused with a reason of the taxonomy.
 */
const REQUESTS_PAGE = 100;

export async function requestsPage(me: Me, status: string, offset = 0): Promise<HTMLElement> {
  // One more than a page: whether there is a next one.
  const { requests: fetched, requestKinds, refusalReasons } = await gql<{ requests: RequestRow[]; requestKinds: { term: string; label: string }[]; refusalReasons: { term: string; label: string }[] }>(
    'query($s: String, $n: Int, $o: Int) { requests(status: $s, first: $n, offset: $o) { subjectId requestId kind status receivedAt deadline daysLeft outcome refusalReason } requestKinds { term label } refusalReasons { term label } }',
    { s: status || null, n: REQUESTS_PAGE + 1, o: offset });
  const requests = fetched.slice(0, REQUESTS_PAGE);
  const pageHref = (at: number) => `#/requests?${new URLSearchParams({ ...(status ? { status } : {}), ...(at > 0 ? { offset: String(at) } : {}) }).toString()}`;
  const paging = h('p', {},
    offset > 0 ? link(pageHref(Math.max(0, offset - REQUESTS_PAGE)), 'Previous page of requests') : null, ' ',
    fetched.length > REQUESTS_PAGE ? link(pageHref(offset + REQUESTS_PAGE), 'Next page of requests') : null);
  const problem = h('p', { class: 'error', role: 'alert' });
  const said = h('p', { 'aria-live': 'polite', class: 'muted' });
  const actor = { kind: 'employee', id: `console.${me.keyId}` };
  const answer = (row: RequestRow, outcome: 'fulfilled' | 'rejected', refusalReason?: string) => async () => {
    problem.textContent = '';
    try {
      await recordRequestEvents([{ id: crypto.randomUUID(), type: 'SubjectRequestCompleted', occurredAt: new Date().toISOString(), subject: { id: row.subjectId }, actor,
        data: { requestId: row.requestId, ...(row.kind ? { kind: row.kind } : {}), outcome, ...(refusalReason ? { refusalReason } : {}) } }]);
      location.reload();
    } catch (failure) {
      problem.textContent = failure instanceof Error ? failure.message : String(failure);
    }
  };
  // A refusal says why, from the taxonomy (the subject is owed the reason; free text could carry a value).
  const refusal = (row: RequestRow, cell: HTMLElement) => {
    const id = `refuse-${row.requestId}`;
    const reason = h('select', { id }, refusalReasons.map((r) => h('option', { value: r.term }, r.label))) as HTMLSelectElement;
    cell.replaceChildren(h('form', { 'aria-label': `Refuse ${row.requestId}`, onsubmit: (event) => { event.preventDefault(); void answer(row, 'rejected', reason.value)(); } },
      h('label', { for: id }, 'Reason'), ' ', reason, ' ', h('button', { type: 'submit', class: 'danger' }, 'Refuse with this reason')));
    reason.focus();
  };
  // How each right is answered before it is completed: access and portability with the package, erasure on the subject's page (which completes it).
  const answering = (row: RequestRow): (HTMLElement | string)[] => {
    if (!me.mayRecordPrivileged || row.status === 'completed') return [];
    if ((row.kind === 'access' || row.kind === 'portability') && me.mayRevealValues) {
      return [h('button', { type: 'button', class: 'secondary', onclick: () => void downloadPackage(row.subjectId, row.kind === 'portability' ? 'json' : 'html', said) }, `Package for ${row.requestId}`), ' '];
    }
    if (row.kind === 'erasure') return [link(`#/subject/${encodeURIComponent(row.subjectId)}`, `Erase for ${row.requestId}`), ' '];
    return [];
  };
  const subject = h('input', { id: 'request-subject', autocomplete: 'off', placeholder: me.mayLookUpIdentifiers ? 'an id, an e-mail or a phone' : 'a subject id' }) as HTMLInputElement;
  const kind = h('select', { id: 'request-kind' }, requestKinds.map((k) => h('option', { value: k.term }, k.label))) as HTMLSelectElement;
  const receive = h('form', { 'aria-label': 'Record a request received', onsubmit: (event) => {
    event.preventDefault();
    problem.textContent = '';
    void (async () => {
      const typed = subject.value.trim();
      const subjectId = typed === '' ? null : await subjectIdOf(me, typed);
      if (subjectId === null) {
        problem.textContent = 'No single subject has that id or identifier.';
        return;
      }
      await recordRequestEvents([{ id: crypto.randomUUID(), type: 'SubjectRequestReceived', occurredAt: new Date().toISOString(), subject: { id: subjectId }, actor,
        data: { requestId: `r-${crypto.randomUUID().slice(-12)}`, kind: kind.value } }]);
      location.reload();
    })().catch((failure: unknown) => { problem.textContent = failure instanceof Error ? failure.message : String(failure); });
  } },
  h('span', { class: 'field' }, h('label', { for: 'request-subject' }, 'Subject'), ' ', subject), ' ',
  h('span', { class: 'field' }, h('label', { for: 'request-kind' }, 'Right exercised'), ' ', kind), ' ',
  h('button', { type: 'submit' }, 'Record the request'));
  const statusLinks = [['', 'Open'], ['overdue', 'Overdue'], ['completed', 'Completed']].map(([value, label]) =>
    link(`#/requests${value ? `?status=${value}` : ''}`, label!, value === status ? { 'aria-current': 'page' } : {}));
  const kindLabel = (term: string | null) => (term ? requestKinds.find((k) => k.term === term)?.label ?? term : '—');
  const outcomeOf = (r: RequestRow) => (r.outcome === null ? '' : r.refusalReason ? `${r.outcome}: ${refusalReasons.find((q) => q.term === r.refusalReason)?.label ?? r.refusalReason}` : r.outcome);
  return h('section', {}, h('h1', {}, 'Requests'),
    me.mayRecordPrivileged ? receive : null, problem, said,
    h('p', {}, 'Show: ', statusLinks.flatMap((a) => [a, ' '])),
    table('Requests', ['status', 'days left', 'due', 'subject', 'request', 'right', ''],
      requests.map((r) => {
        if (!me.mayRecordPrivileged || r.status === 'completed') {
          return [r.status, r.daysLeft === null ? '—' : String(r.daysLeft), day(r.deadline), subjectLink(r.subjectId), h('span', { class: 'mono' }, r.requestId), kindLabel(r.kind), outcomeOf(r)];
        }
        const cell = h('span', {});
        cell.append(...answering(r),
          h('button', { type: 'button', class: 'secondary', onclick: () => void answer(r, 'fulfilled')() }, `Complete ${r.requestId}`), ' ',
          h('button', { type: 'button', class: 'secondary', onclick: () => refusal(r, cell) }, `Refuse ${r.requestId}`));
        return [r.status, r.daysLeft === null ? '—' : String(r.daysLeft), day(r.deadline), subjectLink(r.subjectId), h('span', { class: 'mono' }, r.requestId), kindLabel(r.kind), cell];
      }),
      status === 'completed' ? 'none completed yet.' : 'no open request.'),
    paging);
}

export async function incidentsPage(): Promise<HTMLElement> {
  const { incidents } = await gql<{ incidents: { incidentId: string; systems: string[]; windowFrom: string | null; windowTo: string | null; subjectCount: number; description: string | null }[] }>(
    '{ incidents { incidentId systems windowFrom windowTo subjectCount description } }');
  return h('section', {}, h('h1', {}, 'Incidents'),
    table('Incidents', ['incident', 'systems', 'window', 'subjects', 'description'],
      incidents.map((i) => [link(`#/incident/${encodeURIComponent(i.incidentId)}`, i.incidentId), i.systems.join(', '), `${day(i.windowFrom)} – ${day(i.windowTo)}`, String(i.subjectCount), i.description ?? ''])));
}

interface IncidentAnswer {
  incidentId: string; systems: string[]; windowFrom: string | null; windowTo: string | null; description: string | null; openedAt: string | null; closedAt: string | null; subjectCount: number;
  notification: null | { deadline: string; policyVersion: string; authorityToldAt: string | null; subjectsTold: number; subjectsNotTold: number; onTime: boolean };
  reports: { audience: string; at: string; subjectId: string | null; eventId: string }[];
  subjects: { subjectId: string; categories: string[]; categoryLabels: string[]; systems: string[]; evidence: string[]; toldAt: string | null }[];
}

/** One CSV field: quoted, and a leading = + - @ defused so a spreadsheet never runs it as a formula. */
const csvField = (text: string) => `"${(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text).replace(/"/g, '""')}"`;

/** The affected list as a CSV file: ids, categories and systems only — no value — and when each person was told. */
function downloadAffected(incident: IncidentAnswer): void {
  const lines = [['subject', 'categories', 'systems', 'told at'], ...incident.subjects.map((s) => [s.subjectId, s.categories.join(' '), s.systems.join(' '), s.toldAt ?? ''])]
    .map((row) => row.map(csvField).join(','));
  const url = URL.createObjectURL(new Blob([`${lines.join('\r\n')}\r\n`], { type: 'text/csv' }));
  const a = h('a', { href: url, download: `incident-${incident.incidentId}-affected.csv` });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function incidentPage(incidentId: string): Promise<HTMLElement> {
  const { incidentImpact: i } = await gql<{ incidentImpact: IncidentAnswer | null }>(
    `query($id: ID!) { incidentImpact(incidentId: $id) { incidentId systems windowFrom windowTo description openedAt closedAt subjectCount
      notification { deadline policyVersion authorityToldAt subjectsTold subjectsNotTold onTime }
      reports { audience at subjectId eventId }
      subjects { subjectId categories categoryLabels systems evidence toldAt } } }`, { id: incidentId });
  if (!i) return h('section', {}, h('h1', {}, 'No such incident'));
  const n = i.notification;
  return h('section', {}, h('h1', {}, `Incident ${i.incidentId}`),
    h('p', {}, i.description ?? ''),
    table('Incident', ['fact', 'as of now'], [
      ['systems', i.systems.join(', ')], ['window', `${i.windowFrom ?? '?'} – ${i.windowTo ?? '?'}`],
      ['opened', i.openedAt ?? '—'], ['closed', i.closedAt ?? 'still open'], ['people affected', String(i.subjectCount)],
      ['report by', n ? `${n.deadline} (policy ${n.policyVersion})` : '—'],
      ['authority told', n ? n.authorityToldAt ?? 'not yet' : '—'],
      ['people told', n ? `${n.subjectsTold} told, ${n.subjectsNotTold} not` : '—'],
      ['on time', n ? (n.onTime ? 'yes' : 'no: a report is late or missing') : '—'],
    ]),
    table('Reports made', ['when', 'to', 'event'], i.reports.map((r) => [r.at, r.audience === 'authority' ? 'the authority' : r.subjectId ? subjectLink(r.subjectId) : 'everybody affected', ev(r.eventId)]), 'none yet.'),
    h('p', {}, h('button', { type: 'button', onclick: () => downloadAffected(i) }, 'Download the affected list (CSV)')),
    table('Affected subjects', ['subject', 'categories', 'systems', 'told', 'evidence'],
      i.subjects.map((s) => [subjectLink(s.subjectId), s.categoryLabels.join(', '), s.systems.join(', '), s.toldAt ?? 'not yet', h('span', {}, s.evidence.flatMap((id) => [ev(id), ' ']))])));
}

export async function registerPage(): Promise<HTMLElement> {
  const { processingRegister } = await gql<{ processingRegister: { purposes: { purpose: string; label: string; subjectCount: number; categories: string[]; legalBases: string[]; systems: string[] }[] } }>(
    '{ processingRegister { purposes { purpose label subjectCount categories legalBases systems } } }');
  return h('section', {}, h('h1', {}, 'Register'),
    table('Record of processing, per purpose', ['purpose', 'subjects', 'categories', 'legal bases', 'systems'],
      processingRegister.purposes.map((p) => [`${p.label} (${p.purpose})`, String(p.subjectCount), p.categories.join(', '), p.legalBases.join(', '), p.systems.join(', ')])));
}

/** What the Events page filters by; the subject is always an id here (an e-mail typed in is looked up first, never put in the address). */
export interface EventsQuery { type?: string; subjectId?: string; system?: string; from?: string; to?: string; newest?: boolean }

/** The events page's address for a filter and a cursor: #/events?type=…&subject=…&system=…&from=…&to=…&newest=1&after=… */
export const eventsHref = (filter: EventsQuery, after?: string | null) => {
  const query = new URLSearchParams();
  if (filter.type) query.set('type', filter.type);
  if (filter.subjectId) query.set('subject', filter.subjectId);
  if (filter.system) query.set('system', filter.system);
  if (filter.from) query.set('from', filter.from);
  if (filter.to) query.set('to', filter.to);
  if (filter.newest) query.set('newest', '1');
  if (after) query.set('after', after);
  return `#/events?${query.toString()}`;
};

export const eventsQueryOf = (query: URLSearchParams): EventsQuery => ({
  type: query.get('type') ?? undefined, subjectId: query.get('subject') ?? undefined, system: query.get('system') ?? undefined,
  from: query.get('from') ?? undefined, to: query.get('to') ?? undefined, newest: query.get('newest') === '1',
});

/** An e-mail or phone number typed as the subject: the one subject it names, looked up by the blind index. */
async function subjectIdOf(me: Me, typed: string): Promise<string | null> {
  if (!me.mayLookUpIdentifiers || !/[@+]/.test(typed)) return typed;
  const found = await gql<{ subjects: { edges: { node: { subjectId: string } }[] } }>('query($s: String) { subjects(search: $s, first: 2) { edges { node { subjectId } } } }', { s: typed });
  return found.subjects.edges.length === 1 ? found.subjects.edges[0]!.node.subjectId : null;
}

export async function eventsPage(me: Me, filter: EventsQuery, after: string | null): Promise<HTMLElement> {
  const { type, subjectId, system, from, to, newest } = filter;
  const { events, eventTypes } = await gql<{ eventTypes: string[]; events: { totalCount: number; edges: { node: { id: string; position: number; type: string; occurredAt: string; subjectId: string | null; summary: string; actor: { kind: string; id: string } } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(
    'query($f: EventFilter, $after: String, $newest: Boolean) { eventTypes events(filter: $f, first: 50, after: $after, newest: $newest) { totalCount edges { node { id position type occurredAt subjectId summary actor { kind id } } } pageInfo { hasNextPage endCursor } } }',
    { f: { type, subjectId, system, from, to }, after, newest: newest === true });
  const typeSelect = h('select', { id: 'type' }, h('option', { value: '' }, 'All types'),
    eventTypes.map((name) => h('option', { value: name, selected: name === type }, name))) as HTMLSelectElement;
  const subject = h('input', { id: 'subject', value: subjectId ?? '', placeholder: me.mayLookUpIdentifiers ? 'an id, an e-mail or a phone' : 'e.g. u-1001', autocomplete: 'off' }) as HTMLInputElement;
  const systemInput = h('input', { id: 'system', value: system ?? '', placeholder: 'e.g. crm' }) as HTMLInputElement;
  const fromInput = h('input', { id: 'from', type: 'date', value: from ?? '' }) as HTMLInputElement;
  const toInput = h('input', { id: 'to', type: 'date', value: to ?? '' }) as HTMLInputElement;
  const newestBox = h('input', { id: 'newest', type: 'checkbox', checked: newest === true }) as HTMLInputElement;
  const problem = h('p', { class: 'error', role: 'alert' });
  const next = events.pageInfo.hasNextPage && events.pageInfo.endCursor ? link(eventsHref(filter, events.pageInfo.endCursor), 'Next page') : null;
  const apply = async () => {
    const typed = subject.value.trim();
    const id = typed === '' ? undefined : await subjectIdOf(me, typed);
    if (id === null) {
      problem.textContent = 'No single subject has that identifier.';
      return;
    }
    location.hash = eventsHref({ type: typeSelect.value || undefined, subjectId: id, system: systemInput.value.trim() || undefined,
      from: fromInput.value || undefined, to: toInput.value || undefined, newest: newestBox.checked });
  };
  const field = (id: string, label: string, control: HTMLElement) => h('span', { class: 'field' }, h('label', { for: id }, label), ' ', control);
  return h('section', {}, h('h1', {}, 'Events'),
    h('form', { role: 'search', 'aria-label': 'Filter events', onsubmit: (e) => { e.preventDefault(); void apply(); } },
      field('type', 'Event type', typeSelect), field('subject', 'Subject', subject), field('system', 'System', systemInput),
      field('from', 'Happened from', fromInput), field('to', 'Happened to', toInput), field('newest', 'Newest first', newestBox),
      ' ', h('button', { type: 'submit' }, 'Filter'), problem),
    h('p', {}, `${events.totalCount} events.`),
    table('Timeline', ['position', 'when', 'type', 'subject', 'what', 'actor', 'event'],
      events.edges.map(({ node }) => [String(node.position), node.occurredAt, node.type, subjectLink(node.subjectId), node.summary, `${node.actor.kind}:${node.actor.id}`, ev(node.id)])),
    next);
}

export async function eventPage(id: string): Promise<HTMLElement> {
  const { event } = await gql<{ event: null | { id: string; position: number; type: string; occurredAt: string; recordedAt: string; subjectId: string | null; hash: string | null; actor: { kind: string; id: string }; data: unknown } }>(
    'query($id: ID!) { event(id: $id) { id position type occurredAt recordedAt subjectId hash actor { kind id } data } }', { id });
  if (!event) return h('section', {}, h('h1', {}, 'No such event'));
  return h('section', {}, h('h1', {}, `Event ${event.type}`),
    table('Event', ['field', 'value'], [['id', h('span', { class: 'mono' }, event.id)], ['position', String(event.position)], ['occurred', event.occurredAt],
      ['recorded', event.recordedAt], ['subject', subjectLink(event.subjectId)], ['actor', `${event.actor.kind}:${event.actor.id}`], ['chain hash', h('span', { class: 'mono' }, event.hash ?? '—')]]),
    h('h2', {}, 'Data'), h('pre', {}, JSON.stringify(event.data, null, 2)));
}

export async function proofPage(): Promise<HTMLElement> {
  const { checkpoint, ledgerHead } = await gql<{ checkpoint: { origin: string; size: number; note: string; signedAt: string; verifierKey: string }; ledgerHead: { position: number; hash: string | null } }>(
    '{ checkpoint { origin size note signedAt verifierKey } ledgerHead { position hash } }');
  const page = h('section', {});
  const draw = () => page.replaceChildren(h('h1', {}, 'Proof'),
    pinnedKeySection(checkpoint.verifierKey, draw),
    h('h2', {}, 'Checkpoint'),
    h('p', {}, `The latest checkpoint covers ${checkpoint.size} of ${ledgerHead.position} events, signed ${checkpoint.signedAt}. ` +
      'Keep it (pdl verify-proof --since): later proofs are held to it.'),
    h('pre', {}, checkpoint.note),
    h('h2', {}, 'The key this server signs with'), h('p', { class: 'mono' }, checkpoint.verifierKey));
  draw();
  return page;
}
