/**
 * A dead letter: the original message, byte for byte (key, value, headers), plus headers that
 * say why it was refused — every error by JSON path — and where it came from.
 */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { FieldError } from '../../schemas/event.js';
import { DLQ_HEADER_NAMES } from '../../schemas/kafka-contract.js';

/** Named once, with the AsyncAPI contract they are published in (schemas/asyncapi.json). */
export const DLQ_HEADERS = DLQ_HEADER_NAMES;

export function deadLetter(message: KafkaMessage, source: { topic: string; partition: number }, errors: readonly FieldError[], at: Date): Message {
  const headers: IHeaders = {
    ...(message.headers ?? {}),
    [DLQ_HEADERS.errors]: JSON.stringify(errors),
    [DLQ_HEADERS.sourceTopic]: source.topic,
    [DLQ_HEADERS.sourcePartition]: String(source.partition),
    [DLQ_HEADERS.sourceOffset]: message.offset,
    [DLQ_HEADERS.rejectedAt]: at.toISOString(),
  };
  return { key: message.key, value: message.value, headers };
}

/** Parses a message value as JSON; a failure is described without echoing the bytes (they may be personal data). */
export function parseValue(value: Buffer | null): { ok: true; value: unknown } | { ok: false; errors: FieldError[] } {
  if (value === null) return { ok: false, errors: [{ path: '(root)', message: 'empty message (a tombstone?): expected an event as JSON' }] };
  try {
    return { ok: true, value: JSON.parse(value.toString('utf8')) };
  } catch (error) {
    const at = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    return { ok: false, errors: [{ path: '(root)', message: `not valid JSON${at ? ` (at byte ${at})` : ''}` }] };
  }
}
