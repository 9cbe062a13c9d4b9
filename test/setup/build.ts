/** For projects that run the real `pdl` binary: build `dist/` once, if a source is newer than the last build. */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
}
