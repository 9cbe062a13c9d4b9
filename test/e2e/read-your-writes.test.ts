/**
 * Read-your-writes over real HTTP against `pdl serve` with its read models deferred (the default;
 * README "Read your writes"): recordEvents and `pdl record` answer with their position; a read
 * sending it as PDL-At-Least sees the write; an erasure read back at its position shows no value;
 * a position never written is answered 503 READ_MODELS_BEHIND within the 5 s bound.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registration } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { runPdl, tempDir } from './run-pdl.js';

const SUBJECT = 'query($id: ID) { subjectAccess(subjectId: $id) { subjectId erased categories { category status value } } }';
const RECORD = 'mutation($e: [JSON!]!) { recordEvents(events: $e) { appended position } }';

let server: PdlServer;
let dpo: string;

beforeAll(async () => {
  server = await startPdlServer();
  dpo = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: dpo) { key } }')).data!.createApiKey.key;
});
afterAll(async () => {
  expect(await server.stop()).toBe(0);
});

type Access = { subjectAccess: { subjectId: string; erased: boolean; categories: { category: string; status: string; value: string | null }[] } | null };
const atLeast = (position: number) => ({ 'pdl-at-least': String(position) });

describe('read-your-writes over HTTP', () => {
  it('recordEvents answers with its position; the next read, asking for it, sees the write', async () => {
    const written = await server.gql<{ recordEvents: { appended: number; position: number } }>(RECORD, { e: [registration('u-http', 'http@example.cn', '+8613800003001')] }, dpo);
    expect(written.errors).toBeUndefined();
    const { position } = written.data!.recordEvents;
    expect(position).toBeGreaterThan(0);
    const read = await server.gql<Access>(SUBJECT, { id: 'u-http' }, dpo, atLeast(position));
    expect(read.status).toBe(200);
    expect(read.data!.subjectAccess).toEqual({ subjectId: 'u-http', erased: false, categories: [
      { category: 'contact.email', status: 'held', value: 'http@example.cn' }, { category: 'contact.phone', status: 'held', value: '+8613800003001' },
    ] });
  });

  it('an erasure read back at its position: erased, no value', async () => {
    const erased = await server.gql<{ recordEvents: { position: number } }>(RECORD, { e: [{
      id: crypto.randomUUID(), type: 'SubjectErased', occurredAt: new Date().toISOString(), subject: { id: 'u-http' },
      actor: { kind: 'employee', id: 'dpo-1' }, data: { reason: 'subject-request' },
    }] }, dpo);
    const read = await server.gql<Access>(SUBJECT, { id: 'u-http' }, dpo, atLeast(erased.data!.recordEvents.position));
    expect(read.data!.subjectAccess).toMatchObject({ erased: true });
    expect(read.data!.subjectAccess!.categories.map((c) => c.value)).toEqual([null, null]);
  });

  it('pdl record beside the server names its position; the server\'s read at it sees the events', async () => {
    const file = join(tempDir('ryw-record'), 'events.ndjson');
    writeFileSync(file, `${JSON.stringify(registration('u-cli', 'cli@example.cn', '+8613800003002'))}\n`);
    const run = await runPdl(['--db', server.db, 'record', file]);
    expect(run.code, run.stderr).toBe(0);
    const through = /appended 1, duplicates 0, rejected 0 \(through position (\d+)\)/.exec(run.stdout);
    expect(through, run.stdout).not.toBeNull();
    const read = await server.gql<Access>(SUBJECT, { id: 'u-cli' }, dpo, atLeast(Number(through![1])));
    expect(read.data!.subjectAccess).toMatchObject({ subjectId: 'u-cli', categories: [{ category: 'contact.email', value: 'cli@example.cn' }, expect.anything()] });
  });

  it('a position never written: 503 READ_MODELS_BEHIND with Retry-After within the 5 s bound, saying how far', async () => {
    const head = (await server.gql<{ ledgerHead: { position: number } }>('{ ledgerHead { position } }', {}, dpo)).data!.ledgerHead.position;
    const started = Date.now();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dpo}`, ...atLeast(head + 100) },
      body: JSON.stringify({ query: SUBJECT, variables: { id: 'u-http' } }),
    });
    const took = Date.now() - started;
    const answer = (await response.json()) as { data?: unknown; errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors[0]!.extensions).toEqual({ code: 'READ_MODELS_BEHIND', atLeast: head + 100, position: head, behind: 100, head, waitedMs: expect.any(Number) });
    expect(answer.errors[0]!.message).toContain(`position ${head + 100} was never written`);
    expect(took).toBeGreaterThanOrEqual(4900);
    expect(took).toBeLessThan(7000);
  });
});
