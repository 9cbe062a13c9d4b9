/**
 * The server's chain monitor (services/proofs/chain-monitor.ts) on a real SQLite ledger, tampered
 * with through a second connection to its file as someone with the file would: the whole log
 * verified at start, then only what is new; every checkpoint held to the root of its size, also one
 * whose row arrives after the monitor passed that size; a tail rewritten with its hash caught by
 * the hash verified before; an event altered below the verified position caught by the next
 * verification of the whole log, and not before (what a tick costs is what is new).
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openProver } from '../../services/composition/open-prover.js';
import { chainedLeaf } from '../../services/ledger/chain.js';
import type { VerifiableLog } from '../../services/ledger/verify.js';
import { CompactRange } from '../../services/merkle/compact-range.js';
import { leafHash } from '../../services/merkle/rfc6962.js';
import { ChainMonitor, type ChainVerdict } from '../../services/proofs/chain-monitor.js';
import { signerFromSeed } from '../../services/proofs/note-signer.js';
import type { Prover } from '../../services/proofs/prover.js';
import { SqliteEventStore } from '../../services/store/sqlite/sqlite-event-store.js';
import { anEvent } from '../fixtures/events.js';
import { rewriteAndRechain, rowAt, setBody } from '../fixtures/tamper.js';
import { tempLedger } from '../fixtures/temp-ledger.js';

const HOUR = 3_600_000;
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

/** A ledger of `events` events with a prover, and a monitor on it ticking only when asked (`check`), with a clock the test moves. */
async function watched(events: number, options: { fullEveryMs?: number; before?: (db: Database.Database) => void } = {}) {
  const opened = await tempLedger();
  const store = opened.store;
  if (!(store instanceof SqliteEventStore)) throw new Error('the embedded store was expected');
  const prover = await openProver(opened, { embedded: true, env: {} });
  const record = (n: number) => opened.ledger.record(Array.from({ length: n }, (_, i) =>
    i % 2 === 0 ? anEvent('DataCollected', { subject: { id: `u-${i}` } }) : anEvent('DataUsed', { subject: { id: `u-${i - 1}` } })));
  if (events > 0) await opened.readModelsClock.reach((await record(events)).position!);
  // The Merkle tree is a read model: a checkpoint of the head is signed once the read models hold it (read-your-writes).
  const signHead = async () => {
    await opened.readModelsClock.reach((await opened.store.head()).position);
    return prover.checkpoint();
  };
  /** Someone with the file, through a connection of their own. */
  const tamper = (change: (db: Database.Database) => void) => {
    const db = new Database(join(opened.dir, 'ledger.db'));
    change(db);
    db.close();
  };
  if (options.before) tamper(options.before);
  const read = { rows: 0 };
  const log: VerifiableLog = {
    head: () => store.head(),
    async *storedRows(after) {
      for await (const row of store.storedRows(after)) {
        read.rows += 1;
        yield row;
      }
    },
  };
  const clock = { now: Date.parse('2026-12-01T00:00:00Z') };
  const monitor = ChainMonitor.start({
    log, checkpoints: prover.checkpoints, verifierKey: prover.verifierKey, pollMs: HOUR, fullEveryMs: options.fullEveryMs ?? 0,
    now: () => new Date(clock.now),
  });
  closing.push(async () => {
    await monitor.stop();
    await opened.close();
  });
  return { opened, prover, monitor, record, signHead, tamper, read, clock };
}

/** A checkpoint note of `size` signed by `prover`'s key over the root of the log's first `size` events (or over `root`). */
async function signAt(opened: Awaited<ReturnType<typeof tempLedger>>, prover: Prover, size: number, root?: string) {
  const range = new CompactRange();
  for await (const event of opened.store.readAll({ limit: size })) range.append(leafHash(chainedLeaf(event)));
  const signed = root ?? range.root().toString('base64');
  await prover.checkpoints.add([{ size, root: signed, note: prover.signer.sign(`${prover.signer.name}\n${size}\n${signed}\n`), signedAt: new Date().toISOString() }]);
}

const brokenAt = (verdict: ChainVerdict) => (verdict.state === 'broken' ? { position: verdict.position, kind: verdict.kind } : verdict);

describe('the chain monitor', () => {
  it('verifies the whole log at start, then reads only the events after the position verified (and the row at it again)', async () => {
    const { monitor, record, read } = await watched(40);
    expect(monitor.verdict().state).toBe('verifying');
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 40 });
    expect(read.rows).toBeGreaterThanOrEqual(40);
    read.rows = 0;
    await record(5);
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 45 });
    expect(read.rows).toBe(6);
    read.rows = 0;
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 45 });
    expect(read.rows).toBe(1);
  });

  it('holds every checkpoint to the root of its size: signed before start, at the verified head, and one whose row comes after the monitor passed its size', async () => {
    const { opened, prover, monitor, record, signHead } = await watched(10);
    await signHead();
    await record(10);
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 20, checkpoints: 1 });
    await record(7);
    await monitor.check();
    await signHead();
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 27, checkpoints: 2 });
    await record(5);
    await record(5);
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 37, checkpoints: 2 });
    // Signed at 32 (say, by a `pdl record` whose row lands late): read forward from the range kept at 27.
    await signAt(opened, prover, 32);
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 37, checkpoints: 3 });
    // Signed by the ledger's key over a root the log does not have at 34.
    await signAt(opened, prover, 34, Buffer.alloc(32, 7).toString('base64'));
    expect(brokenAt(await monitor.check())).toEqual({ position: 34, kind: 'checkpoint-mismatch' });
  });

  it('reports a checkpoint row not signed by the ledger\'s key as forged', async () => {
    const { opened, monitor } = await watched(6);
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 6 });
    const stranger = signerFromSeed('somewhere.else/pdl', randomBytes(32));
    const range = new CompactRange();
    for await (const event of opened.store.readAll()) range.append(leafHash(chainedLeaf(event)));
    const root = range.root().toString('base64');
    opened.readModelsDb.prepare('INSERT INTO tlog_checkpoints (size, root, note, signed_at) VALUES (6, ?, ?, ?)')
      .run(root, stranger.sign(`${stranger.name}\n6\n${root}\n`), new Date().toISOString());
    const verdict = await monitor.check();
    expect(brokenAt(verdict)).toEqual({ position: 6, kind: 'forged-checkpoint' });
    expect(verdict.state === 'broken' && verdict.message).toMatch(/forged or edited/);
  });

  it('finds an event altered before the server started, at its position', async () => {
    const { monitor } = await watched(12, {
      before: (db) => setBody(db, 4, rowAt(db, 4).body.replace('risk-engine', 'risk-enginf')),
    });
    const verdict = await monitor.check();
    expect(brokenAt(verdict)).toEqual({ position: 4, kind: 'hash-mismatch' });
    expect(verdict.state === 'broken' && verdict.message).toContain('event 4 was altered');
  });

  it('finds the last event rewritten together with its hash (which no chain alone can) by the hash it verified there', async () => {
    const { monitor, tamper } = await watched(9);
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 9 });
    tamper((db) => rewriteAndRechain(db, 9, 'u-8', 'u-7'));
    expect(brokenAt(await monitor.check())).toEqual({ position: 9, kind: 'anchor-mismatch' });
  });

  it('finds events removed from the end', async () => {
    const { monitor, tamper } = await watched(9);
    await monitor.check();
    tamper((db) => db.prepare('DELETE FROM events WHERE position > 7').run());
    expect(brokenAt(await monitor.check())).toEqual({ position: 9, kind: 'truncated' });
  });

  it('finds an event altered below the verified position at the next verification of the whole log, not at a tick; and says ok again once the log verifies', async () => {
    const { monitor, tamper, clock } = await watched(20, { fullEveryMs: 60_000 });
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 20 });
    let original = '';
    tamper((db) => {
      original = rowAt(db, 3).body;
      setBody(db, 3, original.replace('"contract"', '"consent"'));
    });
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 20 });
    clock.now += 60_000;
    expect(brokenAt(await monitor.check())).toEqual({ position: 3, kind: 'hash-mismatch' });
    // Broken stays broken between whole verifications: a tick has nothing to go on from.
    tamper((db) => setBody(db, 3, original));
    expect((await monitor.check()).state).toBe('broken');
    clock.now += 60_000;
    expect(await monitor.check()).toMatchObject({ state: 'verified', position: 20 });
  });
});
