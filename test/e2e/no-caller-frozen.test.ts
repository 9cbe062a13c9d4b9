/**
 * One large request does not stop everyone else: while a 10,000-event recordEvents is written,
 * /health and a small subjectAccess keep being answered (the write yields between chunks).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../services/composition/open-ledger.js';
import { anEvent } from '../fixtures/events.js';
import { randomWorkload } from '../fixtures/random-workload.js';
import { startPdlServer, type PdlServer } from './pdl-server.js';
import { runPdl, tempDir } from './run-pdl.js';

let server: PdlServer;
beforeAll(async () => {
  const db = `${tempDir('frozen')}/ledger.db`;
  expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
  // Enough for a full compliance report to take a few hundred milliseconds.
  const opened = await openLedger({ db, env: {} });
  const workload = randomWorkload(20_000, 5);
  for (let i = 0; i < workload.length; i += 5000) await opened.ledger.record(workload.slice(i, i + 5000));
  await opened.close();
  server = await startPdlServer({ db });
}, 180_000);

/** Polls /health while `work` runs; answers counted while it ran, the longest wait between two, and the work's duration. */
async function healthDuring(work: Promise<unknown>) {
  let running = true;
  const started = Date.now();
  void work.finally(() => (running = false));
  let answered = 0;
  let last = Date.now();
  let longestWait = 0;
  while (running) {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    if (running) answered += 1;
    longestWait = Math.max(longestWait, Date.now() - last);
    last = Date.now();
  }
  await work;
  return { answered, longestWait, workMs: Date.now() - started };
}
afterAll(async () => {
  await server?.stop();
});

describe('no caller frozen by another', () => {
  it('while a full complianceReport is computed, /health keeps answering (the report runs on a worker thread)', async () => {
    const report = server.gql<{ complianceReport: { violations: unknown[] } }>('{ complianceReport { asOf violations { rule } } }', {}, server.adminKey);
    const { answered, longestWait, workMs } = await healthDuring(report);
    expect((await report).data!.complianceReport.violations.length).toBeGreaterThan(0);
    // In process, the report held the loop for all of its ~220 ms (20,000 events); now /health answers throughout.
    expect(answered).toBeGreaterThanOrEqual(3);
    expect(longestWait).toBeLessThan(workMs / 2);
  });

  it('while 10,000 events are recorded, /health and subjectAccess keep answering', async () => {
    const events = Array.from({ length: 10_000 }, (_, i) => anEvent('DataCollected', { subject: { id: `bulk-${i % 500}` } }));
    let writing = true;
    const started = Date.now();
    const write = server.gql<{ recordEvents: { appended: number } }>('mutation($e: [JSON!]!) { recordEvents(events: $e) { appended } }', { e: events })
      .finally(() => (writing = false));
    const answeredWhileWriting: number[] = [];
    let last = Date.now();
    let longestWait = 0;
    while (writing) {
      const [health, access] = await Promise.all([
        fetch(`${server.url}/health`),
        server.gql<{ subjectAccess: { subjectId: string } }>('{ subjectAccess(subjectId: "u-1001") { subjectId } }'),
      ]);
      expect(health.status).toBe(200);
      expect(access.data!.subjectAccess.subjectId).toBe('u-1001');
      if (writing) answeredWhileWriting.push(Date.now());
      longestWait = Math.max(longestWait, Date.now() - last);
      last = Date.now();
    }
    expect((await write).data!.recordEvents.appended).toBe(10_000);
    const writeMs = Date.now() - started;
    // Before: the loop was held for the whole append — the longest wait ~90 % of the write (2.1 of 2.3 s
    // here), a handful of answers, all before it started. Now, alone on this machine: ~23 answers, the
    // longest wait 240–400 ms (parsing the request included), ~15 % of the write. Relative, so a busy
    // machine slows both sides alike.
    expect(answeredWhileWriting.length).toBeGreaterThanOrEqual(10);
    expect(longestWait).toBeLessThan(writeMs / 2);
  });
});
