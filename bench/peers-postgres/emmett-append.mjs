/**
 * The PostgreSQL peer: @event-driven-io/emmett-postgresql appending the same events as
 * bench/postgres-scenarios.ts, as its docs show (getPostgreSQLEventStore, appendToStream per
 * stream), into a database of its own.
 *   node bench/peers-postgres/emmett-append.mjs <json options: url, events, batch, writer?, database?>
 * Prints one JSON line: eventsPerSecond and maxRssMb.
 */
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';

const options = JSON.parse(process.argv[2] ?? '{}');
const sampleEvent = (subject, i) => ({
  type: 'DataCollected',
  data: {
    id: randomUUID(), occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), subject: { id: subject },
    actor: { kind: 'system', id: 'signup-service' },
    categories: ['contact.email'], values: { 'contact.email': `user${i}@example.cn` }, source: 'subject', method: 'registration',
    purposes: ['account-registration'], legalBasis: 'contract', storage: { system: 'user-db', kind: 'database', region: 'CN' }, retention: 'P3Y',
  },
});

// A database of its own per run: Emmett's migrations keep their record outside a schema, so a second schema on one database is taken as migrated.
const database = options.database ?? `emmett_${randomBytes(5).toString('hex')}`;
if (!options.database) {
  const admin = new pg.Client({ connectionString: options.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
}
const url = new URL(options.url);
url.pathname = `/${database}`;

const who = options.writer ?? 'w';
const work = [];
for (let i = 0; i < options.events; i += options.batch) {
  const subject = options.batch === 1 ? `${who}-s-${i}` : `${who}-s-${i / options.batch}`;
  work.push({ stream: `subject-${subject}`, events: Array.from({ length: Math.min(options.batch, options.events - i) }, (_, j) => sampleEvent(subject, i + j)) });
}
const store = getPostgreSQLEventStore(url.toString());
await store.appendToStream(`warm-up-${who}`, [sampleEvent('warm', 0)]);
const started = performance.now();
for (const { stream, events } of work) await store.appendToStream(stream, events);
const seconds = (performance.now() - started) / 1000;
await store.close();
process.stdout.write(`${JSON.stringify({ eventsPerSecond: options.events / seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
