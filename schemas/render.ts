/**
 * Renders the generated artefacts producers use: JSON Schema per event type (and for the
 * union), and the taxonomy table. `npm run schemas` writes them; a test fails when the
 * committed copies are stale.
 */
import * as z from 'zod';
import { eventSchemas } from './event.js';
import { vocabularies, type Term } from './taxonomy.js';
import { REGION_CODES } from './regions.js';
import { PolicyDocument } from './policy.js';
import { ConsistencyBundle, InclusionBundle } from './proof-bundle.js';

const jsonSchemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' });
const toJson = (schema: z.ZodType | object): string =>
  `${JSON.stringify(schema instanceof z.ZodType ? jsonSchemaOf(schema) : schema, null, 2)}\n`;

/**
 * The union as validators read it best: `type` picks the one branch that applies (if/then), so a
 * wrong field is one error at its path — not one per event type, as `oneOf` over 20 branches gives.
 */
function unionByType(): object {
  const branches = Object.entries(eventSchemas).map(([type, schema]) => {
    const { $schema: _drop, ...branch } = jsonSchemaOf(schema) as Record<string, unknown>;
    return { if: { properties: { type: { const: type } }, required: ['type'] }, then: branch };
  });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'LedgerEvent',
    description: 'Any event of the personal-data-ledger contract. `type` selects the rules of that event type (one per schemas/json/<type>.schema.json).',
    type: 'object',
    required: ['type'],
    properties: { type: { enum: Object.keys(eventSchemas) } },
    allOf: branches,
  };
}

export function renderArtefacts(): Map<string, string> {
  const files = new Map<string, string>();
  files.set('json/event.schema.json', toJson(unionByType()));
  for (const [type, schema] of Object.entries(eventSchemas)) files.set(`json/${type}.schema.json`, toJson(schema));
  files.set('json/policy.schema.json', toJson(PolicyDocument.meta({ title: 'PolicyDocument', description: 'The commitments of a privacy policy the ledger checks.' })));
  files.set('json/inclusion-bundle.schema.json', toJson(InclusionBundle));
  files.set('json/consistency-bundle.schema.json', toJson(ConsistencyBundle));
  files.set('TAXONOMY.md', renderTaxonomy());
  return files;
}

function renderTaxonomy(): string {
  const lines = [
    '# The ledger vocabulary',
    '',
    'Generated from `schemas/taxonomy.ts` by `npm run schemas`; do not edit by hand.',
    'Each term is a contract value. `DPV` is the nearest [W3C Data Privacy Vocabulary](https://w3id.org/dpv) concept',
    '(`dpv:` core, `pd:` personal-data extension); where DPV has none, the legal source stands instead.',
    '`policy` quotes the words of `privacy-policy.txt` the term encodes.',
    '',
  ];
  for (const [name, vocabulary] of Object.entries(vocabularies)) {
    lines.push(`## ${name[0]!.toUpperCase()}${name.slice(1)}`, '', '| term | meaning | DPV | fideslang | law | policy |', '|---|---|---|---|---|---|');
    for (const [term, info] of Object.entries(vocabulary as Record<string, Term>)) {
      lines.push(`| \`${term}\` | ${info.label} | ${info.dpv ? `\`${info.dpv}\`` : '—'} | ${info.fideslang ? `\`${info.fideslang}\`` : '—'} | ${info.law ?? '—'} | ${info.policy ? `“${info.policy}”` : '—'} |`);
    }
    lines.push('');
  }
  lines.push('## Regions', '', `ISO 3166-1 alpha-2, the ${REGION_CODES.length} officially assigned codes (DPV: \`dpv:Country\`).`, '');
  return `${lines.join('\n')}`;
}
