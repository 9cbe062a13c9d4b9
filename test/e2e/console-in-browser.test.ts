/**
 * The DPO console in a real browser — Debian's Chromium, headless, driven by playwright-core —
 * against `pdl serve` on the demo ledger, found by the names a person (or a screen reader) uses:
 * "API key", "Sign in", "Subjects", "Find a subject"… Each page is checked by axe-core and
 * photographed into test-results/console/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEventId } from '../../services/demo/scenario.js';
import { anEvent, registration } from '../fixtures/events.js';
import { accessibilityProblems, chromiumMissing, CHROMIUM, SHOTS, signIn as signInAt } from './browser.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { runPdl, tempDir } from './run-pdl.js';

const skipWhy = chromiumMissing('console-in-browser');

let server: PdlServer;
let browser: Browser;
let auditorKey: string;
/** The verifier key as the operator publishes it: read on the ledger's host, not from the server's answers. */
let publishedKey: string;

beforeAll(async () => {
  if (skipWhy) return;
  const db = join(tempDir('console'), 'ledger.db');
  expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
  server = await startPdlServer({ db });
  auditorKey = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: auditor, label: "console test") { key } }')).data!.createApiKey.key;
  publishedKey = (await runPdl(['--db', db, 'checkpoint', '--verifier-key'])).stdout.trim();
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Pins a verifier key on the Proof page, as a user would paste the one the operator publishes. */
async function pin(page: Page, verifierKey: string): Promise<void> {
  await page.getByRole('link', { name: 'Proof', exact: true }).click();
  await page.getByLabel('Verifier key to pin').fill(verifierKey);
  await page.getByRole('button', { name: 'Pin this key' }).click();
  await page.getByRole('button', { name: 'Unpin' }).waitFor();
}

const signIn = (key: string, viewport?: { width: number; height: number }) => signInAt(browser, server.url, key, viewport);

async function checkAndShoot(page: Page, name: string): Promise<void> {
  expect(await accessibilityProblems(page), `axe on ${name}`).toEqual([]);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

describe.skipIf(skipWhy !== null)('the DPO console in headless Chromium', () => {
  it('refuses a bad key with a message, and offers sign-in again', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await checkAndShoot(page, 'sign-in');
    await page.getByLabel('API key').fill('pdl_0000_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('That API key was refused');
    await page.close();
  });

  it('admin: finds a subject by e-mail written in another case and sees the decrypted value, with the proof checked in the browser', async () => {
    const page = await signIn(server.adminKey);
    await pin(page, publishedKey);
    await page.getByRole('link', { name: 'Subjects' }).click();
    await page.getByLabel('Find a subject').fill('LI.Wei@Example.CN');
    const [address, entries] = [page.url(), await page.evaluate(() => history.length)];
    await page.getByLabel('Find a subject').press('Enter');
    await page.getByRole('link', { name: 'u-1001' }).waitFor();
    // Looked up in place: no navigation, so neither the address nor the browser's history holds the e-mail.
    expect(page.url()).toBe(address);
    expect(await page.evaluate(() => history.length)).toBe(entries);
    await page.getByRole('link', { name: 'u-1001' }).click();
    await page.getByRole('heading', { name: 'Subject u-1001' }).waitFor();
    // Masked until revealed: the page asked for no value, so none was read (and none recorded as read).
    expect(await page.getByRole('table', { name: 'What is held' }).textContent()).not.toContain('li.wei@example.cn');
    expect(await page.getByRole('table', { name: 'What is held' }).textContent()).toContain('masked');
    const viewed = async () => (await server.gql<{ events: { totalCount: number } }>('{ events(filter: { subjectId: "u-1001", type: "DataViewed" }) { totalCount } }')).data!.events.totalCount;
    const viewsBefore = await viewed();
    await page.getByRole('button', { name: 'Reveal values' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'What is held' }).textContent()).toContain('li.wei@example.cn');
    // The reveal is a read the ledger recorded.
    expect(await viewed()).toBeGreaterThan(viewsBefore);
    // The page says who the person is once revealed.
    await expect.poll(() => page.locator('p.person').textContent()).toBe('E-mail li.wei@example.cn · phone +8613800001001');
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 10_000 }).toMatch(/Proof checked with the pinned key \S+\+[0-9a-f]{8}: all \d+ events are in the ledger/);
    expect(await page.getByRole('button', { name: /^Download package/ }).count()).toBe(2);
    // The readable package, as the subject would read it, and a line saying it was downloaded.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download package (HTML)' }).click()]);
    expect(download.suggestedFilename()).toBe('u-1001.html');
    const html = readFileSync((await download.path())!, 'utf8');
    expect(html).toContain('<html');
    expect(html).toContain('li.wei@example.cn');
    // Who to write to, from the published policy; labels where the ledger keeps ids (no staff key, no operation name).
    expect(html).toContain('dpo@minigame.example.com');
    expect(html).toContain('A member of staff');
    expect(html).toContain('your record, opened by staff');
    expect(html).not.toMatch(/employee:|api-key:|subjectAccess\.timeline|console\.[0-9a-f]{6}/);
    await expect.poll(() => page.getByText(/^Downloaded u-1001\.html/).count()).toBe(1);
    await checkAndShoot(page, 'subject');
    await page.close();
  });

  it('proof check: without a pinned key it cannot vouch; a key of another ledger fails it, saying so; the published key passes, shown with its key hash', async () => {
    const page = await signIn(auditorKey);
    await page.goto(`${server.url}/#/subject/u-1002`);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 10_000 }).toContain('Proof not checked: no verifier key is pinned in this browser');
    expect(await page.getByRole('status').getByRole('link', { name: 'Proof page' }).count()).toBe(1);
    const otherLedger = (await runPdl(['--db', join(tempDir('other-ledger'), 'ledger.db'), '--embedded-keys', 'checkpoint', '--verifier-key'])).stdout.trim();
    await pin(page, otherLedger);
    expect(await page.getByRole('region', { name: 'Pinned verifier key' }).textContent()).toContain('This server signs with another key');
    await page.goto(`${server.url}/#/subject/u-1002`);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 10_000 })
      .toMatch(/^Proof failed: this server signs with \S+, not with the key pinned in this browser/);
    await page.getByRole('link', { name: 'Proof', exact: true }).click();
    await page.getByRole('button', { name: 'Unpin' }).click();
    await page.getByLabel('Verifier key to pin').fill('not a key');
    await page.getByRole('button', { name: 'Pin this key' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Not pinned');
    await pin(page, publishedKey);
    const section = await page.getByRole('region', { name: 'Pinned verifier key' }).textContent();
    expect(section).toContain(`Key hash ${publishedKey.split('+')[1]}`);
    expect(section).toContain('This server signs with it.');
    await checkAndShoot(page, 'proof-pinned');
    await page.goto(`${server.url}/#/subject/u-1002`);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 10_000 }).toMatch(/^Proof checked with the pinned key/);
    await page.close();
  });

  it('compliance: every section of the report, violations filtered by rule and downloaded as CSV, the whole report as JSON and as HTML', async () => {
    const { data } = await server.gql<{ complianceReport: { violations: { rule: string; eventIds: string[] }[]; incidents: { incidentId: string }[]; shutdowns: { service: string }[]; summary: { rule: string }[] } }>(
      '{ complianceReport { violations { rule eventIds } incidents { incidentId } shutdowns { service } summary { rule } } }');
    const report = data!.complianceReport;
    const page = await signIn(server.adminKey);
    await page.getByRole('link', { name: 'Compliance' }).click();
    await page.getByRole('table', { name: 'Violations' }).waitFor();
    for (const name of ['Incidents: the reporting clock', 'Shutdowns', 'Retention: held past due', 'Open requests', 'Transfers abroad', 'Legal requests by authority']) {
      expect(await page.getByText(name, { exact: false }).count(), name).toBeGreaterThan(0);
    }
    expect(await page.getByRole('table', { name: 'Incidents: the reporting clock' }).textContent()).toContain(report.incidents[0]!.incidentId);
    expect(await page.getByRole('table', { name: 'Shutdowns' }).textContent()).toContain(report.shutdowns[0]!.service);
    expect(await page.getByText(/^Erasures in backups: \d+ erased/).count()).toBe(1);
    const rule = 'third-party-share';
    const expected = report.violations.filter((v) => v.rule === rule);
    expect(expected.length).toBeGreaterThan(0);
    await page.getByLabel('Show violations of').selectOption(rule);
    await expect.poll(() => page.url()).toContain(`rule=${rule}`);
    await expect.poll(async () => [...new Set(await page.getByRole('table', { name: 'Violations' }).locator('tbody tr td:nth-child(2)').allTextContents())]).toEqual([rule]);
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download violations (CSV)' }).click()]);
    const csv = readFileSync((await csvDownload.path())!, 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe('"occurred","ended","still open","rule","subject","policy","what","evidence"');
    expect(csv.slice(1).map((line) => line.split('","')[3])).toEqual(expected.map(() => rule));
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the report (JSON)' }).click()]);
    const saved = JSON.parse(readFileSync((await jsonDownload.path())!, 'utf8')) as { violations: { rule: string }[] };
    expect(saved.violations.length).toBe(report.violations.length);
    // The readable report, as pdl report --format html writes it: every rule named, the evidence appendix.
    const [htmlDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the report (HTML)' }).click()]);
    expect(htmlDownload.suggestedFilename()).toMatch(/^compliance-report-\d{4}-\d{2}-\d{2}.*\.html$/);
    const readable = readFileSync((await htmlDownload.path())!, 'utf8');
    expect(readable).toContain('<html');
    for (const { rule: named } of report.summary) expect(readable).toContain(named);
    expect(report.summary.length).toBeGreaterThan(0);
    expect(readable).toContain('Appendix: the events cited as evidence');
    await checkAndShoot(page, 'compliance-sections');
    await page.close();
  });

  it('compliance: names every rule the API reports; an evidence link opens its event', async () => {
    const page = await signIn(server.adminKey);
    await page.getByRole('link', { name: 'Compliance' }).click();
    const violations = page.getByRole('table', { name: 'Violations' });
    await violations.waitFor();
    const { data } = await server.gql<{ complianceReport: { violations: { rule: string }[] } }>('{ complianceReport { violations { rule } } }');
    const text = await violations.textContent();
    for (const rule of new Set(data!.complianceReport.violations.map((v) => v.rule))) expect(text, rule).toContain(rule);
    await checkAndShoot(page, 'compliance');
    const evidence = demoEventId('u-1004 shared with ad network');
    await page.getByRole('link', { name: evidence.slice(0, 8) }).first().click();
    await page.getByRole('heading', { name: 'Event DataShared' }).waitFor();
    expect(await page.getByRole('table', { name: 'Event' }).textContent()).toContain(evidence);
    await checkAndShoot(page, 'event');
    await page.close();
  });

  it('incidents: the list, then one incident and the subjects it touched', async () => {
    const page = await signIn(server.adminKey);
    await page.getByRole('link', { name: 'Incidents' }).click();
    await page.getByRole('link', { name: 'inc-2026-04' }).click();
    await page.getByRole('heading', { name: 'Incident inc-2026-04' }).waitFor();
    const affected = await page.getByRole('table', { name: 'Affected subjects' }).textContent();
    for (const id of ['u-1001', 'u-1002', 'u-1003', 'u-1004', 'u-1005', 'u-1006']) expect(affected).toContain(id);
    // Its clock, as the scenario reported it: everybody affected told on 18 April, the authority on 20 April; categories as labels.
    const facts = await page.getByRole('table', { name: 'Incident' }).textContent();
    expect(facts).toContain('authority told2026-04-20T16:00:00.000Z');
    expect(facts).toContain('people told6 told, 0 not');
    expect(affected).toContain('2026-04-18T10:00:00.000Z');
    expect(affected).not.toContain('network.ip-address');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the affected list (CSV)' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe('"subject","categories","systems","told at"');
    expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual(['"u-1001"', '"u-1002"', '"u-1003"', '"u-1004"', '"u-1005"', '"u-1006"']);
    expect(csv.join('\n')).not.toContain('@');
    await checkAndShoot(page, 'incident');
    for (const [section, heading] of [['Register', 'Register'], ['Events', 'Events'], ['Proof', 'Proof']] as const) {
      await page.getByRole('link', { name: section }).click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await checkAndShoot(page, section.toLowerCase());
    }
    await page.close();
  });

  it('events: filtered by subject, page after page; compliance: a period, with the transparency section', async () => {
    const page = await signIn(server.adminKey);
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByRole('heading', { name: 'Events', exact: true }).waitFor();
    await page.getByLabel('Subject', { exact: true }).fill('u-1001');
    await page.getByLabel('Subject', { exact: true }).press('Enter');
    await expect.poll(() => page.getByText(/^\d+ events\.$/).textContent()).toMatch(/^1[0-9] events\.$/);
    const subjects = await page.getByRole('table', { name: 'Timeline' }).locator('tbody tr td:nth-child(4)').allTextContents();
    expect(new Set(subjects)).toEqual(new Set(['u-1001']));
    await page.getByRole('link', { name: 'Compliance' }).click();
    await page.getByRole('heading', { name: 'Compliance', exact: true }).waitFor();
    await page.getByLabel('Processing from').fill('2026-04-01');
    await page.getByLabel('Processing to').fill('2026-04-30');
    await page.getByRole('button', { name: 'Judge' }).click();
    await page.getByText(/processing from 2026-04-01 to 2026-04-30/).waitFor();
    expect(await page.getByRole('table', { name: 'Legal requests by authority' }).textContent()).toContain('Shanghai Public Security Bureau');
    const rules = await page.getByRole('table', { name: 'Violations' }).locator('tbody tr td:nth-child(2)').allTextContents();
    // April's wrongs only: the ad network share and the export abroad are in it; the shutdown (July) is not.
    expect(rules).toContain('third-party-share');
    expect(rules).not.toContain('shutdown-deletion-overdue');
    await page.close();
  });

  it('events: the incident\'s system up to the end of its month, newest first, finds exactly the events the API gives for them; a type from the list, an e-mail as the subject (never in the address)', async () => {
    const { incidentImpact } = (await server.gql<{ incidentImpact: { systems: string[]; windowFrom: string; windowTo: string } }>(
      '{ incidentImpact(incidentId: "inc-2026-04") { systems windowFrom windowTo } }')).data!;
    const [system] = incidentImpact.systems;
    // What went into the breached system up to the incident, and the incident itself: from the year's start to the end of the window's month.
    const [from, to] = ['2026-01-01', `${incidentImpact.windowTo.slice(0, 7)}-30`];
    const expected = (await server.gql<{ events: { edges: { node: { id: string } }[] } }>(
      'query($f: EventFilter) { events(filter: $f, first: 500, newest: true) { edges { node { id } } } }', { f: { system, from, to } })).data!.events.edges.map((e) => e.node.id);
    expect(expected.length).toBeGreaterThan(1);
    const positions = (await server.gql<{ events: { edges: { node: { position: number } }[] } }>(
      'query($f: EventFilter) { events(filter: $f, first: 500, newest: true) { edges { node { position } } } }', { f: { system, from, to } })).data!.events.edges.map((e) => e.node.position);
    expect(positions).toEqual([...positions].sort((a, b) => b - a));
    const page = await signIn(server.adminKey);
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByRole('heading', { name: 'Events', exact: true }).waitFor();
    await page.getByLabel('System').fill(system!);
    await page.getByLabel('Happened from').fill(from);
    await page.getByLabel('Happened to').fill(to);
    await page.getByLabel('Newest first').check();
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.getByText(/^\d+ events\.$/).textContent()).toBe(`${expected.length} events.`);
    const shown = await page.getByRole('table', { name: 'Timeline' }).locator('tbody tr td:last-child a').evaluateAll((links) => links.map((a) => a.getAttribute('title')));
    expect(shown).toEqual(expected);
    await checkAndShoot(page, 'events-filtered');

    await page.getByLabel('System').fill('');
    await page.getByLabel('Happened from').fill('');
    await page.getByLabel('Happened to').fill('');
    await page.getByLabel('Event type').selectOption('DataShared');
    await page.getByLabel('Subject', { exact: true }).fill('Wang.Fang@example.cn');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.url()).toContain('type=DataShared');
    expect(page.url()).not.toContain('example.cn');
    expect(page.url()).toContain('subject=u-1002');
    // The address changes first; the page once its answer is in.
    const types = () => page.getByRole('table', { name: 'Timeline' }).locator('tbody tr td:nth-child(3)').allTextContents();
    await expect.poll(async () => [...new Set(await types())]).toEqual(['DataShared']);
    const what = await page.getByRole('table', { name: 'Timeline' }).locator('tbody tr td:nth-child(5)').allTextContents();
    expect(what.every((line) => line.includes(' to '))).toBe(true);
    await page.close();
  });

  it('at 390 px wide (a phone): every section in the header within the screen, no page wider than it, on every section', async () => {
    const page = await signIn(server.adminKey, { width: 390, height: 844 });
    for (const section of ['Subjects', 'Requests', 'Orders', 'Compliance', 'Incidents', 'Register', 'Events', 'Proof']) {
      await page.getByRole('link', { name: section, exact: true }).click();
      await page.getByRole('heading', { name: section, exact: true }).waitFor();
      for (const name of ['Subjects', 'Requests', 'Orders', 'Compliance', 'Incidents', 'Register', 'Events', 'Proof', 'Sign out']) {
        const box = await page.getByRole(name === 'Sign out' ? 'button' : 'link', { name, exact: true }).boundingBox();
        expect(box, `${name} on ${section}`).not.toBeNull();
        expect(box!.x, `${name} on ${section}`).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, `${name} on ${section}`).toBeLessThanOrEqual(390);
      }
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `page width on ${section}`).toBeLessThanOrEqual(390);
      await checkAndShoot(page, `narrow-${section.toLowerCase()}`);
    }
    await page.close();
  });

  it('compliance: the preset "This month" around 4 December counts the access request overdue since July, marked still open (issue 26, finding 2)', async () => {
    const page = await signIn(auditorKey);
    await page.getByRole('link', { name: 'Compliance' }).click();
    await page.getByRole('heading', { name: 'Compliance', exact: true }).waitFor();
    await page.getByLabel('As of').fill('2026-12-04');
    await page.getByRole('group', { name: 'Period presets' }).getByRole('button', { name: 'This month' }).click();
    await page.getByText(/processing from 2026-12-01 to 2026-12-31/).waitFor();
    expect([await page.getByLabel('Processing from').inputValue(), await page.getByLabel('Processing to').inputValue()]).toEqual(['2026-12-01', '2026-12-31']);
    // The day given is the whole day, as on the command line and in the API.
    expect(await page.getByText(/processing from 2026-12-01/).textContent()).toBe(
      'As of 2026-12-04T23:59:59.999Z, processing from 2026-12-01 to 2026-12-31, policy version 1: 2 violations (2 still open).');
    const rows = await page.getByRole('table', { name: 'Violations' }).locator('tbody tr').allTextContents();
    const overdue = rows.find((row) => row.includes('request-overdue'));
    expect(overdue).toContain('2026-07-20 – still open (began before the period)');
    expect(overdue).toContain('u-1003');
    // The table beside it says the same.
    expect(await page.getByRole('table', { name: 'Open requests' }).textContent()).toContain('r-1003-access');
    await checkAndShoot(page, 'compliance-period');
    // April's transfer to Singapore is not November's; in April it is listed with the consent status it has without a period.
    await page.getByRole('button', { name: 'Last month' }).click();
    await page.getByText(/processing from 2026-11-01 to 2026-11-30/).waitFor();
    expect(await page.getByText('Transfers abroad: None.').count()).toBe(1);
    await page.getByLabel('Processing from').fill('2026-04-01');
    await page.getByLabel('Processing to').fill('2026-04-30');
    await page.getByRole('button', { name: 'Judge' }).click();
    await page.getByText(/processing from 2026-04-01 to 2026-04-30/).waitFor();
    const transfers = await page.getByRole('table', { name: 'Transfers abroad' }).locator('tbody tr').allTextContents();
    expect(transfers.find((row) => row.startsWith('SG'))).toBe('SGu-1002not-valid');
    await page.close();
  });

  it('auditor: the same subject, with no value and no download or erase', async () => {
    const page = await signIn(auditorKey);
    await page.goto(`${server.url}/#/subject/u-1001`);
    await page.getByRole('heading', { name: 'Subject u-1001' }).waitFor();
    const held = await page.getByRole('table', { name: 'What is held' }).textContent();
    expect(held).not.toContain('li.wei@example.cn');
    expect(held).toContain('hidden for your role');
    expect(await page.getByRole('button', { name: /^Download package/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Erase' }).count()).toBe(0);
    // Looking someone up by e-mail is not the auditor's: the page says so in words, not with the API's permission name.
    await page.getByRole('link', { name: 'Subjects' }).click();
    await page.getByLabel('Find a subject').fill('li.wei@example.cn');
    await page.getByLabel('Find a subject').press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('may not look people up by e-mail or phone number');
    expect(await page.getByRole('alert').textContent()).not.toContain('lookUpByIdentifier');
    expect(page.url()).not.toContain('example.cn');
    await page.close();
  });

  it('requests: a dpo records an access request by e-mail, completes it, and the report no longer lists it open; an overdue one refused leaves it too', async () => {
    const dpoKey = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: dpo, label: "console requests") { key } }')).data!.createApiKey.key;
    const openInReport = async () => (await server.gql<{ complianceReport: { openRequests: { requestId: string; subjectId: string }[] } }>(
      '{ complianceReport { openRequests { requestId subjectId } } }')).data!.complianceReport.openRequests;
    const page = await signIn(dpoKey);
    await page.getByRole('link', { name: 'Requests', exact: true }).click();
    await page.getByRole('heading', { name: 'Requests', exact: true }).waitFor();
    const rows = () => page.getByRole('table', { name: 'Requests' }).locator('tbody tr');
    const before = await rows().count();
    await page.getByLabel('Subject', { exact: true }).fill('Wang.Fang@example.cn');
    await page.getByLabel('Right exercised').selectOption({ label: 'Access' });
    await page.getByRole('button', { name: 'Record the request' }).click();
    await expect.poll(() => rows().count()).toBe(before + 1);
    expect(page.url()).not.toContain('example.cn');
    const mine = (await openInReport()).find((r) => r.subjectId === 'u-1002' && !r.requestId.startsWith('r-1002'));
    expect(mine).toBeDefined();
    // The overdue come first; the new one, 15 days to go, after them.
    const statuses = await page.getByRole('table', { name: 'Requests' }).locator('tbody tr td:first-child').allTextContents();
    expect(statuses.lastIndexOf('overdue')).toBeLessThan(statuses.indexOf('open'));
    await checkAndShoot(page, 'requests');
    // Answered from its row: the readable package, with the controller's contact and labels, then completed.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Package for ${mine!.requestId}` }).click()]);
    expect(download.suggestedFilename()).toBe('u-1002.html');
    const html = readFileSync((await download.path())!, 'utf8');
    expect(html).toContain('wang.fang@example.cn');
    expect(html).toContain('privacy@minigame.example.com');
    await expect.poll(() => page.getByText(/^Downloaded u-1002\.html/).count()).toBe(1);
    await page.getByRole('button', { name: `Complete ${mine!.requestId}` }).click();
    await expect.poll(async () => (await openInReport()).map((r) => r.requestId)).not.toContain(mine!.requestId);
    const overdue = (await openInReport()).find((r) => r.requestId !== mine!.requestId);
    expect(overdue).toBeDefined();
    // A refusal names its reason, from the taxonomy; the ledger keeps it.
    await page.getByRole('button', { name: `Refuse ${overdue!.requestId}` }).click();
    const refusal = page.getByRole('form', { name: `Refuse ${overdue!.requestId}` });
    await refusal.getByLabel('Reason').selectOption({ label: 'Excessive or repeated' });
    await refusal.getByRole('button', { name: 'Refuse with this reason' }).click();
    await expect.poll(async () => (await openInReport()).map((r) => r.requestId)).not.toContain(overdue!.requestId);
    const answered = (await server.gql<{ requests: { requestId: string; outcome: string; refusalReason: string | null }[] }>(
      '{ requests(status: "completed", first: 500) { requestId outcome refusalReason } }')).data!.requests;
    expect(answered.find((r) => r.requestId === overdue!.requestId)).toEqual({ requestId: overdue!.requestId, outcome: 'rejected', refusalReason: 'excessive' });
    expect(answered.find((r) => r.requestId === mine!.requestId)).toEqual({ requestId: mine!.requestId, outcome: 'fulfilled', refusalReason: null });
    await page.getByRole('link', { name: 'Completed' }).click();
    await expect.poll(async () => page.getByRole('table', { name: 'Requests' }).textContent()).toContain(mine!.requestId);
    await page.close();
  });

  it('read-your-writes: a request a dpo records is in the very first read after it, which asks for the write\'s position, as does every read after, reloads included', async () => {
    const dpoKey = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: dpo, label: "console read-your-writes") { key } }')).data!.createApiKey.key;
    const page = await signIn(dpoKey);
    await page.getByRole('link', { name: 'Requests', exact: true }).click();
    await page.getByRole('heading', { name: 'Requests', exact: true }).waitFor();
    // Every GraphQL request the tab makes from here, passed through as it is: what it asked, with which PDL-At-Least, and the answer.
    const sent: { body: string; atLeast: string | null; answer: Promise<string> }[] = [];
    await page.route('**/graphql', async (route) => {
      const request = route.request();
      let settle!: (text: string) => void;
      sent.push({ body: request.postData() ?? '', atLeast: request.headers()['pdl-at-least'] ?? null, answer: new Promise((resolve) => (settle = resolve)) });
      const response = await route.fetch();
      const text = await response.text();
      settle(text);
      await route.fulfill({ response, body: text });
    });
    await page.getByLabel('Subject', { exact: true }).fill('u-1004');
    await page.getByLabel('Right exercised').selectOption({ label: 'Access' });
    await page.getByRole('button', { name: 'Record the request' }).click();
    await expect.poll(() => sent.findIndex((r) => r.body.includes('recordEvents'))).toBeGreaterThanOrEqual(0);
    const at = sent.findIndex((r) => r.body.includes('recordEvents'));
    const write = sent[at]!;
    const requestId = (JSON.parse(write.body) as { variables: { e: { data: { requestId: string } }[] } }).variables.e[0]!.data.requestId;
    const position = (JSON.parse(await write.answer) as { data: { recordEvents: { position: number } } }).data.recordEvents.position;
    expect(position).toBeGreaterThan(0);
    // The page reloads at once: its first read of the requests asks for the position and holds the new request, no retry.
    await page.getByRole('table', { name: 'Requests' }).getByText(requestId, { exact: true }).waitFor();
    const firstRead = sent.slice(at + 1).find((r) => r.body.includes('requests('))!;
    expect(firstRead.atLeast).toBe(String(position));
    expect(await firstRead.answer).toContain(requestId);
    // A reload of the tab keeps asking (the position is kept for the tab, like its key).
    await page.reload();
    await page.getByRole('table', { name: 'Requests' }).getByText(requestId, { exact: true }).waitFor();
    const after = sent.slice(at + 1);
    expect(after.length).toBeGreaterThanOrEqual(4);
    expect(new Set(after.map((r) => r.atLeast))).toEqual(new Set([String(position)]));
    await page.close();
  });

  it('subjects: a list longer than a page has a next page', async () => {
    // Last in this file: 105 more people, after every test that counts the demo's.
    const more = Array.from({ length: 105 }, (_, i) => registration(`u-p-${String(i).padStart(3, '0')}`, `p${i}@example.cn`, `+86139${String(i).padStart(8, '0')}`));
    const recorded = await server.gql<{ recordEvents: { appended: number; position: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended position } }', { e: more });
    expect(recorded.data!.recordEvents.appended).toBe(105);
    // Written through another door than the console's: the read models are asked to hold it before the page is read (read-your-writes).
    await server.gql('{ ledgerHead { position } }', {}, server.adminKey, { 'pdl-at-least': String(recorded.data!.recordEvents.position) });
    const page = await signIn(server.adminKey);
    await page.getByRole('link', { name: 'Subjects' }).click();
    await page.getByRole('heading', { name: 'Subjects', exact: true }).waitFor();
    const first = await page.getByRole('table', { name: 'Subjects found' }).locator('tbody tr').count();
    expect(first).toBe(100);
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect.poll(() => page.url()).toContain('after=');
    await expect.poll(async () => (await page.getByRole('table', { name: 'Subjects found' }).locator('tbody tr td:first-child').allTextContents())[0]).not.toBe('u-1001');
    await page.close();
  });
});

describe('GraphiQL for people who write queries', () => {
  it('is sent compressed (brotli: a fraction of its 9 MB), opens with the header to fill in, and the placeholder key gets instructions, not "unknown"', async () => {
    const graphiql = await startPdlServer({ graphiql: true });
    try {
      // The page is small; its script (9 MB, named by its hash) is what is compressed.
      const page = await (await fetch(`${graphiql.url}/graphql`, { headers: { accept: 'text/html' } })).text();
      const script = /<script src="([^"]+)"/.exec(page)![1]!;
      const response = await fetch(`${graphiql.url}${script}`, { headers: { 'accept-encoding': 'br' } });
      expect(response.headers.get('content-encoding')).toBe('br');
      const sent = Number(response.headers.get('content-length'));
      const code = await response.text(); // fetch decodes it
      expect(sent).toBeLessThan(code.length / 3);
      expect(code).toContain('paste your key');
      const placeholder = await graphiql.gql('{ ledgerHead { position } }', {}, '<paste your key>');
      expect(placeholder.status).toBe(401);
      expect(placeholder.errors?.[0]?.message).toContain('paste your API key over <paste your key> in the Headers tab');
    } finally {
      await graphiql.stop();
    }
  });
});

describe.skipIf(skipWhy !== null)('erasing from the console', () => {
  it('a dpo erases a subject after confirming: the page then says the values can no longer be read', async () => {
    const dpoKey = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: dpo, label: "console erase") { key } }')).data!.createApiKey.key;
    const page = await signIn(dpoKey);
    await page.goto(`${server.url}/#/subject/u-1006`);
    await page.getByRole('button', { name: 'Erase', exact: true }).click();
    // Asked on the page, with the reason chosen from the taxonomy.
    await page.getByRole('form', { name: 'Erase u-1006' }).waitFor();
    await page.getByLabel('Reason').selectOption({ label: 'Consent withdrawn' });
    await checkAndShoot(page, 'erase-question');
    await page.getByRole('button', { name: 'Erase for good' }).click();
    await page.getByText(/^Erased \d{4}-\d{2}-\d{2}: values can no longer be read\.$/).waitFor();
    const { data } = await server.gql<{ subjectAccess: { erased: boolean; consents: { status: string }[]; timeline: { edges: { node: { type: string; data: { reason?: string } } }[] } } }>(
      '{ subjectAccess(subjectId: "u-1006") { erased consents { status } timeline(first: 100) { edges { node { type data } } } } }');
    expect(data!.subjectAccess.erased).toBe(true);
    expect(data!.subjectAccess.timeline.edges.map((e) => e.node).find((n) => n.type === 'SubjectErased')?.data.reason).toBe('consent-withdrawn');
    // After erasure no consent shows as active: it ended with the erasure.
    expect(data!.subjectAccess.consents.map((c) => c.status)).not.toContain('active');
    expect(data!.subjectAccess.consents.map((c) => c.status)).toContain('ended-by-erasure');
    await page.close();
  });

  it('erasing a subject with an open erasure request names the request and completes it', async () => {
    const dpoKey = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: dpo, label: "console erase request") { key } }')).data!.createApiKey.key;
    const request = anEvent('SubjectRequestReceived', { subject: { id: 'u-1004' }, data: { requestId: 'r-1004-erasure', kind: 'erasure' } });
    const received = await server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: [request] });
    expect(received.data!.recordEvents.appended).toBe(1);
    const page = await signIn(dpoKey);
    await page.goto(`${server.url}/#/subject/u-1004`);
    await page.getByRole('button', { name: 'Erase', exact: true }).click();
    const asked = await page.getByRole('form', { name: 'Erase u-1004' }).textContent();
    await page.getByRole('form', { name: 'Erase u-1004' }).getByLabel('Reason').selectOption({ label: 'Consent withdrawn' });
    await page.getByRole('button', { name: 'Erase for good' }).click();
    await page.getByText(/^Erased \d{4}-\d{2}-\d{2}: values can no longer be read\.$/).waitFor();
    expect(asked).toContain('This answers their erasure request r-1004-erasure');
    const { data } = await server.gql<{ subjectAccess: { erased: boolean; requests: { requestId: string; status: string }[]; timeline: { edges: { node: { type: string; data: { requestId?: string } } }[] } } }>(
      '{ subjectAccess(subjectId: "u-1004") { erased requests { requestId status } timeline(first: 100) { edges { node { type data } } } } }');
    expect(data!.subjectAccess.erased).toBe(true);
    expect(data!.subjectAccess.requests.find((r) => r.requestId === 'r-1004-erasure')?.status).toBe('completed');
    const erasure = data!.subjectAccess.timeline.edges.map((e) => e.node).find((n) => n.type === 'SubjectErased');
    expect(erasure?.data).toMatchObject({ requestId: 'r-1004-erasure', reason: 'consent-withdrawn' });
    await page.close();
  });
});
