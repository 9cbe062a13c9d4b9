/**
 * Issue 25, finding 4: what the server's pages keep and allow. GraphiQL in Debian's Chromium
 * (playwright-core, as test/e2e/console-in-browser.test.ts) with a key leaves nothing in
 * localStorage; every answer forbids framing and carries a Content-Security-Policy; GraphiQL's
 * script is cached, compressed and bounded without a key; /health without a key says only up or not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { runPdl, tempDir } from './run-pdl.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync)
  ?? spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).stdout.trim();
const skipWhy = CHROMIUM ? null : 'no Chromium here (.ci/run installs Debian\'s chromium with apt)';

let server: PdlServer;
let browser: Browser | undefined;
let scriptPath: string;

beforeAll(async () => {
  const db = join(tempDir('pages'), 'ledger.db');
  expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
  server = await startPdlServer({ db, graphiql: true });
  const page = await (await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } })).text();
  scriptPath = /<script src="([^"]+)"/.exec(page)![1]!;
  if (!skipWhy) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('every answer forbids framing and carries a Content-Security-Policy', () => {
  it('the console, its assets, GraphiQL and its script, API answers, errors, /health and /metrics', async () => {
    const consolePage = await (await fetch(server.url)).text();
    const consoleAsset = /src="(\/assets\/[^"]+)"/.exec(consolePage)![1]!;
    const auth = { authorization: `Bearer ${server.adminKey}` };
    const answers = {
      console: await fetch(server.url),
      consoleAsset: await fetch(`${server.url}${consoleAsset}`),
      graphiql: await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } }),
      graphiqlScript: await fetch(`${server.url}${scriptPath}`),
      api: await fetch(`${server.url}/graphql`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"query":"{ ledgerHead { position } }"}' }),
      unauthenticated: await fetch(`${server.url}/graphql`, { method: 'POST', body: '{}' }),
      notFound: await fetch(`${server.url}/nothing-here`),
      health: await fetch(`${server.url}/health`),
      metrics: await fetch(`${server.url}/metrics`, { headers: auth }),
    };
    for (const [name, response] of Object.entries(answers)) {
      expect([name, response.headers.get('content-security-policy')]).toEqual([name, expect.stringContaining("frame-ancestors 'none'")]);
      expect([name, response.headers.get('x-frame-options')]).toEqual([name, 'DENY']);
      expect([name, response.headers.get('x-content-type-options')]).toEqual([name, 'nosniff']);
    }
    // GraphiQL's page runs no inline script: only its own, named by hash.
    expect(answers.graphiql.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect(await answers.graphiql.text()).not.toMatch(/<script>/);
  });

  it.skipIf(skipWhy !== null)('a page of another origin cannot frame GraphiQL or the console', async () => {
    const page = await browser!.newPage();
    // Another origin: the same server by another name (localhost vs 127.0.0.1) would still be same-site; a data: page is not even that.
    await page.setContent(`<iframe id="g" src="${server.url}/graphql"></iframe><iframe id="c" src="${server.url}/"></iframe>`);
    await page.waitForTimeout(1_000);
    for (const frame of page.frames().slice(1)) {
      expect(await frame.locator('#root, #app, main').count().catch(() => 0)).toBe(0);
    }
    await page.close();
  });
});

describe.skipIf(skipWhy !== null)('GraphiQL keeps no key', () => {
  it('after a query run with a key in the Headers tab, localStorage holds no key (and no CSP violation was reported)', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${server.url}/graphql`);
    await page.getByText('Headers', { exact: true }).click();
    const headers = page.locator('.graphiql-editor-tool .monaco-editor').last();
    await headers.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${server.adminKey}` }));
    await page.getByRole('button', { name: /Execute query/ }).click();
    await expect.poll(() => page.locator('.result-window').textContent(), { timeout: 20_000 }).toContain('subjectId');
    // GraphiQL stores its tabs on a timer: give it the time it takes.
    await page.waitForTimeout(1_500);
    const stored = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    expect(stored).not.toContain(server.adminKey);
    expect(stored).not.toMatch(/"graphiql:headers","[^"]/);
    expect(violations).toEqual([]);
    // In a new page of the same origin (the console's, say), nothing of the key either.
    const other = await context.newPage();
    await other.goto(server.url);
    expect(await other.evaluate(() => JSON.stringify(Object.entries(localStorage)))).not.toContain(server.adminKey);
    await context.close();
  }, 60_000);
});

describe('GraphiQL\'s script: cached, compressed, bounded without a key', () => {
  it('immutable with an entity tag, brotli when accepted, 304 when already held', async () => {
    const first = await fetch(`${server.url}${scriptPath}`, { headers: { 'accept-encoding': 'br' } });
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(first.headers.get('content-encoding')).toBe('br');
    expect(Number(first.headers.get('content-length'))).toBeLessThan(3_000_000);
    await first.arrayBuffer();
    const again = await fetch(`${server.url}${scriptPath}`, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('40 fetches without a key: at most 10 sent, the rest 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 40; i += 1) {
      const response = await fetch(`${server.url}${scriptPath}`);
      statuses.push(response.status);
      bytes += (await response.arrayBuffer()).byteLength;
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(30);
    // Before: 40 fetches pulled 362 MB.
    expect(bytes).toBeLessThan(100_000_000);
  });
});

describe('/health', () => {
  it('without a key: up or not, and nothing else; with any valid key: the head, the lag', async () => {
    const open = await fetch(`${server.url}/health`);
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ status: 'ok' });
    const keyed = await fetch(`${server.url}/health`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    const body = await keyed.json() as { status: string; store: { position: number; hash: string }; readModels: { behind: number } };
    expect(body).toMatchObject({ status: 'ok', store: { reachable: true }, readModels: { behind: 0 } });
    expect(body.store.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await fetch(`${server.url}/health`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });
});
