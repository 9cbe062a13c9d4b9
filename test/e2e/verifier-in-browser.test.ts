/**
 * The standalone verifier in a real browser: Debian's Chromium, headless, driven by
 * playwright-core, loads the built `verify-proof.js` as a module from a page and checks bundles
 * the binary wrote — what a subject's own browser (or the console) does with an answer.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anEvent, registration } from '../fixtures/events.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';
import { chromiumMissing, CHROMIUM } from './browser.js';

const VERIFIER = resolve('dist/services/proofs/verifier/verify-proof.js');
const skipWhy = chromiumMissing('verifier-in-browser');

let browser: Browser;
let server: Server;
let origin: string;
const bundles: Record<string, unknown> = {};
let verifierKey = '';

beforeAll(async () => {
  if (skipWhy) return;
  const dir = tempDir('browser');
  const db = join(dir, 'ledger.db');
  const events = [registration('u-1', 'one@example.cn', '+8613800000011'), anEvent('DataUsed', { subject: { id: 'u-1' } }), registration('u-2', 'two@example.cn', '+8613800000012')];
  writeFileSync(join(dir, 'events.ndjson'), ndjson(events));
  expect((await runPdl(['--db', db, 'record', join(dir, 'events.ndjson')])).code).toBe(0);
  expect((await runPdl(['--db', db, '--embedded-keys', 'checkpoint', '--origin', 'browser.example/pdl'])).code).toBe(0);
  writeFileSync(join(dir, 'more.ndjson'), ndjson([anEvent('DataUsed', { subject: { id: 'u-2' } })]));
  await runPdl(['--db', db, 'record', join(dir, 'more.ndjson')]);
  verifierKey = (await runPdl(['--db', db, 'checkpoint', '--verifier-key'])).stdout.trim();
  bundles.inclusion = JSON.parse((await runPdl(['--db', db, 'prove', '--event', events[1]!.id, '--event', events[2]!.id])).stdout);
  bundles.consistency = JSON.parse((await runPdl(['--db', db, 'prove', '--from-size', '3'])).stdout);

  // The page and the module from one origin: a browser loads modules over HTTP, not from files.
  server = createServer((request, response) => {
    // The verifier and the modules of its folder, nothing else: it imports nothing outside it.
    const module = /^\/([a-z0-9-]+\.js)$/.exec(request.url ?? '')?.[1];
    if (module && existsSync(join(dirname(VERIFIER), module))) {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(dirname(VERIFIER), module)));
    } else {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>verifier</title>' +
        '<script type="module">import * as verifier from "/verify-proof.js"; window.pdlVerifier = verifier;</script>');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
});

/** Runs the verifier inside the page on a bundle; returns its report. */
async function verifyInPage(bundle: unknown, trust: { verifierKey?: string; origin?: string }) {
  const page = await browser.newPage();
  try {
    await page.goto(origin);
    await page.waitForFunction('window.pdlVerifier !== undefined');
    const report: unknown = await page.evaluate(({ bundle, trust }) => {
      // The page's own module, loaded by the page's script above: nothing of Node's is in scope here.
      const verifier = Reflect.get(globalThis, 'pdlVerifier') as { verifyBundle(b: unknown, t: unknown): Promise<unknown> };
      return verifier.verifyBundle(bundle, trust);
    }, { bundle, trust });
    return report as { ok: boolean; internallyConsistent: boolean; problems: string[]; entries: { position: number; ok: boolean }[] };
  } finally {
    await page.close();
  }
}

describe.skipIf(skipWhy !== null)('the standalone verifier in headless Chromium', () => {
  it('accepts the inclusion and consistency bundles pdl prove wrote, with the pinned key', async () => {
    const inclusion = await verifyInPage(bundles.inclusion, { verifierKey, origin: 'browser.example/pdl' });
    expect(inclusion).toMatchObject({ ok: true, kind: 'inclusion', checkpoint: { origin: 'browser.example/pdl', size: 4 }, problems: [] });
    expect(inclusion.entries.map((e: { position: number }) => e.position)).toEqual([2, 3]);
    expect(await verifyInPage(bundles.consistency, { verifierKey })).toMatchObject({ ok: true, kind: 'consistency', checkpoint: { size: 4 } });
  });

  it('refuses a forged leaf, a checkpoint under another key, no key pinned, and another origin', async () => {
    const original = bundles.inclusion as { entries: { leaf: string }[] };
    const forgedLeaf = Buffer.from(Buffer.from(original.entries[0]!.leaf, 'base64').toString().replace('"DataUsed"', '"DataDeleted"')).toString('base64');
    const forged = { ...original, entries: [{ ...original.entries[0]!, leaf: forgedLeaf }] };
    expect(await verifyInPage(forged, { verifierKey })).toMatchObject({ ok: false, entries: [{ ok: false }] });
    const otherKey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
    expect(await verifyInPage(bundles.inclusion, { verifierKey: otherKey })).toMatchObject({ ok: false, checkpoint: null });
    // With no key pinned, a bundle is at most self-consistent: never ok.
    const unpinned = await verifyInPage(bundles.inclusion, {});
    expect(unpinned).toMatchObject({ ok: false, internallyConsistent: true, keyFromBundle: true });
    expect(unpinned.problems.join()).toContain('no verifier key pinned');
    const elsewhere = await verifyInPage(bundles.inclusion, { verifierKey, origin: 'elsewhere.example/pdl' });
    expect(elsewhere.ok).toBe(false);
    expect(elsewhere.problems.join()).toContain('not the trusted "elsewhere.example/pdl"');
  });
});
