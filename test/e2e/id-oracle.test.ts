/**
 * An id already in the ledger is no oracle for its sealed values (README "Security model"): to
 * anyone but the key that submitted it, the answer is only "id taken", whatever content is sent,
 * and such answers are counted per key like identifier look-ups. Over real HTTP.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { tempDir } from './run-pdl.js';

const RECORD = 'mutation($e: [JSON!]!) { recordEvents(events: $e) { appended duplicates rejected { index errors { path message } } } }';
type Recorded = { recordEvents: { appended: number; duplicates: number; rejected: { index: number; errors: { path: string; message: string }[] }[] } };

let server: PdlServer;
const keys: Record<string, string> = {};
beforeAll(async () => {
  server = await startPdlServer({ db: join(tempDir('id-oracle'), 'ledger.db') });
  for (const name of ['owner', 'guesser']) {
    keys[name] = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: producer) { key } }')).data!.createApiKey.key;
  }
});
afterAll(async () => {
  await server?.stop();
});

describe('an existing id tells another submitter nothing', () => {
  it('2,000 guesses of a phone under one taken id: every answer the same "id taken", then RATE_LIMITED; the owner still gets its duplicate', async () => {
    const phone = '+8613800007777';
    const original = anEvent('DataCollected', { subject: { id: 'u-oracle' }, data: { categories: ['contact.phone'], values: { 'contact.phone': phone } } });
    expect((await server.gql<Recorded>(RECORD, { e: [original] }, keys.owner)).data!.recordEvents.appended).toBe(1);

    const guesses = Array.from({ length: 2_000 }, (_, i) => ({ ...original, data: { ...original.data, values: { 'contact.phone': `+86138000${String(i + 6_000).padStart(5, '0')}` } } }));
    expect(guesses.some((g) => g.data.values['contact.phone'] === phone)).toBe(true);
    const answer = (await server.gql<Recorded>(RECORD, { e: guesses }, keys.guesser)).data!.recordEvents;
    expect(answer.appended).toBe(0);
    expect(answer.duplicates).toBe(0);
    expect(answer.rejected).toHaveLength(2_000);
    expect(new Set(answer.rejected.map((r) => JSON.stringify(r.errors)))).toEqual(new Set([JSON.stringify([{ path: 'id', message: 'an event with this id was recorded before, by another submitter: ids are idempotency keys, use a new id for a new event' }])]));

    const next = await server.gql<Recorded>(RECORD, { e: [anEvent('DataUsed')] }, keys.guesser);
    expect(next.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // The owner resubmitting its own event: a duplicate, as idempotency promises.
    expect((await server.gql<Recorded>(RECORD, { e: [original] }, keys.owner)).data!.recordEvents).toMatchObject({ appended: 0, duplicates: 1, rejected: [] });
  });
});
