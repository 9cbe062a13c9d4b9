/**
 * The read audit's gate, in process through yoga's fetch: when the DataViewed of an answer cannot
 * be stored, the answer leaves with no data at all (code AUDIT_UNAVAILABLE); an answer that shows
 * no value needs no record and is not held up.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../services/api/auth/api-keys.js';
import { AuditWriter } from '../../services/api/audit/audit-writer.js';
import { apiServices } from '../../services/api/api-services.js';
import { openProver } from '../../services/composition/open-prover.js';
import { createApi } from '../../services/api/yoga.js';
import { anEvent } from '../fixtures/events.js';
import { tempLedger } from '../fixtures/temp-ledger.js';

const silent = { error: () => undefined, warn: () => undefined };
let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function apiWith(audit: (services: ReturnType<typeof apiServices>) => AuditWriter) {
  const opened = await tempLedger();
  close = () => opened.close();
  await opened.ledger.record([anEvent('DataCollected', { subject: { id: 'u-gate' } })]);
  const apiKeys = ApiKeys.open(join(opened.dir, 'ledger.api-keys.db'));
  const { key } = await apiKeys.create('dpo');
  const services = apiServices(opened, apiKeys, { log: silent, prover: await openProver(opened, { embedded: true }) });
  const yoga = createApi({ ...services, audit: audit(services) });
  const ask = async (query: string) => {
    const response = await yoga.fetch('http://pdl.test/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
  };
  return { ask, opened };
}

const VALUES = '{ subjectAccess(subjectId: "u-gate") { categories { category value } } }';

describe('the read audit gate', () => {
  it('a DataViewed that cannot be stored (the write path stubbed to fail: a full disk cannot be caused on demand here) withholds the whole answer', async () => {
    const { ask } = await apiWith(() => new AuditWriter({ record: () => Promise.reject(new Error('SQLITE_FULL')) }, silent));
    const answer = await ask(VALUES);
    expect(answer.data).toBeNull();
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['AUDIT_UNAVAILABLE']);
    expect(JSON.stringify(answer)).not.toMatch(/example\.cn|\+86/);
    // Nothing shown, nothing to record: answered.
    expect((await ask('{ ledgerHead { position } }')).data).toEqual({ ledgerHead: { position: 1 } });
  });

  it('with the real writer, the answer carries its values and the DataViewed is in the log when it arrives', async () => {
    const { ask, opened } = await apiWith((services) => services.audit);
    const answer = await ask(VALUES) as { data: { subjectAccess: { categories: { value: string | null }[] } } };
    expect(answer.data.subjectAccess.categories.some((c) => c.value !== null)).toBe(true);
    const types: string[] = [];
    for await (const event of opened.store.readAll()) types.push(event.type);
    expect(types).toEqual(['DataCollected', 'DataViewed']);
  });

  it('answers that reach their audit together are recorded in one commit (group commit), each with its own DataViewed', async () => {
    const commits: number[] = [];
    const { ask, opened } = await apiWith(() => new AuditWriter({ record: (events, options) => {
      commits.push(events.length);
      return opened.ledger.record(events, options);
    } }, silent));
    const answers = await Promise.all(Array.from({ length: 10 }, () => ask(VALUES)));
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    // The fsync of the embedded log blocks the thread: without waiting a turn for the answers ready in it, each went alone.
    expect(commits.reduce((a, b) => a + b, 0)).toBe(10);
    expect(commits.length).toBeLessThanOrEqual(3);
    let views = 0;
    for await (const event of opened.store.readAll()) if (event.type === 'DataViewed') views += 1;
    expect(views).toBe(10);
  });
});
