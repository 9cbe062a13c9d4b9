/** `npm run schemas`: writes schemas/json/*.schema.json and schemas/TAXONOMY.md. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderArtefacts } from './render.js';

const here = dirname(fileURLToPath(import.meta.url));
const artefacts = renderArtefacts();
mkdirSync(join(here, 'json'), { recursive: true });
for (const stale of readdirSync(join(here, 'json'))) {
  if (!artefacts.has(`json/${stale}`)) rmSync(join(here, 'json', stale));
}
for (const [path, content] of artefacts) writeFileSync(join(here, path), content);
console.log(`wrote ${artefacts.size} files under schemas/`);
