/**
 * The requests inbox through GraphQL on a temporary ledger (real SQLite files, the API in process
 * through yoga's fetch): pages by offset cover every open request once, overdue first; a refusal's
 * reason is kept; a producer's key may not read it; a page is bounded.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../services/api/auth/api-keys.js';
import { apiServices } from '../../services/api/api-services.js';
import { createApi } from '../../services/api/yoga.js';
import { openProver } from '../../services/composition/open-prover.js';
import { anEvent } from '../fixtures/events.js';
import { tempLedger } from '../fixtures/temp-ledger.js';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

type Row = { requestId: string; status: string; outcome: string | null; refusalReason: string | null };

describe('the requests inbox', () => {
  it('pages by offset: every open request once, the overdue first; a refusal keeps its reason; bounded and role-checked', async () => {
    const opened = await tempLedger();
    close = () => opened.close();
    const now = Date.now();
    // Seven requests: three received long ago (overdue by the 30-day default), four this week.
    const received = Array.from({ length: 7 }, (_, i) => anEvent('SubjectRequestReceived', {
      subject: { id: `u-inbox-${i}` }, occurredAt: new Date(now - (i < 3 ? 90 : 2) * 86_400_000 - i * 60_000).toISOString(),
      data: { requestId: `r-inbox-${i}`, kind: 'access' } }));
    const refused = anEvent('SubjectRequestCompleted', { subject: { id: 'u-inbox-6' }, occurredAt: new Date(now).toISOString(),
      data: { requestId: 'r-inbox-6', outcome: 'rejected', refusalReason: 'identity-not-verified' } });
    expect((await opened.ledger.record([...received, refused])).rejected).toEqual([]);

    const apiKeys = ApiKeys.open(join(opened.dir, 'ledger.api-keys.db'));
    const keys = { dpo: (await apiKeys.create('dpo')).key, producer: (await apiKeys.create('producer')).key };
    const yoga = createApi(apiServices(opened, apiKeys, { log: { error: () => undefined }, prover: await openProver(opened, { embedded: true }) }));
    const ask = async (key: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await yoga.fetch('http://pdl.test/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: { requests: Row[] } | null; errors?: { message: string; extensions?: { code?: string } }[] };
    };
    const PAGE = 'query($s: String, $n: Int, $o: Int) { requests(status: $s, first: $n, offset: $o) { requestId status outcome refusalReason } }';
    const pages: Row[][] = [];
    for (let offset = 0; offset < 10; offset += 2) pages.push((await ask(keys.dpo, PAGE, { n: 2, o: offset })).data!.requests);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 0, 0]);
    const open = pages.flat();
    expect(open.map((r) => r.requestId).sort()).toEqual(['r-inbox-0', 'r-inbox-1', 'r-inbox-2', 'r-inbox-3', 'r-inbox-4', 'r-inbox-5']);
    expect(open.slice(0, 3).map((r) => r.status)).toEqual(['overdue', 'overdue', 'overdue']);
    expect(open.slice(3).map((r) => r.status)).toEqual(['open', 'open', 'open']);

    const completed = (await ask(keys.dpo, PAGE, { s: 'completed', n: 10, o: 0 })).data!.requests;
    expect(completed).toEqual([{ requestId: 'r-inbox-6', status: 'completed', outcome: 'rejected', refusalReason: 'identity-not-verified' }]);

    expect((await ask(keys.dpo, PAGE, { n: 501, o: 0 })).errors?.[0]?.message).toMatch(/first must be between 0 and 500|Page items limit/);
    expect((await ask(keys.dpo, PAGE, { n: 5, o: -1 })).errors?.[0]?.extensions?.code).toBe('VALIDATION');
    expect((await ask(keys.producer, PAGE, { n: 5, o: 0 })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await apiKeys.close();
  });
});
