/** `keyStatus` and the compliance report's `erasuresInBackups` over real HTTP: role-checked, ids and dates only. */
import { afterAll, describe, expect, it } from 'vitest';
import { anEvent, registration } from '../fixtures/events.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { runPdl } from './run-pdl.js';

const RECORD = 'mutation ($events: [JSON!]!) { recordEvents(events: $events) { appended } }';
const STATUS = `query ($id: ID) { keyStatus(subjectId: $id) {
  generations { generation supersededAt destroyAfter destroyedAt }
  erasures { total complete scheduled waitingForRotation }
  subject { subjectId erasedAt generation unreadableFrom complete } } }`;

describe('keyStatus over the API', () => {
  let server: PdlServer;
  afterAll(async () => server?.stop());

  it('tells dpo and admin when an erasure reaches the backups; auditors see the counts in the report, never the query', async () => {
    server = await startPdlServer();
    expect((await server.gql(RECORD, { events: [registration('u-ks', 'ks@example.cn', '+8613800007777')] })).errors).toBeUndefined();
    expect((await server.gql(RECORD, { events: [anEvent('SubjectErased', { subject: { id: 'u-ks' } })] })).errors).toBeUndefined();

    type Status = { keyStatus: { generations: { generation: number }[]; erasures: Record<string, number>; subject: { subjectId: string; generation: number; unreadableFrom: string | null; complete: boolean } | null } };
    const admin = await server.gql<Status>(STATUS, { id: 'u-ks' });
    expect(admin.errors).toBeUndefined();
    expect(admin.data!.keyStatus.generations.map((g) => g.generation)).toEqual([1]);
    expect(admin.data!.keyStatus.erasures).toEqual({ total: 1, complete: 0, scheduled: 0, waitingForRotation: 1 });
    expect(admin.data!.keyStatus.subject).toMatchObject({ subjectId: 'u-ks', generation: 1, unreadableFrom: null, complete: false });
    expect((await server.gql<Status>(STATUS, { id: 'u-never' })).data!.keyStatus.subject).toBeNull();

    const auditorKey = (await runPdl(['--db', server.db, 'keys', 'create', '--role', 'auditor'])).stdout.trim();
    const refused = await server.gql(STATUS, { id: 'u-ks' }, auditorKey);
    expect(refused.errors?.[0]?.message).toMatch(/may not keyStatus/);
    const report = await server.gql<{ complianceReport: { erasuresInBackups: Record<string, number> } }>('{ complianceReport { erasuresInBackups { total waitingForRotation } } }', {}, auditorKey);
    expect(report.data!.complianceReport.erasuresInBackups).toEqual({ total: 1, waitingForRotation: 1 });
    expect(JSON.stringify(admin.data)).not.toContain('ks@example.cn');
  }, 60_000);
});
