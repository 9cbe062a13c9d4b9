/** A dead-letter send counts only when every partition it wrote to came back acknowledged (services/ingest/dead-letter.ts). */
import { describe, expect, it } from 'vitest';
import { DeadLettersUnacknowledgedError, unacknowledgedPartitions } from '../../services/ingest/dead-letter.js';

const ack = (partition: number, baseOffset = '10', errorCode = 0) => ({ partition, baseOffset, errorCode });

describe('dead-letter acknowledgements', () => {
  it('every partition written to acknowledged: nothing missing', () => {
    expect(unacknowledgedPartitions([0, 2, 2, 0], [ack(0), ack(2)])).toEqual([]);
  });

  it('the answer kafkajs resolved with when the leader of partition 1 died mid-send (tulios/kafkajs#1303): partition 1 is named', () => {
    // The shape bench/kafkajs-broker-loss.ts recorded: partitions 0 and 2 answered, 1 absent, no error thrown.
    expect(unacknowledgedPartitions([0, 1, 2, 1], [ack(0, '2938'), ack(2, '3391')])).toEqual([1]);
  });

  it('an acknowledgement with an error code or without an offset does not count', () => {
    expect(unacknowledgedPartitions([0, 1, 2], [ack(0, '5', 6), { partition: 1, errorCode: 0, baseOffset: undefined }, ack(2, '-1')])).toEqual([0, 1, 2]);
  });

  it('the error is an UNAVAILABLE (retry) that names the partitions, not the messages', () => {
    const error = new DeadLettersUnacknowledgedError([1]);
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain('partition(s) 1');
  });
});
