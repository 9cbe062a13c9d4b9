/**
 * A migrated copy, in the console in a real browser (Debian's Chromium through playwright-core),
 * checked with the key the operator published for the original: the copy proves the same history
 * under it; with one event altered in the copy and its read models rebuilt (the forged recipient on
 * the page), the proof is refused under that key, and the page says what to do.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEventId } from '../../services/demo/scenario.js';
import { accessibilityProblems, chromiumMissing, CHROMIUM, SHOTS } from './browser.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { runPdl, tempDir } from './run-pdl.js';
import { rowAt, setBody } from '../fixtures/tamper.js';

const skipWhy = chromiumMissing('copy-proofs-in-browser');

let browser: Browser;
let copy: string;
/** The verifier key of the original ledger, as its operator publishes it (read on the original's host). */
let published: string;

beforeAll(async () => {
  if (skipWhy) return;
  const original = join(tempDir('copy-original'), 'ledger.db');
  expect((await runPdl(['--db', original, '--embedded-keys', 'init', '--origin', 'ledger.example.com/pdl'])).code).toBe(0);
  expect((await runPdl(['--db', original, '--embedded-keys', 'demo'])).code).toBe(0);
  published = (await runPdl(['--db', original, 'checkpoint', '--verifier-key'])).stdout.trim();
  copy = join(tempDir('copy-migrated'), 'ledger.db');
  const migrated = await runPdl(['--db', original, 'migrate', '--to', copy]);
  expect(migrated.code, migrated.stderr).toBe(0);
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** Signs in with `apiKey` and pins `key` on the Proof page, as a user pastes the key the operator publishes. */
async function signInAndPin(server: PdlServer, apiKey: string, key: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(server.url);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Proof', exact: true }).click();
  await page.getByLabel('Verifier key to pin').fill(key);
  await page.getByRole('button', { name: 'Pin this key' }).click();
  await page.getByRole('button', { name: 'Unpin' }).waitFor();
  return page;
}

const auditorKey = async (server: PdlServer): Promise<string> =>
  (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: auditor, label: "copy check") { key } }')).data!.createApiKey.key;

describe.skipIf(skipWhy !== null)('a migrated copy, checked in the console with the original\'s published key', () => {
  it('proves the same history under that key: the pinned key passes on the copy, shown with its fingerprint', async () => {
    const server = await startPdlServer({ db: copy });
    try {
      // An auditor reads no values, so nothing is recorded: the copy stays at the size the original signed.
      const page = await signInAndPin(server, await auditorKey(server), published);
      const section = await page.getByRole('region', { name: 'Pinned verifier key' }).textContent();
      expect(section).toContain(`Key hash ${published.split('+')[1]}`);
      expect(section).toContain('This server signs with it.');
      await page.goto(`${server.url}/#/subject/u-1003`);
      await expect.poll(() => page.getByRole('status').textContent(), { timeout: 10_000 })
        .toMatch(/^Proof checked with the pinned key ledger\.example\.com\/pdl\+[0-9a-f]{8}: all \d+ events are in the ledger/);
      await page.close();
    } finally {
      await server.stop();
    }
  });

  it('one event altered in the copy: the forged recipient is shown, its proof is refused under the published key, and the page says what to do', async () => {
    const disclosure = demoEventId('u-1003 phone given to police without request');
    const db = new Database(copy);
    const { position } = db.prepare<[string], { position: number }>('SELECT position FROM events WHERE id = ?').get(disclosure)!;
    const original = rowAt(db, position).body;
    expect(original).toContain('Shanghai Public Security Bureau');
    setBody(db, position, original.replace('Shanghai Public Security Bureau', 'Internal Audit Team'));
    db.close();
    // As whoever altered it would: the read models rebuilt from the altered log, so the page shows the forgery.
    expect((await runPdl(['--db', copy, 'rebuild'])).code).toBe(0);
    const verified = await runPdl(['--db', copy, 'verify', '--key', published, '--no-state']);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toContain(`BROKEN at position ${position}`);

    const server = await startPdlServer({ db: copy });
    try {
      // The proof is against the checkpoint carried from the original, which the copy's tree no longer holds.
      const page = await signInAndPin(server, await auditorKey(server), published);
      await page.goto(`${server.url}/#/subject/u-1003`);
      await page.getByRole('heading', { name: 'Subject u-1003' }).waitFor();
      expect(await page.getByRole('table', { name: 'Recipients' }).textContent()).toContain('Internal Audit Team');
      const status = page.getByRole('status');
      await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/^Proof failed: /);
      const said = (await status.textContent())!;
      expect(said).toMatch(/^Proof failed: these answers are not what the pinned key ledger\.example\.com\/pdl\+[0-9a-f]{8} signed/);
      expect(said).not.toContain('Proof checked');
      expect(await status.locator('.ok').count()).toBe(0);
      expect(said).toContain('What to do:');
      expect(said).toContain(`Compare the fingerprint of the key pinned in this browser, ${published.split('+')[1]}`);
      expect(said).toContain(`pdl verify --key '${published}'`);
      expect(said).toMatch(/Report it to the operator's data protection officer or security contact/);
      expect(await status.getByRole('link', { name: 'Proof page' }).count()).toBe(1);
      expect(await accessibilityProblems(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'copy-proof-refused.png'), fullPage: true });
      await page.close();

      // An admin's read of the values (revealed on the page) is recorded, so the ledger grows: the server, holding the key, refuses to
      // sign the altered tree, and says so on the page (the first view is refused by the check above, the next by the server).
      const admin = await signInAndPin(server, server.adminKey, published);
      await admin.goto(`${server.url}/#/subject/u-1003`);
      await admin.getByRole('heading', { name: 'Subject u-1003' }).waitFor();
      await expect.poll(() => admin.getByRole('status').textContent(), { timeout: 10_000 }).toMatch(/^Proof failed: these answers are not what the pinned key/);
      await admin.getByRole('button', { name: 'Reveal values' }).click();
      await expect.poll(() => admin.getByText('Values shown; the ledger recorded that you read them.').count()).toBe(1);
      await admin.reload();
      await admin.getByRole('heading', { name: 'Subject u-1003' }).waitFor();
      await expect.poll(() => admin.getByRole('status').textContent(), { timeout: 10_000 })
        .toMatch(/^Proof failed: the server gave no proof of this answer — nothing signed: the Merkle tree no longer holds the checkpoint of size 61/);
      expect(await admin.getByRole('status').textContent()).toContain('What to do:');
      await admin.close();
      const { data } = await server.gql<{ checkpoint: { size: number; root: string } }>('{ checkpoint { size root } }');
      const carried = new Database(copy, { readonly: true });
      try {
        const latest = carried.prepare<[], { size: number; root: string }>('SELECT size, root FROM tlog_checkpoints ORDER BY size DESC LIMIT 1').get();
        // No checkpoint of the altered tree: the latest is still one the original's history had.
        expect(data!.checkpoint).toEqual(latest);
      } finally {
        carried.close();
      }
    } finally {
      await server.stop();
    }
  });
});
