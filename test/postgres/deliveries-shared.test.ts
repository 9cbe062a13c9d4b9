/**
 * Deletion-order deliveries kept in PostgreSQL beside the log (issue 31): two `pdl serve` as if on
 * two hosts — separate data folders, one `--store` URL, one delivery file — both issue and deliver
 * orders, and each receiver still gets each order once: an attempt is claimed, so the two never
 * make it twice. The processor's receiver answers 500 once: the retry is made once too, by whichever
 * server claims it. The delivery state is one table in the server's database, none in the folders.
 * Real processes, real HTTP, a real PostgreSQL server (test/setup/postgres.ts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSignerKey } from '../../services/proofs/note-signer.js';
import { anEvent } from '../fixtures/events.js';
import { webhookReceiver, type WebhookReceiver } from '../fixtures/webhook-receiver.js';
import { startPdlServer, type PdlServer } from '../e2e/pdl-server.js';
import { tempDir } from '../e2e/run-pdl.js';
import { freshLedgerUrl, postgresUrl, skipReason, withAdmin } from '../contract/postgres-fixture.js';

const listening: WebhookReceiver[] = [];
const receive = async (statuses: number[] = []) => {
  const made = await webhookReceiver(statuses);
  listening.push(made);
  return made;
};

describe.skipIf(!postgresUrl)(`deletion-order deliveries shared through PostgreSQL${skipReason}`, () => {
  const servers: PdlServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    for (const made of listening.splice(0)) await made.close();
  });

  it('two servers deliver from one store: each order reaches its receiver once, the refused one retried once', async () => {
    const { url, schema } = await freshLedgerUrl();
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const userDb = await receive();
    const crm = await receive([500]);
    const config = join(tempDir('deliveries'), 'deliveries.json');
    writeFileSync(config, JSON.stringify({
      retry: { firstDelaySeconds: 1, maxDelaySeconds: 2 },
      targets: [
        { kind: 'system', id: 'user-db', webhook: { url: userDb.url, secret: { env: 'HOOK_SECRET' } } },
        { kind: 'recipient', id: 'crm-us', webhook: { url: crm.url, secret: { env: 'HOOK_SECRET' } } },
      ],
    }));
    const env = {
      PDL_MASTER_KEY: randomBytes(32).toString('base64'), PDL_SIGNING_KEY: formatSignerKey('ledger.example.com/pdl', randomBytes(32)),
      PDL_ORDERS_INTERVAL: '60', PDL_DELIVERIES: config, HOOK_SECRET: secret,
    };
    const folders = [tempDir('host-a'), tempDir('host-b')];
    const adminKey = `test-admin-${randomBytes(6).toString('hex')}`;
    for (const folder of folders) servers.push(await startPdlServer({ db: join(folder, 'ledger.db'), adminKey, env, globalArgs: ['--store', url] }));
    const [a] = servers as [PdlServer, PdlServer];

    // Many subjects at once: both servers see them, issue (idempotently) and race to deliver.
    const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
    const now = new Date().toISOString();
    const subjects = Array.from({ length: 10 }, (_, i) => `u-pg-${i}`);
    const events = subjects.flatMap((id) => [
      anEvent('DataCollected', { subject: { id }, occurredAt: dayAgo }),
      anEvent('DataTransferredAbroad', { subject: { id }, occurredAt: dayAgo }),
      anEvent('SubjectRequestReceived', { subject: { id }, occurredAt: now, data: { requestId: `r-${id}`, kind: 'erasure' } }),
    ]);
    expect((await a.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: events })).data?.recordEvents.appended).toBe(30);

    const end = Date.now() + 30_000;
    while ((userDb.received.length < 10 || crm.received.length < 11) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 200));
    // Longer: a second server's duplicate attempt would come now.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const subjectsOf = (received: { headers: Record<string, string>; body: string }[]) =>
      received.map((m) => (new Webhook(secret).verify(m.body, m.headers) as { data: { subjectId: string } }).data.subjectId).sort();
    expect(subjectsOf(userDb.received)).toEqual([...subjects].sort());
    // Ten orders, one refused once and retried once: eleven requests, every subject among them, one twice.
    expect(crm.received).toHaveLength(11);
    expect(new Set(subjectsOf(crm.received))).toEqual(new Set(subjects));

    const rows = await withAdmin((client) => client.query<{ channel: string; state: string; n: string; attempts: string }>(
      `SELECT channel, state, count(*)::text AS n, sum(attempts)::text AS attempts FROM ${schema}.pdl_order_deliveries GROUP BY channel, state`));
    expect(rows.rows).toEqual([{ channel: 'webhook', state: 'delivered', n: '20', attempts: '21' }]);
    for (const folder of folders) expect(existsSync(join(folder, 'ledger.deliveries.db'))).toBe(false);
  }, 120_000);
});
