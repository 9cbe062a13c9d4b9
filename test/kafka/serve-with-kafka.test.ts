/** `pdl serve --kafka`: the server consumes the topic itself and shows its progress. */
import { describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { startPdlServer } from '../e2e/pdl-server.js';
import { brokers, createTopics, produce, uniqueTopic, until } from './kafka-helpers.js';

describe('pdl serve --kafka', () => {
  it('records what arrives on the topic, and reports it in ingestStatus and /health', async () => {
    const topic = uniqueTopic('serve');
    await createTopics([topic, `${topic}.dlq`]);
    const server = await startPdlServer({ args: ['--kafka', brokers().join(','), '--topic', topic, '--group', `g-${topic}`] });
    try {
      const events = Array.from({ length: 20 }, (_, i) => anEvent('DataUsed', { subject: { id: `sv-${i % 4}` } }));
      await produce(topic, [...events.map((e) => ({ key: e.subject!.id, value: JSON.stringify(e) })), { key: 'x', value: '{"broken": ' }]);
      type Status = { ingestStatus: { consumed: number; appended: number; deadLettered: number; topic: string } | null };
      let status: Status['ingestStatus'] = null;
      await until(async () => {
        status = (await server.gql<Status>('{ ingestStatus { topic consumed appended deadLettered lag } }')).data!.ingestStatus;
        return (status?.consumed ?? 0) >= 21;
      }, 60_000, 'the server to consume 21 messages');
      expect(status).toMatchObject({ topic, consumed: 21, appended: 20, deadLettered: 1 });
      const head = await server.gql<{ ledgerHead: { position: number } }>('{ ledgerHead { position } }');
      expect(head.data!.ledgerHead.position).toBe(20);
      const health = await (await fetch(`${server.url}/health`, { headers: { authorization: `Bearer ${server.adminKey}` } })).json() as { ingest?: { running: boolean } };
      expect(health.ingest?.running).toBe(true);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
