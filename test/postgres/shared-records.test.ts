/**
 * What cannot be derived from the log lives with it in PostgreSQL: two `pdl serve` as if on two
 * hosts — separate data folders, sharing only the URL, the master key and the signing key — agree
 * on API keys (created on one, accepted by the other; revoked on one, refused by the other) and on
 * signed checkpoints (signed by one, listed and verified through the other and by `pdl verify
 * --store` from a third folder), and each worker's progress is readable in one place.
 * Real processes, real HTTP, a real server (test/setup/postgres.ts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSignerKey } from '../../services/proofs/note-signer.js';
import { anEvent } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from '../e2e/pdl-server.js';
import { runPdl, tempDir } from '../e2e/run-pdl.js';
import { freshLedgerUrl, postgresUrl, skipReason } from '../contract/postgres-fixture.js';

const RECORD = 'mutation ($events: [JSON!]!) { recordEvents(events: $events) { appended } }';
const CHECKPOINT = '{ checkpoint { size root note verifierKey } }';
type Checkpoint = { checkpoint: { size: number; root: string; note: string; verifierKey: string } };

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 150; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within 15 s: ${what}`);
}

describe.skipIf(!postgresUrl)(`the ledger's own records shared through PostgreSQL${skipReason}`, () => {
  const servers: PdlServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it('an API key made on one server opens the other, a revocation on one closes both; a checkpoint signed by one is the other\'s and verifies from a third folder', async () => {
    const { url } = await freshLedgerUrl();
    const env = {
      PDL_MASTER_KEY: randomBytes(32).toString('base64'),
      PDL_SIGNING_KEY: formatSignerKey('ledger.example.com/pdl', randomBytes(32)),
    };
    const folders = [tempDir('host-a'), tempDir('host-b')];
    for (const folder of folders) servers.push(await startPdlServer({ db: join(folder, 'ledger.db'), adminKey: null, env, globalArgs: ['--store', url] }));
    const [a, b] = servers as [PdlServer, PdlServer];
    // Each server made its own admin key (a file in its folder): each is a key of the shared records.
    const adminA = readFileSync(join(folders[0]!, 'ledger.admin.key'), 'utf8').trim();
    const adminB = readFileSync(join(folders[1]!, 'ledger.admin.key'), 'utf8').trim();
    for (const folder of folders) expect(existsSync(join(folder, 'ledger.api-keys.db'))).toBe(false);

    const created = await a.gql<{ createApiKey: { id: string; key: string } }>('mutation { createApiKey(role: auditor, label: "shared") { id key } }', {}, adminA);
    expect(created.errors).toBeUndefined();
    const auditorKey = created.data!.createApiKey.key;
    const onB = await b.gql<{ ledgerHead: { position: number } }>('{ ledgerHead { position } }', {}, auditorKey);
    expect(onB.status).toBe(200);
    expect(onB.errors).toBeUndefined();
    const listedOnB = await b.gql<{ apiKeys: { id: string; label: string | null }[] }>('{ apiKeys { id label } }', {}, adminB);
    expect(listedOnB.data!.apiKeys).toContainEqual({ id: created.data!.createApiKey.id, label: 'shared' });
    expect((await b.gql(`mutation { revokeApiKey(id: "${created.data!.createApiKey.id}") }`, {}, adminB)).errors).toBeUndefined();
    expect((await a.gql('{ ledgerHead { position } }', {}, auditorKey)).status).toBe(401);

    const events = Array.from({ length: 5 }, (_, i) => anEvent('DataUsed', { subject: { id: `u-${i}` } }));
    expect((await a.gql<{ recordEvents: { appended: number } }>(RECORD, { events }, adminA)).data?.recordEvents.appended).toBe(5);
    await until(() => b.gql<{ ledgerHead: { position: number; readModelsPosition: number } }>('{ ledgerHead { position readModelsPosition } }', {}, adminB),
      (answer) => answer.data?.ledgerHead.readModelsPosition === 5, 'server B follows the log');
    await until(() => a.gql<{ ledgerHead: { readModelsPosition: number } }>('{ ledgerHead { readModelsPosition } }', {}, adminA),
      (answer) => answer.data?.ledgerHead.readModelsPosition === 5, 'server A follows the log');
    const signedByA = (await a.gql<Checkpoint>(CHECKPOINT, {}, adminA)).data!.checkpoint;
    expect(signedByA.size).toBe(5);
    // B signs nothing of its own: the checkpoint A signed is the latest it knows.
    expect((await b.gql<Checkpoint>(CHECKPOINT, {}, adminB)).data!.checkpoint).toEqual(signedByA);

    const listed = await runPdl(['--store', url, '--db', join(folders[1]!, 'ledger.db'), 'checkpoint', '--list'], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n').map((line) => line.split('\t')[0])).toEqual(['5']);
    // A third folder holding nothing: the chain and the checkpoint come from the server.
    const verified = await runPdl(['--store', url, '--db', join(tempDir('auditor'), 'ledger.db'), 'verify', '--key', signedByA.verifierKey, '--no-state']);
    expect(verified.stdout).toContain('ok: 5 events verified');
    expect(verified.stdout).toContain('the Merkle root matches all 1 signed checkpoints');
    expect(verified.code).toBe(0);

    // Where each worker is, read in one place.
    const head = await runPdl(['--store', url, '--db', join(tempDir('operator'), 'ledger.db'), 'head', '--workers'], { env });
    expect(head.code).toBe(0);
    const workers = head.stdout.split('\n').filter((line) => line.startsWith('worker '));
    for (const folder of folders) expect(workers.some((line) => line.includes(join(folder, 'ledger.read.db')) && line.includes(' at 5 (0 behind)'))).toBe(true);
    for (const server of servers.splice(0)) expect(await server.stop()).toBe(0);
  }, 120_000);
});
