/** The compliance report and `authorize` on the demo, through the real binary and the real server. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { anEvent } from '../fixtures/events.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIBERATE_WRONGS, demoEventId } from '../../services/demo/scenario.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { runPdl, tempDir } from './run-pdl.js';

let dir: string;
let db: string;
beforeAll(async () => {
  dir = tempDir('report');
  db = join(dir, 'ledger.db');
  expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
});

describe('pdl report on the demo', () => {
  it('lists each deliberate wrong of the demo, with its evidence, and nothing else', async () => {
    const out = join(dir, 'report.json');
    const run = await runPdl(['--db', db, 'report', '--as-of', '2026-11-29T00:00:00Z', '--format', 'json', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`${DELIBERATE_WRONGS.length} violations`);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { violations: { rule: string; subjectId: string; eventIds: string[] }[]; ledgerHead: { position: number; hash: string } };
    const found = report.violations.map((v) => `${v.rule} ${v.subjectId} ${v.eventIds.join(',')}`).sort();
    const expected = DELIBERATE_WRONGS.map((w) => `${w.rule} ${w.subjectId} ${demoEventId(w.event)}`).sort();
    // Time rules cite what they judged first (the shutdown, the request), act rules the act: both name the demo event.
    expect(found.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(expected.map((line) => line.split(' ').slice(0, 2).join(' ')));
    for (const wrong of DELIBERATE_WRONGS) {
      const match = report.violations.find((v) => v.rule === wrong.rule && v.subjectId === wrong.subjectId);
      expect(match?.eventIds, `${wrong.rule} ${wrong.subjectId}`).toContain(demoEventId(wrong.event));
    }
    const anchor = `${report.ledgerHead.position}:${report.ledgerHead.hash}`;
    expect((await runPdl(['--db', db, 'verify', '--anchor', anchor])).code).toBe(0);
  });

  it('--known-at reproduces the report that could have been run then: the same verdicts and head as a report made at that moment', async () => {
    const dir2 = tempDir('report-known-at');
    const db2 = join(dir2, 'ledger.db');
    expect((await runPdl(['--db', db2, 'demo'])).code).toBe(0);
    const asOf = '2026-11-29T00:00:00Z';
    const before = JSON.parse((await runPdl(['--db', db2, 'report', '--as-of', asOf, '--format', 'json'])).stdout) as { violations: unknown[]; ledgerHead: { position: number; hash: string } };
    await new Promise((resolve) => setTimeout(resolve, 20));
    const knownAt = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Recorded after knownAt: the overdue access request's completion, back-dated into its deadline.
    const late = anEvent('SubjectRequestCompleted', { subject: { id: 'u-1003' }, occurredAt: '2026-07-10T00:00:00Z', data: { requestId: 'r-1003-access' } });
    expect((await runPdl(['--db', db2, 'record', '-'], { input: `${JSON.stringify(late)}\n` })).code).toBe(0);
    const reproduced = JSON.parse((await runPdl(['--db', db2, 'report', '--as-of', asOf, '--known-at', knownAt, '--format', 'json'])).stdout) as typeof before & { knownAt: string };
    expect(reproduced.knownAt).toBe(knownAt);
    expect(reproduced.ledgerHead).toMatchObject(before.ledgerHead);
    expect(reproduced.violations).toEqual(before.violations);
    // Judged on everything recorded, the overdue verdict is gone; the answer is not "recorded late" here, because the
    // demo's request was itself recorded after its deadline (history imported today), so no one could have known before.
    const current = JSON.parse((await runPdl(['--db', db2, 'report', '--as-of', asOf, '--format', 'json'])).stdout) as { violations: { rule: string }[]; recordedLate: { eventId: string }[] };
    expect(current.violations.filter((v) => v.rule === 'request-overdue')).toEqual([]);
    expect(current.recordedLate).toEqual([]);
    const server = await startPdlServer({ db: db2 });
    try {
      const answer = await server.gql<{ complianceReport: { knownAt: string; ledgerHead: { position: number }; violations: { rule: string }[] } }>(
        'query($k: DateTime, $a: DateTime) { complianceReport(asOf: $a, knownAt: $k) { knownAt ledgerHead { position } violations { rule } } }', { k: knownAt, a: asOf });
      expect(answer.data!.complianceReport).toMatchObject({ knownAt, ledgerHead: { position: before.ledgerHead.position } });
      expect(answer.data!.complianceReport.violations).toHaveLength(before.violations.length);
    } finally {
      await server.stop();
    }
  });

  it('judges as of a past moment: before the shutdown deadline, that wrong is not yet a wrong', async () => {
    const run = await runPdl(['--db', db, 'report', '--as-of', '2026-07-01', '--format', 'json']);
    const report = JSON.parse(run.stdout) as { violations: { rule: string }[]; shutdowns: { notified: number; deleted: number; stillHeld: number }[] };
    expect(report.violations.map((v) => v.rule)).not.toContain('shutdown-deletion-overdue');
    expect(report.violations.map((v) => v.rule)).not.toContain('request-overdue');
    expect(report.shutdowns).toEqual([expect.objectContaining({ subjectCount: 2, notified: 2, deleted: 1, stillHeld: 1 })]);
  });

  it('December\'s report counts the access request overdue since July and still open, marked so; the Singapore transfer keeps its consent status (issue 26, finding 2)', async () => {
    type Report = { violations: { rule: string; subjectId: string | null; ongoing: boolean; beganBeforePeriod: boolean; breachEnd: string | null }[];
      openRequests: { requestId: string }[]; transfers: { eventId: string; toRegion: string; consentStatus: string }[] };
    const run = await runPdl(['--db', db, 'report', '--from', '2026-12-01', '--to', '2026-12-31', '--as-of', '2026-12-31', '--format', 'json']);
    expect(run.code).toBe(0);
    const december = JSON.parse(run.stdout) as Report;
    expect(december.violations.map((v) => [v.rule, v.subjectId, v.breachEnd, v.ongoing, v.beganBeforePeriod]).sort()).toEqual([
      ['request-overdue', 'u-1003', null, true, true],
      ['shutdown-deletion-overdue', 'u-1004', null, true, true],
    ]);
    expect(december.openRequests.map((r) => r.requestId)).toEqual(['r-1003-access']);
    const whole = JSON.parse((await runPdl(['--db', db, 'report', '--as-of', '2026-12-31', '--format', 'json'])).stdout) as Report;
    const april = JSON.parse((await runPdl(['--db', db, 'report', '--from', '2026-04-01', '--to', '2026-04-30', '--as-of', '2026-12-31', '--format', 'json'])).stdout) as Report;
    const singapore = demoEventId('u-1002 analytics sent to Singapore');
    const status = (r: Report) => r.transfers.find((t) => t.eventId === singapore)?.consentStatus;
    expect([status(whole), status(april)]).toEqual(['not-valid', 'not-valid']);
    // Made in April: not December's transfer — and never listed as valid.
    expect(status(december)).toBeUndefined();
    const md = await runPdl(['--db', db, 'report', '--from', '2026-12-01', '--to', '2026-12-31', '--as-of', '2026-12-31', '--format', 'md']);
    expect(md.stdout).toContain('2 violations found, 2 still open as of 2026-12-31T23:59:59.999Z, 2 begun before the period.');
    expect(md.stdout).toMatch(/\| 2026-07-20 \(before the period\) \| still open \| [\d-]+ \| request-overdue \| u-1003 \|/);
  });

  it('refuses a time it cannot read one way, and a period that ends before it starts, saying which option', async () => {
    const local = await runPdl(['--db', db, 'report', '--as-of', '2026-12-04T10:00:00']);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--as-of: not a date or a date-time with its offset');
    const backwards = await runPdl(['--db', db, 'report', '--from', '2026-12-31', '--to', '2026-12-01']);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('--to (2026-12-01T23:59:59.999Z) is before --from (2026-12-31T00:00:00.000Z)');
  });

  it('writes Markdown and HTML a person can read', async () => {
    const md = await runPdl(['--db', db, 'report', '--as-of', '2026-11-29', '--format', 'md']);
    expect(md.stdout).toContain('# Compliance report');
    expect(md.stdout).toMatch(/\| third-party-share \| 1 \|/);
    const html = join(dir, 'report.html');
    expect((await runPdl(['--db', db, 'report', '--format', 'html', '--out', html])).code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<h2>Violations</h2>');
    expect(page).toContain('AdNet Co (third-party, CN)');
    // Evidence ids link to an appendix that says what each event was; ids and days are never broken, counts not in small monospace.
    const adnet = demoEventId('u-1004 shared with ad network');
    expect(page).toContain(`<a class="id" href="#event-${adnet}">${adnet}</a>`);
    expect(page).toMatch(new RegExp(`<tr id="event-${adnet}"><td class="id">${adnet}</td><td><span class="num">\\d+</span></td><td>DataShared</td>`));
    expect(page).not.toContain('word-break:break-all');
    expect(page).toContain('<td><span class="num">1</span></td>');
    expect((await runPdl(['--db', db, 'report', '--format', 'pdf'])).stderr).toContain('unknown format "pdf"');
  });
});

describe('complianceReport and authorize over GraphQL', () => {
  let server: PdlServer;
  beforeAll(async () => {
    server = await startPdlServer({ db });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('fills the report: verdicts, transparency, transfer register, retention, requests, shutdowns, incident clocks, declared vs actual, head', async () => {
    const { data, errors } = await server.gql<{ complianceReport: Record<string, unknown> & {
      summary: { rule: string; violations: number }[]; transfers: { toRegion: string; consentStatus: string }[];
      transparency: { byAuthority: unknown[] }; openRequests: { requestId: string; daysLeft: number }[]; shutdowns: { stillHeld: number }[];
      policy: { version: string }; ledgerHead: { position: number };
      incidents: { incidentId: string; deadline: string; affected: number; authorityReportedAt: string | null; subjectsReported: number; subjectsReportedLate: number }[];
      drift: { declared: boolean; undeclared: { purpose: string; dimension: string; value: string }[] };
    } }>(`{ complianceReport(asOf: "2026-11-29T00:00:00Z") {
      policy { version } ledgerHead { position hash } summary { rule violations }
      violations { rule subjectId eventIds occurredAt detectedAt policyVersion message promise }
      transparency { byAuthority { authority instrument requests disclosures } disclosuresWithoutRequest { subjectId } }
      transfers { toRegion consentStatus consentProblem } retention { overdue { subjectId } dueSoon { subjectId } }
      openRequests { requestId daysLeft } shutdowns { service subjectCount notified deleted stillHeld }
      incidents { incidentId deadline affected authorityReportedAt subjectsReported subjectsReportedLate }
      drift { declared undeclared { purpose dimension value } } } }`);
    expect(errors).toBeUndefined();
    const report = data!.complianceReport;
    expect(report.policy.version).toBe('1');
    expect(report.ledgerHead.position).toBe(61);
    expect(report.summary.reduce((n, s) => n + s.violations, 0)).toBe(DELIBERATE_WRONGS.length);
    expect(report.transparency.byAuthority).toEqual([{ authority: 'Shanghai Public Security Bureau', instrument: 'subpoena', requests: 1, disclosures: 1 }]);
    expect(report.transfers.map((t) => [t.toRegion, t.consentStatus])).toEqual([['US', 'valid'], ['SG', 'not-valid']]);
    expect(report.openRequests).toEqual([{ requestId: 'r-1003-access', daysLeft: -132 }]);
    expect(report.shutdowns).toEqual([{ service: 'mini-game', subjectCount: 2, notified: 2, deleted: 1, stillHeld: 1 }]);
    // Each verdict quotes the promise it holds the ledger to: the policy's sentence, or the law's article.
    const violations = report.violations as { rule: string; promise: string }[];
    expect(violations.find((v) => v.rule === 'third-party-share')?.promise).toContain('do not share them with any third party');
    expect(violations.find((v) => v.rule === 'incident-notification-overdue')?.promise).toContain('GDPR Art. 33');
    expect(report.incidents).toEqual([{ incidentId: 'inc-2026-04', deadline: '2026-04-19T08:00:00.000Z', affected: 6,
      authorityReportedAt: '2026-04-20T16:00:00.000Z', subjectsReported: 6, subjectsReportedLate: 0 }]);
    expect(report.drift.declared).toBe(true);
    expect(report.drift.undeclared).toContainEqual({ purpose: 'analytics', dimension: 'purpose', value: 'analytics' });
    expect(report.drift.undeclared).toContainEqual({ purpose: 'service-provision', dimension: 'region', value: 'US' });
  });

  it('a date alone means the same on the API as on the command line: from at the start of the day, to and asOf at its end (issue 26, finding 2)', async () => {
    // r-1003's deadline is 2026-07-20T09:00Z: by the end of that day the request is overdue; at its first moment it was not yet.
    const pick = (v: { rule: string; subjectId: string | null; occurredAt: string; breachEnd: string | null; ongoing: boolean; beganBeforePeriod: boolean }) =>
      ({ rule: v.rule, subjectId: v.subjectId, occurredAt: v.occurredAt, breachEnd: v.breachEnd, ongoing: v.ongoing, beganBeforePeriod: v.beganBeforePeriod });
    const cli = JSON.parse((await runPdl(['--db', db, 'report', '--as-of', '2026-07-20', '--from', '2026-07-20', '--to', '2026-07-20', '--format', 'json'])).stdout) as
      { asOf: string; from: string; to: string; violations: Parameters<typeof pick>[0][] };
    const { data, errors } = await server.gql<{ complianceReport: typeof cli }>(
      'query($a: DateTime, $f: DateTime, $t: DateTime) { complianceReport(asOf: $a, from: $f, to: $t) { asOf from to violations { rule subjectId occurredAt breachEnd ongoing beganBeforePeriod } } }',
      { a: '2026-07-20', f: '2026-07-20', t: '2026-07-20' });
    expect(errors).toBeUndefined();
    const api = data!.complianceReport;
    expect([api.asOf, api.from, api.to]).toEqual(['2026-07-20T23:59:59.999Z', '2026-07-20T00:00:00.000Z', '2026-07-20T23:59:59.999Z']);
    expect([cli.asOf, cli.from, cli.to]).toEqual([api.asOf, api.from, api.to]);
    expect(api.violations).toEqual(cli.violations.map(pick));
    // That day: the request fell overdue, and the mini-game's data was still held past its 9 July deadline.
    expect(api.violations.map((v) => [v.rule, v.subjectId, v.ongoing, v.beganBeforePeriod])).toEqual([
      ['shutdown-deletion-overdue', 'u-1004', true, true], ['request-overdue', 'u-1003', true, false]]);
    // Literals too, and December asked with days counts the open overdue request.
    const december = await server.gql<{ complianceReport: { summary: { rule: string; violations: number }[] } }>(
      '{ complianceReport(from: "2026-12-01", to: "2026-12-31", asOf: "2026-12-31") { summary { rule violations } } }');
    expect(december.data!.complianceReport.summary.find((s) => s.rule === 'request-overdue')?.violations).toBe(1);
    const refused = await server.gql('{ complianceReport(from: "2026-12-31", to: "2026-12-01") { asOf } }');
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'VALIDATION' } });
  });

  const ask = (args: string) => server.gql<{ authorize: { allowed: boolean; policyVersion: string; reasons: { rule: string | null; message: string }[] } }>(
    `{ authorize(${args}) { allowed policyVersion reasons { rule message } } }`);

  it.each([
    ['personalising with browsing data for a subject who consented', 'subjectId: "u-1001", purpose: "personalization", categories: ["behavior.browsing"]', true, []],
    ['the same after the subject refused cookies', 'subjectId: "u-1002", purpose: "personalization", categories: ["behavior.browsing"]', false, ['consent-missing']],
    ['sharing with a third party', 'subjectId: "u-1001", purpose: "business-management", categories: ["contact.phone"], recipient: { id: "x", name: "X", kind: "third-party", region: "CN" }', false, ['third-party-share', 'impact-assessment-missing']],
    ['disclosing to an authority without a legal request', 'subjectId: "u-1001", purpose: "legal-compliance", categories: ["contact.phone"], legalBasis: "legal-obligation", recipient: { id: "psb", name: "PSB", kind: "authority", region: "CN" }', false, ['disclosure-without-legal-basis']],
    ['disclosing what a recorded subpoena asked for', 'subjectId: "u-1002", purpose: "legal-compliance", categories: ["contact.phone"], legalBasis: "legal-obligation", legalRequestId: "lr-2026-17", recipient: { id: "psb", name: "PSB", kind: "authority", region: "CN" }', true, []],
    ['sending e-mail abroad under the separate consent', 'subjectId: "u-1003", purpose: "service-provision", categories: ["contact.email"], consentId: "c-xborder-u-1003", recipient: { id: "crm-us", name: "CRM Inc", kind: "processor", region: "US" }', true, []],
    ['sending it abroad for a subject who never consented', 'subjectId: "u-1001", purpose: "service-provision", categories: ["contact.email"], recipient: { id: "crm-us", name: "CRM Inc", kind: "processor", region: "US" }', false, ['cross-border-without-consent']],
    ['anything for an erased subject', 'subjectId: "u-1005", purpose: "service-provision", categories: ["contact.email"]', false, [null]],
  ])('authorize: %s', async (_name, args, allowed, rules) => {
    const { data, errors } = await ask(args);
    expect(errors).toBeUndefined();
    expect(data!.authorize.allowed).toBe(allowed);
    expect(data!.authorize.reasons.map((r) => r.rule)).toEqual(rules);
    expect(data!.authorize.policyVersion).toBe('1');
  });

  it('authorize refuses an unknown purpose with a clear error', async () => {
    const { errors } = await ask('subjectId: "u-1001", purpose: "curiosity", categories: ["contact.email"]');
    expect(errors?.[0]).toMatchObject({ extensions: { code: 'VALIDATION' } });
    expect(errors?.[0]?.message).toContain('purpose: unknown purpose "curiosity"');
  });
});

describe('pdl export on the demo', () => {
  it('writes the subject\'s package as JSON and HTML (0600), values opened, with a proof pdl verify-proof accepts; a subject never seen is refused', async () => {
    const out = join(dir, 'export');
    // The export signs a checkpoint when the ledger grew: the quick start's key, beside the data.
    const run = await runPdl(['--db', db, '--embedded-keys', 'export', '--subject', 'u-1001', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/wrote .*u-1001\.json and .*u-1001\.html: \d+ events, each proven against a signed checkpoint/);
    for (const file of ['u-1001.json', 'u-1001.html']) expect(statSync(join(out, file)).mode & 0o777).toBe(0o600);
    const pkg = JSON.parse(readFileSync(join(out, 'u-1001.json'), 'utf8')) as { categories: { category: string; value: string | null }[]; proof: unknown; rights: string[] };
    expect(pkg.categories.find((c) => c.category === 'contact.email')?.value).toBe('li.wei@example.cn');
    expect(pkg.categories.find((c) => c.category === 'biometric.face')?.value).toBe('face-template-v2:u-1001');
    writeFileSync(join(out, 'proof.json'), JSON.stringify(pkg.proof));
    // Checked against the key the operator publishes, not the one the package carries.
    const published = (await runPdl(['--db', db, 'checkpoint', '--verifier-key'])).stdout.trim();
    const checked = await runPdl(['verify-proof', join(out, 'proof.json'), '--key', published]);
    expect(checked.code).toBe(0);
    const unpinned = await runPdl(['verify-proof', join(out, 'proof.json')]);
    expect(unpinned.code).toBe(1);
    expect(unpinned.stdout).toContain('no verifier key pinned');
    expect(readFileSync(join(out, 'u-1001.html'), 'utf8')).toContain('li.wei@example.cn');
    // The operator saw values: recorded.
    const events = await runPdl(['--db', db, 'events', '--subject', 'u-1001', '--json']);
    expect(events.stdout).toContain('"operation":"cli.export"');
    // Each line names the event and its subject, so report evidence can be followed in the timeline.
    const lines = (await runPdl(['--db', db, 'events', '--subject', 'u-1001'])).stdout.trim().split('\n');
    const registration = lines.find((line) => line.includes(demoEventId('u-1001 registration')));
    expect(registration).toMatch(/^#\d+ +2026-02-01T09:00:00\.000Z +DataCollected +[0-9a-f-]{36} +u-1001 +contact\.email,contact\.phone/);
    const unknown = await runPdl(['--db', db, 'export', '--subject', 'nobody-xyz', '--out', out]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has not seen subject nobody-xyz');
  });
});

describe('pdl validate', () => {
  it('checks events without a ledger: every problem by line and path, exit 1 when any line is invalid; nothing is recorded', async () => {
    const file = join(dir, 'to-validate.ndjson');
    const good = anEvent('DataUsed');
    const bad = anEvent('DataCollected', { id: '00000000-0000-0000-0000-000000000000', data: { categories: ['contact.fax'] } });
    writeFileSync(file, `${JSON.stringify(good)}\n${JSON.stringify(bad)}\nnot json\n`);
    const run = await runPdl(['--db', join(dir, 'never-created.db'), 'validate', file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('line 2: id: the nil UUID is no idempotency key');
    expect(run.stdout).toContain('line 2: data.categories[0]: unknown category "contact.fax"');
    expect(run.stdout).toContain('line 3: (root):');
    expect(run.stdout.trim().split('\n').at(-1)).toBe('1 valid, 2 invalid');
    expect(existsSync(join(dir, 'never-created.db'))).toBe(false);
  });
});

describe('the package, imported by a JavaScript producer', () => {
  it('personal-data-ledger/schemas validates an event with the ledger\'s rules; personal-data-ledger/verifier checks bundles', async () => {
    const script = `
      const { validateEvent } = await import('personal-data-ledger/schemas');
      const { verifyBundle } = await import('personal-data-ledger/verifier');
      const bad = validateEvent({ id: 'x', type: 'DataUsed' });
      console.log(JSON.stringify({ ok: bad.ok, paths: bad.errors.map((e) => e.path), verifier: typeof verifyBundle }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const answer = JSON.parse(run.stdout) as { ok: boolean; paths: string[]; verifier: string };
    expect(answer).toMatchObject({ ok: false, verifier: 'function' });
    expect(answer.paths).toEqual(expect.arrayContaining(['id', 'occurredAt', 'subject', 'actor']));
  });
});
