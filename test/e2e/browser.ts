/**
 * What the Chromium tests share: Debian's Chromium (never a browser download) or why there is
 * none, where screenshots go, signing in to the console as a person does, and axe-core's serious
 * and critical findings on a page.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync)
  ?? spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).stdout.trim();

/** Why a browser test cannot run here, said on standard error under the test's name; null: it can. */
export function chromiumMissing(test: string): string | null {
  const why = CHROMIUM ? null : 'no Chromium here (.ci/run installs Debian\'s chromium with apt)';
  if (why) process.stderr.write(`${test} skipped: ${why}\n`);
  return why;
}

export const SHOTS = resolve('test-results/console');

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A new page signed in to the console at `url` with `key`, once its sections show. */
export async function signIn(browser: Browser, url: string, key: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(url);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Sections' }).waitFor();
  return page;
}

/** axe-core's serious and critical findings on the page as it is now. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // Through the debugger, not a <script>: the console's Content-Security-Policy (script-src 'self') stays enforced.
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const axe = Reflect.get(globalThis, 'axe') as { run(): Promise<{ violations: { id: string; impact: string | null; nodes: unknown[] }[] }> };
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}, ${v.nodes} nodes)`);
}
