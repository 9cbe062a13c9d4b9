/**
 * A dead letter: the original message, byte for byte (key, value, headers), plus headers that
 * say why it was refused — every error by JSON path — and where it came from.
 */
import type { IHeaders, KafkaMessage, Message, RecordMetadata } from 'kafkajs';
import type { FieldError } from '../../schemas/event.js';
import { DLQ_HEADER_NAMES } from '../../schemas/kafka-contract.js';
import { UnavailableError } from '../errors.js';

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

/**
 * A dead-letter write the broker did not acknowledge for every partition it went to. kafkajs can
 * resolve `send()` without an answer for a partition whose leader died during the send — those
 * messages never reach the log (tulios/kafkajs#1303; reproduced by bench/kafkajs-broker-loss.ts).
 * The batch is then not committed: it is redelivered and its dead letters written again.
 */
export class DeadLettersUnacknowledgedError extends UnavailableError {
  constructor(readonly partitions: readonly number[]) {
    super(`the broker did not acknowledge the dead letters sent to partition(s) ${partitions.join(', ')}; the batch is not committed and will be redelivered`);
  }
}

/**
 * The partitions a send put messages on whose acknowledgement is missing or carries an error:
 * every partition written to must come back with errorCode 0 and an offset.
 */
export function unacknowledgedPartitions(sentTo: Iterable<number>, acknowledged: readonly Pick<RecordMetadata, 'partition' | 'errorCode' | 'baseOffset'>[]): number[] {
  const ok = new Set(acknowledged.filter((ack) => ack.errorCode === 0 && ack.baseOffset !== undefined && BigInt(ack.baseOffset) >= 0n).map((ack) => ack.partition));
  return [...new Set(sentTo)].filter((partition) => !ok.has(partition)).sort((a, b) => a - b);
}
