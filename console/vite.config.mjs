// The DPO console: built into dist/console/ at `npm ci` (scripts/build-if-stale.mjs), served by `pdl serve` at `/`.
import { fileURLToPath } from 'node:url';

export default {
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: { outDir: fileURLToPath(new URL('../dist/console', import.meta.url)), emptyOutDir: true, sourcemap: false, target: 'es2022' },
};
