/** kafkajs's retried responses on a healthy start are not errors in our log; real errors still are. */
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogLevel } from '../../services/ingest/kafka-ingest.js';

describe('kafkaLogLevel', () => {
  it.each([
    'The coordinator is not available',
    'The coordinator is loading and hence can\'t process requests',
    'There is no leader for this topic-partition as we are in the middle of a leadership election',
    'This server does not host this topic-partition',
  ])('a retried response ("%s") is debug', (error) => {
    expect(kafkaLogLevel(logLevel.ERROR, error)).toBe('debug');
  });

  it('anything else keeps its level', () => {
    expect(kafkaLogLevel(logLevel.ERROR, 'Not authorized to access topics: [Topic authorization failed]')).toBe('error');
    expect(kafkaLogLevel(logLevel.ERROR, undefined)).toBe('error');
    expect(kafkaLogLevel(logLevel.WARN, undefined)).toBe('warn');
    expect(kafkaLogLevel(logLevel.INFO, undefined)).toBe('debug');
  });
});
