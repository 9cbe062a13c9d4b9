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
import { DLQ_HEADER_NAMES } from './kafka-contract.js';
import { DEFAULT_ORDERS_TOPIC, DeletionOrderMessage, ORDER_HEADER_NAMES } from './deletion-order-message.js';

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
  files.set('json/deletion-order-message.schema.json', toJson(DeletionOrderMessage));
  files.set('asyncapi.json', toJson(asyncApi()));
  files.set('TAXONOMY.md', renderTaxonomy());
  return files;
}

/**
 * The Kafka contract as AsyncAPI 3.0: what `pdl ingest` (and `pdl serve --kafka`) receives on the
 * events topic and sends to its dead-letter topic, and the deletion orders it sends, from the
 * ledger's point of view. The message is the same event schema as schemas/json/event.schema.json.
 */
function asyncApi(): object {
  const { $schema: _drop, ...event } = unionByType() as Record<string, unknown>;
  const { $schema: _dropToo, ...order } = jsonSchemaOf(DeletionOrderMessage) as Record<string, unknown>;
  const text = (description: string) => ({ type: 'string', description });
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'personal-data-ledger events',
      version: '1.0.0',
      description: 'Producers publish one event per message to the events topic; the ledger stores each valid one once ' +
        '(the event id is the idempotency key) and sends each refused one, unchanged, to the dead-letter topic with every problem by JSON path.',
    },
    defaultContentType: 'application/json',
    channels: {
      events: {
        address: 'pdl.events',
        description: 'The events topic (`--topic`, default pdl.events). Key messages by subject id: one subject\'s events then keep their order.',
        messages: { ledgerEvent: { $ref: '#/components/messages/ledgerEvent' } },
      },
      deadLetters: {
        address: 'pdl.events.dlq',
        description: 'Refused messages (`--dlq`, default <topic>.dlq): the original key, value and headers, plus why and where from.',
        messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
      },
      deletionOrders: {
        address: DEFAULT_ORDERS_TOPIC,
        description: 'Deletion orders (README "Erasure that reaches every copy"), one message per order, for every target, when the operator\'s delivery file ' +
          'names a topic (`kafka.topic`, default pdl.deletion-orders). Keyed by target ("system:user-db"): a target reads its own by key or by the pdl-target header. ' +
          'At least once: a repeat carries the same pdl-order-id. The value is also the body of the signed webhook (Standard Webhooks) sent to a target with one.',
        messages: { deletionOrder: { $ref: '#/components/messages/deletionOrder' } },
      },
    },
    operations: {
      receiveEvents: { action: 'receive', channel: { $ref: '#/channels/events' }, summary: 'The ledger consumes events (consumer group `--group`, default pdl-ingest) and commits after they are stored.' },
      sendDeadLetters: { action: 'send', channel: { $ref: '#/channels/deadLetters' }, summary: 'The ledger sends every refused message here, at least once (dedupe by source partition and offset).' },
      sendDeletionOrders: {
        action: 'send', channel: { $ref: '#/channels/deletionOrders' },
        summary: 'pdl serve sends each deletion order here once it is recorded, retrying with backoff (across restarts) until the broker acknowledges it; confirm with a DeletionConfirmed naming the order.',
      },
    },
    components: {
      messages: {
        ledgerEvent: {
          name: 'LedgerEvent', title: 'A ledger event', contentType: 'application/json',
          payload: event,
          bindings: { kafka: { key: text('the subject id (subject.id); events with no subject: any stable key such as the incident or request id'), bindingVersion: '0.5.0' } },
        },
        deadLetter: {
          name: 'DeadLetter', title: 'A refused message', contentType: 'application/json',
          summary: 'The original message value, byte for byte (possibly not JSON at all).',
          payload: {},
          headers: {
            type: 'object',
            properties: {
              [DLQ_HEADER_NAMES.errors]: text('JSON array of every problem: [{"path": "data.categories[0]", "message": "…"}]; messages never quote identifier values'),
              [DLQ_HEADER_NAMES.sourceTopic]: text('the topic the message came from'),
              [DLQ_HEADER_NAMES.sourcePartition]: text('its partition, in decimal'),
              [DLQ_HEADER_NAMES.sourceOffset]: text('its offset, in decimal: with the partition, what identifies a repeat'),
              [DLQ_HEADER_NAMES.rejectedAt]: text('when the ledger refused it (ISO 8601)'),
            },
            required: Object.values(DLQ_HEADER_NAMES),
          },
        },
        deletionOrder: {
          name: 'DeletionOrder', title: 'A deletion order', contentType: 'application/json',
          summary: 'Delete these categories of this subject; ids and categories only, never a personal value.',
          payload: order,
          headers: {
            type: 'object',
            properties: {
              [ORDER_HEADER_NAMES.orderId]: text('the order id (as in the value): what identifies a repeat'),
              [ORDER_HEADER_NAMES.target]: text('the target, kind:id (as the key)'),
              [ORDER_HEADER_NAMES.type]: { type: 'string', const: 'pdl.deletion-order' },
            },
            required: Object.values(ORDER_HEADER_NAMES),
          },
          bindings: { kafka: { key: text('the target, kind:id (e.g. "system:user-db", "recipient:crm-us")'), bindingVersion: '0.5.0' } },
        },
      },
    },
  };
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
