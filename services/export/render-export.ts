/** The subject's package as a page a person reads: the same content as the JSON, nothing fetched from elsewhere. */
import type { SubjectExport } from './subject-export.js';

import { dataCategories, labelOf } from '../../schemas/taxonomy.js';
import { day, escapeHtml } from './text.js';

const categoryWords = (categories: readonly string[]): string => categories.map((c) => labelOf(dataCategories, c)).join(', ');

function table(headers: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('') + '</tbody></table>';
}

export function renderExportHtml(pkg: SubjectExport): string {
  const controller = pkg.controller
    ? `<dl><dt>Controller</dt><dd>${escapeHtml(pkg.controller.name)}</dd><dt>Contact</dt><dd>${escapeHtml(pkg.controller.contact)}</dd>` +
      (pkg.controller.dataProtectionOfficer ? `<dt>Data protection officer</dt><dd>${escapeHtml(pkg.controller.dataProtectionOfficer)}</dd>` : '') + '</dl>'
    : `<p class="empty">${escapeHtml(`Not given: ${pkg.controllerNote ?? ''}`)}.</p>`;
  const sections: [string, string][] = [
    ['Who is responsible, and how to reach them', controller],
    ['Why your data is processed (purposes)', table(['purpose', 'meaning'], pkg.purposes.map((p) => [p.purpose, p.label]), 'None recorded.')],
    ['What is held (categories, values, where, until when, from where)', table(
      ['category', 'status', 'value', 'purposes', 'legal bases', 'source', 'stored in', 'kept until', 'corrected'],
      pkg.categories.map((c) => [c.label, c.status, c.value ?? '—', c.purposeLabels.join(', '), c.legalBasisLabels.join(', '), c.sources.join(', '),
        c.storage.map((s) => `${s.system} [${s.region}]`).join(', '), c.retainedUntil ? day(c.retainedUntil) : (c.retention ?? '—'), day(c.rectifiedAt)]),
      'Nothing held.')],
    ['Who received it (abroad included)', table(['recipient', 'kind', 'region', 'abroad', 'categories', 'first', 'last'],
      pkg.recipients.map((r) => [r.name, r.kindLabel, r.region, r.abroad ? 'yes' : 'no', r.categoryLabels.join(', '), day(r.firstShared), day(r.lastShared)]), 'Nobody.')],
    ['Consents', table(['consent', 'status', 'purposes', 'given'], pkg.consents.map((c) => [c.consentId, c.status, c.purposes.map((p) => pkg.purposes.find((q) => q.purpose === p)?.label ?? p).join(', '), day(c.givenAt)]), 'None.')],
    ['Your requests', table(['request', 'right', 'received', 'completed', 'outcome', 'why refused'],
      pkg.requests.map((r) => [r.requestId, r.kindLabel ?? '—', day(r.receivedAt), day(r.completedAt), r.outcome ?? '—', r.refusalReasonLabel ?? '—']), 'None.')],
    ['Where your data was ordered deleted (systems and recipients)', table(['to', 'categories', 'why', 'due', 'status', 'confirmed'],
      pkg.deletionOrders.map((o) => [`${o.target.kind} ${o.target.id}`, categoryWords(o.categories), o.reasonLabel, day(o.dueBy), o.status, day(o.confirmedAt)]), 'No deletion orders.')],
    ['Decisions made about you by automated means', table(['when', 'system', 'purpose', 'data'],
      pkg.automatedDecisions.map((a) => [day(a.occurredAt), a.target, a.purposeLabel ?? '—', a.categoryLabels.join(', ')]), 'None.')],
    ['Who used or viewed your data', table(['when', 'who', 'what', 'purpose', 'data'],
      pkg.accessLog.map((a) => [day(a.occurredAt), a.by, a.what, a.purposeLabel ?? '—', a.categoryLabels.join(', ')]), 'Nobody.')],
    ['Your rights', `<ul>${pkg.rights.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`],
    [`Everything recorded about you (${pkg.timeline.length} events${pkg.timelineTruncated ? ', the first ones only' : ''})`, table(['position', 'when', 'what', 'event id'],
      pkg.timeline.map((t) => [String(t.position), t.event.occurredAt, t.event.type, t.eventId]), 'No events.')],
    ['Proof', pkg.proof
      ? `<p>Each event above is in the ledger whose signed checkpoint is below: check the JSON package with <code>pdl verify-proof</code> and the operator's published key.</p><pre>${escapeHtml(pkg.proof.checkpoint)}</pre>`
      : `<p class="empty">${escapeHtml(pkg.proofNote ?? 'no proof')}</p>`],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your personal data — ${escapeHtml(pkg.subject.id)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}pre,code{background:#f6f8fa;padding:.2rem}.empty{color:#57606a}
</style></head><body>
<h1>Your personal data</h1>
<p>Subject <strong>${escapeHtml(pkg.subject.id)}</strong>, first seen ${day(pkg.subject.firstSeenAt)}, last seen ${day(pkg.subject.lastSeenAt)}${pkg.subject.erased ? `, erased ${day(pkg.subject.erasedAt)} (values can no longer be read)` : ''}. Generated ${escapeHtml(pkg.generatedAt)}.</p>
${sections.map(([title, body]) => `<section><h2>${escapeHtml(title)}</h2>\n${body}</section>`).join('\n')}
</body></html>
`;
}
