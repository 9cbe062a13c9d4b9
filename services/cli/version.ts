/** pdl's version, read from its package.json (found upward of this file, in the sources and in dist/ alike). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';

const PackageJson = z.looseObject({ name: z.string(), version: z.string() });

export function pdlVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const parsed = PackageJson.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success && parsed.data.name === 'personal-data-ledger') return parsed.data.version;
  }
  return 'unknown';
}
