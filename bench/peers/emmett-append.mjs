/**
 * The peer: @event-driven-io/emmett-sqlite appending the same events as bench/scenarios.ts.
 *   node bench/peers/emmett-append.mjs <default|shared> <json options>
 * `default`: getSQLiteEventStore({ fileName }) as its docs show (a connection per call);
 * `shared`: its fastest, one shared connection passed to appendToStream.
 * `bytes`: the events of bench/scenarios.ts's bytes run (one in ten a new subject), appended per
 * stream in batches of 1,000 on one connection, then the file VACUUMed and its size divided by the
 * events: the peer's bytes per event.
 * Prints one JSON line: eventsPerSecond (or bytesPerEvent) and maxRssMb.
 */
import { appendToStream, createEventStoreSchema, getSQLiteEventStore, sqliteConnection } from '@event-driven-io/emmett-sqlite';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [mode, json] = process.argv.slice(2);
const options = JSON.parse(json ?? '{}');

const sampleEvent = (subject, i) => ({
  type: 'DataCollected',
  data: {
    id: randomUUID(), occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), subject: { id: subject },
    actor: { kind: 'system', id: 'signup-service' },
    categories: ['contact.email'], values: { 'contact.email': `user${i}@example.cn` }, source: 'subject', method: 'registration',
    purposes: ['account-registration'], legalBasis: 'contract', storage: { system: 'user-db', kind: 'database', region: 'CN' }, retention: 'P3Y',
  },
});

if (mode === 'bytes') {
  const dir = mkdtempSync(join(tmpdir(), 'pdl-bench-emmett-'));
  const fileName = join(dir, 'emmett.db');
  const connection = sqliteConnection({ fileName });
  await createEventStoreSchema(connection);
  const subjects = options.subjects ?? Math.max(1, Math.floor(options.events / 10));
  for (let i = 0; i < options.events; i += 1000) {
    const streams = new Map();
    for (let j = i; j < Math.min(i + 1000, options.events); j++) {
      const subject = `s-${j % subjects}`;
      if (!streams.has(subject)) streams.set(subject, []);
      streams.get(subject).push(sampleEvent(subject, j));
    }
    for (const [subject, events] of streams) await appendToStream(connection, `subject-${subject}`, 'subject', events);
  }
  await connection.command('VACUUM');
  connection.close();
  const bytes = statSync(fileName).size;
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ bytesPerEvent: bytes / options.events, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
  process.exit(0);
}

const work = [];
for (let i = 0; i < options.events; i += options.batch) {
  const subject = options.batch === 1 ? `s-${i}` : `s-${i / options.batch}`;
  work.push({ stream: `subject-${subject}`, events: Array.from({ length: Math.min(options.batch, options.events - i) }, (_, j) => sampleEvent(subject, i + j)) });
}

const dir = mkdtempSync(join(tmpdir(), 'pdl-bench-emmett-'));
const fileName = join(dir, 'emmett.db');
let started;
if (mode === 'shared') {
  const connection = sqliteConnection({ fileName });
  await createEventStoreSchema(connection);
  started = performance.now();
  for (const { stream, events } of work) await appendToStream(connection, stream, 'subject', events);
  var seconds = (performance.now() - started) / 1000;
  connection.close();
} else {
  const store = getSQLiteEventStore({ fileName, schema: { autoMigration: 'CreateOrUpdate' } });
  await store.appendToStream('warm-up', [sampleEvent('warm', 0)]);
  started = performance.now();
  for (const { stream, events } of work) await store.appendToStream(stream, events);
  var seconds = (performance.now() - started) / 1000;
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ eventsPerSecond: options.events / seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
