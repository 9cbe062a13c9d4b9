/** The Kafka contract (schemas/asyncapi.json) read by the AsyncAPI project's own parser: valid AsyncAPI 3.0, and saying what the ingest does. */
import { Parser } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../services/ingest/dead-letter.js';
import { EVENT_TYPES } from '../../schemas/event.js';
import { DeletionOrderMessage, ORDER_HEADER_NAMES } from '../../schemas/deletion-order-message.js';

describe('schemas/asyncapi.json', () => {
  it('parses as AsyncAPI 3.0 with no error diagnostics; the topic carries the event schema, the dead letters their headers', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync('schemas/asyncapi.json', 'utf8'));
    // Severity 0 is an error; warnings and hints (style suggestions) do not make a document invalid.
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    const events = document!.channels().get('events')!;
    expect(events.address()).toBe('pdl.events');
    const event = events.messages().all()[0]!.payload()!;
    expect((event.json() as { properties: { type: { enum: string[] } } }).properties.type.enum).toEqual(EVENT_TYPES);
    const deadLetter = document!.channels().get('deadLetters')!.messages().all()[0]!;
    expect(Object.keys(deadLetter.headers()!.properties() ?? {})).toEqual(Object.values(DLQ_HEADERS));
    const orders = document!.channels().get('deletionOrders')!;
    expect(orders.address()).toBe('pdl.deletion-orders');
    const order = orders.messages().all()[0]!;
    expect(Object.keys(order.headers()!.properties() ?? {})).toEqual(Object.values(ORDER_HEADER_NAMES));
    // The payload is the zod schema's own: the fields a target reads, and no field that could carry a value.
    const payload = order.payload()!.json() as { properties: { data: { properties: Record<string, unknown>; additionalProperties: boolean } } };
    expect(Object.keys(payload.properties.data.properties).sort()).toEqual(Object.keys(DeletionOrderMessage.shape.data.shape).sort());
    expect(payload.properties.data.additionalProperties).toBe(false);
    expect(document!.operations().all().map((o) => `${o.action()} ${o.channels().all()[0]!.address()}`).sort())
      .toEqual(['receive pdl.events', 'send pdl.deletion-orders', 'send pdl.events.dlq']);
  }, 60_000);
});
