/**
 * Builds `dist/` once before the suite, so the end-to-end tests run the real `pdl` binary
 * as users run it, from the sources under test.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
