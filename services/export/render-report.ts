/**
 * The compliance report as a document a person reads or hands to an auditor: one list of
 * sections, rendered to Markdown or to a self-contained HTML page (JSON is the data itself).
 */
import type { ComplianceReportData } from '../../projections/compliance/report.js';
import { day, escapeHtml } from './text.js';

/** A value from the ledger inside a section's own words: escaped for the format it is rendered to. */
interface Quoted { quoted: string }
const q = (value: string): Quoted => ({ quoted: value });

interface Section {
  title: string;
  /** The section's words, with what producers wrote kept apart (Quoted) so no format takes it as markup. */
  text?: readonly (string | Quoted)[];
  headers?: string[];
  rows?: string[][];
  empty?: string;
}

const ids = (list: readonly string[]) => list.map((id) => id.slice(0, 8)).join(' ');

export function reportSections(report: ComplianceReportData): Section[] {
  const total = report.violations.length;
  const open = report.violations.filter((v) => v.ongoing).length;
  const before = report.violations.filter((v) => v.beganBeforePeriod).length;
  return [
    {
      title: 'Summary',
      text: [
        `As of ${report.asOf}${report.from || report.to ? `, processing from ${day(report.from)} to ${day(report.to)}` : ''}` +
        `${report.knownAt ? `, judging only what the ledger had recorded by ${report.knownAt}` : ', judging everything the ledger has recorded'}. ` +
        'Policy in force: version ', q(report.policy.version), ...(report.policy.title ? [' (', q(report.policy.title), ')'] : []), '. ' +
        `${total === 0 ? 'No promise of the policy was found broken.' : `${total} violation${total === 1 ? '' : 's'} found` +
          `${open > 0 ? `, ${open} still open as of ${report.asOf}` : ''}${before > 0 ? `, ${before} begun before the period` : ''}.`} ` +
        `Computed at ledger position ${report.ledgerHead.position}, hash ${report.ledgerHead.hash ?? '(empty)'}: ` +
        `\`pdl verify --anchor ${report.ledgerHead.position}:${report.ledgerHead.hash ?? ''}\` proves the evidence below unchanged since.`,
      ],
      headers: ['rule', 'violations'],
      rows: report.summary.map((s) => [s.rule, String(s.violations)]),
    },
    {
      title: 'Violations',
      headers: ['when', 'until', 'recorded', 'rule', 'subject', 'policy', 'what', 'the promise', 'evidence (event ids)'],
      rows: report.violations.map((v) => [day(v.occurredAt) + (v.beganBeforePeriod ? ' (before the period)' : ''),
        v.ongoing ? 'still open' : v.breachEnd === v.occurredAt ? '—' : day(v.breachEnd), day(v.recordedAt), v.rule, v.subjectId ?? '—', v.policyVersion, v.message, v.promise, v.eventIds.join(' ')]),
      empty: 'None.',
    },
    {
      title: 'Recorded late: facts recorded after the deadline they claim to have met',
      headers: ['deadline', 'what', 'subject', 'occurred (as claimed)', 'recorded', 'obligation recorded', 'event'],
      rows: report.recordedLate.map((l) => [l.deadline, `${l.kind} ${l.reference}`, l.subjectId ?? '—', l.occurredAt, l.recordedAt, l.causeRecordedAt, l.eventId]),
      empty: 'None: every fact that answers a deadline was recorded by it.',
    },
    {
      title: 'Transparency: legal requests and disclosures',
      headers: ['authority', 'instrument', 'requests', 'disclosures'],
      rows: report.transparency.byAuthority.map((a) => [a.authority, a.instrument, String(a.requests), String(a.disclosures)]),
      empty: report.from || report.to ? 'No legal request received, nor anything disclosed under one, in the period.' : 'No legal request received.',
    },
    {
      title: 'Disclosures to authorities without a legal request',
      headers: ['when', 'subject', 'recipient', 'categories', 'event'],
      rows: report.transparency.disclosuresWithoutRequest.map((d) => [day(d.occurredAt), d.subjectId, d.recipient, d.categories.join(', '), d.eventId]),
      empty: 'None.',
    },
    {
      title: 'Transfers abroad',
      headers: ['when', 'subject', 'to', 'recipient', 'categories', 'mechanism', 'consent', 'status'],
      rows: report.transfers.map((t) => [day(t.occurredAt), t.subjectId, t.toRegion, t.recipient.name, t.categories.join(', '), t.mechanism, t.consentId ?? '—',
        t.consentStatus === 'valid' ? 'valid' : `not valid: ${t.consentProblem}`]),
      empty: 'None.',
    },
    {
      title: 'Retention: held past due',
      headers: ['subject', 'system', 'categories', 'due', 'days over', 'collected by'],
      rows: report.retention.overdue.map((r) => [r.subjectId, r.system, r.categories.join(', '), day(r.due), String(r.days), ids([r.collectedBy])]),
      empty: 'None.',
    },
    {
      title: 'Retention: due in the next 30 days',
      headers: ['subject', 'system', 'categories', 'due', 'days left'],
      rows: report.retention.dueSoon.map((r) => [r.subjectId, r.system, r.categories.join(', '), day(r.due), String(r.days)]),
      empty: 'None.',
    },
    {
      title: 'Open subject requests',
      headers: ['subject', 'request', 'kind', 'received', 'deadline', 'days left'],
      rows: report.openRequests.map((r) => [r.subjectId, r.requestId, r.kind ?? '—', day(r.receivedAt), day(r.deadline), String(r.daysLeft)]),
      empty: 'None.',
    },
    {
      title: 'Incidents that exposed personal data: who was told, when',
      headers: ['incident', 'opened', 'deadline', 'subjects affected', 'authority told', 'subjects told in time', 'told late'],
      rows: report.incidents.map((i) => [i.incidentId, i.openedAt, i.deadline, String(i.affected), i.authorityReportedAt ?? 'not yet',
        String(i.subjectsReported), String(i.subjectsReportedLate)]),
      empty: 'None.',
    },
    {
      title: 'Declared vs actual: processing seen but not declared',
      text: report.drift.declared ? undefined : ['The policy in force (version ', q(report.drift.policyVersion), ') declares no processing: nothing was compared.'],
      headers: ['purpose', 'what', 'value', 'first seen', 'evidence (event ids)'],
      rows: report.drift.undeclared.map((d) => [d.purpose, d.dimension, d.value, day(d.firstSeenAt), d.evidence.join(' ')]),
      empty: 'None: everything seen is declared.',
    },
    {
      title: 'Declared vs actual: declared but never seen',
      headers: ['purpose', 'what', 'value', 'declared by'],
      rows: report.drift.unobserved.map((d) => [d.purpose, d.dimension, d.value, d.source]),
      empty: 'None.',
    },
    {
      title: 'Service shutdowns',
      headers: ['service', 'effective', 'deletion deadline', 'subjects', 'notified', 'deleted', 'still held'],
      rows: report.shutdowns.map((s) => [s.service, day(s.effectiveAt), day(s.deletionDeadline), String(s.subjectCount), String(s.notified), String(s.deleted), String(s.stillHeld)]),
      empty: 'None.',
    },
    {
      title: 'Erasure reach: deletion orders per cause',
      headers: ['subject', 'cause', 'reason', 'due', 'ordered', 'confirmed', 'confirmed late', 'open', 'overdue'],
      rows: report.erasureReach.map((e) => [e.subjectId, e.cause, e.reason, day(e.dueBy), String(e.ordered), String(e.confirmed), String(e.confirmedLate), String(e.open), String(e.overdue)]),
      empty: 'None.',
    },
  ];
}

/**
 * Ledger text as Markdown that renders as the text itself: no HTML (`<`, `>` and `&` as character
 * references, which CommonMark decodes in text and HTML renders as the characters), no emphasis,
 * code span, link or image (their punctuation backslash-escaped), no table cell boundary (`|`), and
 * one line (a line break would end a table row, or start a heading or a list).
 */
export const markdownText = (text: string): string => text
  .replace(/[\r\n\u2028\u2029]+/g, ' ')
  .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)
  .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`);

const textMd = (text: readonly (string | Quoted)[]): string => text.map((part) => typeof part === 'string' ? part : markdownText(part.quoted)).join('');
const textHtml = (text: readonly (string | Quoted)[]): string =>
  text.map((part) => typeof part === 'string' ? escapeHtml(part).replace(/`([^`]+)`/g, '<code>$1</code>') : escapeHtml(part.quoted)).join('');

export function renderMarkdown(report: ComplianceReportData): string {
  const out = ['# Compliance report', ''];
  for (const section of reportSections(report)) {
    out.push(`## ${section.title}`, '');
    if (section.text) out.push(textMd(section.text), '');
    if (section.headers && section.rows && section.rows.length > 0) {
      out.push(`| ${section.headers.join(' | ')} |`, `|${section.headers.map(() => '---').join('|')}|`);
      for (const row of section.rows) out.push(`| ${row.map(markdownText).join(' | ')} |`);
      out.push('');
    } else if (section.empty) out.push(section.empty, '');
  }
  return out.join('\n');
}


/** An event the report cites, for the appendix: what it was, when, about whom. */
export interface CitedEvent { eventId: string; position: number; type: string; occurredAt: string; subjectId: string | null }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A cell as HTML: event ids link to the appendix (kept whole), days and counts kept on one line. */
function cellHtml(cell: string): string {
  const words = cell.split(' ');
  if (cell !== '' && words.every((word) => UUID.test(word))) {
    return words.map((id) => `<a class="id" href="#event-${id}">${id}</a>`).join('<br>');
  }
  if (DAY.test(cell)) return `<span class="nowrap">${cell}</span>`;
  if (/^-?\d+$/.test(cell)) return `<span class="num">${cell}</span>`;
  return escapeHtml(cell);
}

export function renderHtml(report: ComplianceReportData, cited: readonly CitedEvent[] = []): string {
  const appendix: Section = {
    title: 'Appendix: the events cited as evidence',
    headers: ['event id', 'position', 'type', 'when', 'subject'],
    rows: [], empty: 'No event is cited.',
  };
  const body = [...reportSections(report), appendix].map((section) => {
    const parts = [`<h2>${escapeHtml(section.title)}</h2>`];
    if (section.text) parts.push(`<p>${textHtml(section.text)}</p>`);
    if (section === appendix && cited.length > 0) {
      parts.push(`<table><thead><tr>${appendix.headers!.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>` +
        cited.map((e) => `<tr id="event-${e.eventId}"><td class="id">${e.eventId}</td><td><span class="num">${e.position}</span></td><td>${escapeHtml(e.type)}</td>` +
          `<td><span class="nowrap">${escapeHtml(e.occurredAt)}</span></td><td>${escapeHtml(e.subjectId ?? '—')}</td></tr>`).join('') + '</tbody></table>');
    } else if (section.headers && section.rows && section.rows.length > 0) {
      parts.push(`<table><thead><tr>${section.headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>` +
        section.rows.map((row) => `<tr>${row.map((cell) => `<td>${cellHtml(cell)}</td>`).join('')}</tr>`).join('') + '</tbody></table>');
    } else if (section.empty) parts.push(`<p class="empty">${escapeHtml(section.empty)}</p>`);
    return `<section>${parts.join('\n')}</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Compliance report as of ${escapeHtml(report.asOf)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{background:#f6f8fa;padding:0 .2rem}.empty{color:#57606a}
.id{font-family:ui-monospace,monospace;font-size:12px;white-space:nowrap}.nowrap{white-space:nowrap}.num{font-variant-numeric:tabular-nums}
</style></head><body>
<h1>Compliance report</h1>
${body}
</body></html>
`;
}
