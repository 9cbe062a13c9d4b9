#!/usr/bin/env node
/**
 * `npm run pdl` and `npm start` build first — but only when a source is newer than the last
 * build, so a command answers at once when `dist/` is current (a no-op `tsc` still costs seconds).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Written after each build: tsc's incremental build leaves unchanged outputs (and their times) alone. */
const STAMP = 'dist/.built';
const SOURCES = ['schemas', 'services', 'projections', 'console', 'bench/scenarios.ts', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return /\.(ts|json|html|css|mjs)$/.test(path) ? stat.mtimeMs : 0;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
// `--force` (npm run build): always build, and stamp it.
if (process.argv.includes('--force') || SOURCES.some((source) => newest(source) > built)) {
  const started = Date.now();
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  // The DPO console (console/): a static page served by `pdl serve` at /, bundled with its assets (no CDN).
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'console/vite.config.mjs'], { stdio: 'inherit' });
  // Stamped with the build's start: a source saved while tsc ran is still seen as newer.
  writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
  utimesSync(STAMP, new Date(started), new Date(started));
}
