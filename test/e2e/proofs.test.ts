/**
 * Proofs an outsider can check (README "Proofs"): `pdl checkpoint`, `pdl prove` and
 * `pdl verify-proof` through the real binary on real files; then every kind of tampering the
 * chain catches, shown to break the proofs against a checkpoint an auditor kept from before.
 */
import Database from 'better-sqlite3';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../services/composition/open-ledger.js';
import { openProver } from '../../services/composition/open-prover.js';
import { linkHash } from '../fixtures/chain-reference.js';
import { verifyChain } from '../../services/ledger/verify.js';
import type { RecordedEvent } from '../../services/store/port.js';
import { verifyConsistencyBundle, verifyInclusionBundle, type InclusionBundle } from '../../services/proofs/verifier/verify-proof.js';
import { anEvent, registration } from '../fixtures/events.js';
import { ndjson, runPdl, tempDir } from './run-pdl.js';
import { rowAt, setBody, tamperedCopy } from '../fixtures/tamper.js';
import { startPdlServer } from './pdl-server.js';
import type { ConsistencyBundle } from '../../services/proofs/verifier/verify-proof.js';

const FILES = ['ledger.db', 'ledger.keys.db', 'ledger.master.key', 'ledger.signing.key'];
let pristine: string;
let db: string;
/** What an auditor kept: the checkpoint after 15 events and the verifier key. */
let kept: { size: number; root: string; note: string; verifierKey: string };
const ids: string[] = [];

function events(from: number, count: number) {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return i % 2 === 0 ? registration(`u-${i}`, `user${i}@example.cn`, `+86138000000${10 + i}`) : anEvent('DataUsed', { subject: { id: `u-${i - 1}` } });
  });
}

async function record(batch: ReturnType<typeof events>) {
  const file = join(pristine, `events-${ids.length}.ndjson`);
  writeFileSync(file, ndjson(batch));
  const run = await runPdl(['--db', db, 'record', file]);
  expect(run.stdout).toContain(`appended ${batch.length}`);
  ids.push(...batch.map((event) => event.id));
}

beforeAll(async () => {
  pristine = tempDir('proofs');
  db = join(pristine, 'ledger.db');
  await record(events(0, 10));
  // The quick start's placement: the key beside the data, so the copies below carry it (proof-trust.test.ts names it apart).
  const first = await runPdl(['--db', db, '--embedded-keys', 'checkpoint', '--origin', 'ledger.example.com/pdl']);
  expect(first.code).toBe(0);
  await record(events(10, 5));
  const second = await runPdl(['--db', db, 'checkpoint', '--json']);
  expect(second.code).toBe(0);
  kept = JSON.parse(second.stdout) as typeof kept;
  await record(events(15, 5));
  const connection = new Database(db);
  connection.pragma('wal_checkpoint(TRUNCATE)');
  connection.close();
});

async function prove(args: string[], dir = pristine): Promise<{ file: string; code: number | null; stderr: string }> {
  const file = join(dir, `bundle-${Math.random().toString(36).slice(2)}.json`);
  const run = await runPdl(['--db', join(dir, 'ledger.db'), 'prove', ...args, '--out', file]);
  return { file, code: run.code, stderr: run.stderr };
}

describe('checkpoints and proofs through the binary', () => {
  it('signs a checkpoint in the C2SP format under the origin given, keeps one per size, and the signing key is 0600', async () => {
    expect(kept.size).toBe(15);
    expect(kept.note).toMatch(/^ledger\.example\.com\/pdl\n15\n[A-Za-z0-9+/]{43}=\n\n\u2014 ledger\.example\.com\/pdl [A-Za-z0-9+/=]+\n$/);
    expect(kept.verifierKey).toMatch(/^ledger\.example\.com\/pdl\+[0-9a-f]{8}\+[A-Za-z0-9+/=]{44}$/);
    expect(statSync(join(pristine, 'ledger.signing.key')).mode & 0o777).toBe(0o600);
    const list = await runPdl(['--db', db, 'checkpoint', '--list']);
    // 10 and 15 by `pdl checkpoint`; 20 by the `pdl record` of events 16-20 itself, the key being at hand by then.
    expect(list.stdout.trim().split('\n').map((line) => Number(line.split('\t')[0]))).toEqual([10, 15, 20]);
    const other = await runPdl(['--db', db, 'checkpoint', '--origin', 'another.example/pdl']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('a ledger keeps one origin');
  });

  it('proves events included; verify-proof accepts it with the pinned key, and refuses another key, another origin and a forged leaf', async () => {
    const bundle = await prove(['--event', ids[2]!, '--event', ids[17]!]);
    expect(bundle.code).toBe(0);
    expect(statSync(bundle.file).mode & 0o777).toBe(0o600);
    const ok = await runPdl(['verify-proof', bundle.file, '--key', kept.verifierKey, '--origin', 'ledger.example.com/pdl']);
    expect(ok.stdout).toContain('ok: inclusion proven against the checkpoint of ledger.example.com/pdl at size 20');
    expect(ok.code).toBe(0);

    const foreign = await runPdl(['--db', join(tempDir('foreign'), 'ledger.db'), 'checkpoint', '--verifier-key']);
    const otherKey = await runPdl(['verify-proof', bundle.file, '--key', foreign.stdout.trim()]);
    expect(otherKey.code).toBe(1);
    expect(otherKey.stdout).toContain('NOT VERIFIED');
    const otherOrigin = await runPdl(['verify-proof', bundle.file, '--key', kept.verifierKey, '--origin', 'elsewhere.example/pdl']);
    expect(otherOrigin.code).toBe(1);
    expect(otherOrigin.stdout).toContain('not the trusted "elsewhere.example/pdl"');

    const parsed = JSON.parse(readFileSync(bundle.file, 'utf8')) as InclusionBundle;
    const leaf = Buffer.from(parsed.entries[0]!.leaf, 'base64').toString().replace('"DataCollected"', '"DataDeleted"');
    const forged: InclusionBundle = { ...parsed, entries: [{ ...parsed.entries[0]!, leaf: Buffer.from(leaf).toString('base64') }, parsed.entries[1]!] };
    const report = await verifyInclusionBundle(forged, { verifierKey: kept.verifierKey });
    expect(report.ok).toBe(false);
    expect(report.entries.map((e) => e.ok)).toEqual([false, true]);
    // A leaf of another event, passed off under this one's id and position, is refused too.
    const swapped: InclusionBundle = { ...parsed, entries: [{ ...parsed.entries[0]!, leaf: parsed.entries[1]!.leaf }] };
    expect((await verifyInclusionBundle(swapped, { verifierKey: kept.verifierKey })).problems.join()).toMatch(/the leaf is of position 18, not 3/);
  });

  it('proves the ledger only grew since a kept checkpoint, and says which sizes were signed when asked for another', async () => {
    const bundle = await prove(['--from-size', '10']);
    expect(bundle.code).toBe(0);
    const ok = await runPdl(['verify-proof', bundle.file, '--key', kept.verifierKey, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, kind: 'consistency', checkpoint: { size: 20 } });
    const unknown = await prove(['--from-size', '11']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no checkpoint was signed at size 11');
    const notJson = join(pristine, 'not-a-bundle.json');
    writeFileSync(notJson, '{"checkpoint": 3}');
    const refused = await runPdl(['verify-proof', notJson]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not a proof bundle');
  });

  it('pdl verify checks the Merkle root at every signed checkpoint', async () => {
    const run = await runPdl(['--db', db, 'verify']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('the Merkle root matches all 3 signed checkpoints');
  });
});

describe('proofs over GraphQL, for an auditor with no shell', () => {
  it('checkpoint, a subject\'s answer, a timeline page and consistencyProof each come with a bundle that verifies against the pinned key', async () => {
    const dir = tempDir('api-proofs');
    for (const file of FILES) copyFileSync(join(pristine, file), join(dir, file));
    const server = await startPdlServer({ db: join(dir, 'ledger.db') });
    try {
      const auditor = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: auditor) { key } }')).data!.createApiKey.key;
      const producer = (await server.gql<{ createApiKey: { key: string } }>('mutation { createApiKey(role: producer) { key } }')).data!.createApiKey.key;
      const answer = await server.gql<{
        checkpoint: { origin: string; size: number; note: string; verifierKey: string };
        subjectAccess: { proof: InclusionBundle };
        events: { proof: InclusionBundle; edges: { node: { id: string } }[] };
        consistencyProof: ConsistencyBundle;
      }>(`{ checkpoint { origin size note verifierKey }
            subjectAccess(subjectId: "u-4") { proof }
            events(first: 3, after: null) { proof edges { node { id } } }
            consistencyProof(fromSize: 15) }`, undefined, auditor);
      expect(answer.errors).toBeUndefined();
      const data = answer.data!;
      expect(data.checkpoint).toMatchObject({ origin: 'ledger.example.com/pdl', size: 20, verifierKey: kept.verifierKey });
      const trust = { verifierKey: kept.verifierKey, origin: 'ledger.example.com/pdl' };
      const subject = await verifyInclusionBundle(data.subjectAccess.proof, trust);
      expect(subject.ok).toBe(true);
      // u-4 registered (position 5) and was used (position 6): both events, and only them.
      expect(subject.entries.map((e) => e.position)).toEqual([5, 6]);
      const page = await verifyInclusionBundle(data.events.proof, trust);
      expect(page.entries.map((e) => e.eventId)).toEqual(data.events.edges.map((e) => e.node.id));
      expect(page.ok).toBe(true);
      expect((await verifyConsistencyBundle(data.consistencyProof, trust))).toMatchObject({ ok: true, checkpoint: { size: 20 } });
      // A producer may hold the ledger to a checkpoint, but not read events through a proof.
      const asProducer = await server.gql('{ checkpoint { size } subjectAccess(subjectId: "u-4") { proof } }', undefined, producer);
      expect(asProducer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await server.gql<{ checkpoint: { size: number } }>('{ checkpoint { size } }', undefined, producer)).data?.checkpoint.size).toBe(20);
    } finally {
      await server.stop();
    }
  });
});

const copyOf = (tamper: (d: Database.Database) => void): string => tamperedCopy(pristine, FILES, tamper);

function rewrite(d: Database.Database, position: number, from: string, to: string) {
  const previous = rowAt(d, position - 1);
  const row = rowAt(d, position);
  expect(row.body).toContain(from);
  const body = JSON.parse(row.body.replace(from, to)) as RecordedEvent['body'];
  const hash = linkHash(previous.hash, { ...row, recordedAt: row.recorded_at, position, body, digest: '' });
  setBody(d, position, JSON.stringify(body));
  d.prepare('UPDATE events SET hash = ? WHERE position = ?').run(hash, position);
}

const TAMPERS: [string, (d: Database.Database) => void][] = [
  ['one changed byte', (d) => setBody(d, 4, rowAt(d, 4).body.replace('risk-engine', 'risk-enginf'))],
  ['a deleted event', (d) => d.prepare('DELETE FROM events WHERE position = 6').run()],
  ['two swapped events', (d) => {
    d.prepare('UPDATE events SET position = -1 WHERE position = 3').run();
    d.prepare('UPDATE events SET position = 3 WHERE position = 7').run();
    d.prepare('UPDATE events SET position = 7 WHERE position = -1').run();
  }],
  ['an event rewritten with its own hash', (d) => rewrite(d, 5, '"database"', '"server-log"')],
  ['a tail rewritten with its hashes', (d) => {
    rewrite(d, 14, 'risk-engine', 'ad-engine');
    for (let p = 15; p <= 20; p += 1) {
      const previous = rowAt(d, p - 1);
      const row = rowAt(d, p);
      d.prepare('UPDATE events SET hash = ? WHERE position = ?').run(linkHash(previous.hash, { ...row, recordedAt: row.recorded_at, position: p, body: JSON.parse(row.body) as RecordedEvent['body'], digest: '' }), p);
    }
  }],
  ['a truncated ledger', (d) => d.prepare('DELETE FROM events WHERE position > 12').run()],
];

describe('every tampering breaks the proofs against a checkpoint kept from before', () => {
  it.each(TAMPERS)('%s: pdl verify reports it, and after the read models are rebuilt to hide it, no consistency proof reaches the kept checkpoint', async (_, tamper) => {
    const dir = copyOf(tamper);
    const opened = await openLedger({ db: join(dir, 'ledger.db'), env: {} });
    try {
      const prover = await openProver(opened, { env: {} });
      const stored = await prover.checkpoints.all();
      expect((await verifyChain(opened.store, { checkpoints: stored })).ok).toBe(false);
      // The tamperer rebuilds the tree from the altered log and signs a new checkpoint over it.
      let bundle;
      try {
        await opened.projectionRunner!.rebuild(opened.store);
        bundle = await prover.consistency(kept.size, (await prover.checkpoint()).checkpoint.size);
      } catch (error) {
        // Nothing to prove from: the log has a hole the tree cannot take, or is shorter than what was signed.
        expect(String(error)).toMatch(/an event before it is missing|no node/);
        return;
      }
      const report = await verifyConsistencyBundle({ ...bundle, oldCheckpoint: kept.note, oldRoot: kept.root }, { verifierKey: kept.verifierKey });
      expect(report.ok).toBe(false);
      expect(report.problems.join()).toMatch(/is not shown to be a prefix/);
    } finally {
      await opened.close();
    }
  });
});

describe('a witness (C2SP tlog-cosignature)', () => {
  it('cosigns the first checkpoint it sees, then only a checkpoint shown consistent with it; refuses a rewritten history; verify-proof requires its cosignature', async () => {
    const dir = tempDir('witness');
    const ledger = join(dir, 'ledger.db');
    for (const file of FILES) copyFileSync(join(pristine, file), join(dir, file));
    const logKey = kept.verifierKey;
    const common = ['--key', join(dir, 'witness.key'), '--state', join(dir, 'witness.json'), '--log-key', logKey];
    // First sight: an inclusion bundle's checkpoint (size 20), trusted on first use.
    const first = await runPdl(['--db', ledger, 'prove', '--event', ids[0]!, '--out', join(dir, 'inclusion.json')]);
    expect(first.code).toBe(0);
    const cosigned = await runPdl(['witness', join(dir, 'inclusion.json'), ...common, '--new-key', 'witness.example.org/w1', '--out', join(dir, 'cosigned-20.txt')]);
    expect(cosigned.code).toBe(0);
    expect(cosigned.stderr).toContain('cosigned ledger.example.com/pdl at size 20 (first seen');
    expect(statSync(join(dir, 'witness.key')).mode & 0o777).toBe(0o600);
    const witnessKey = /witness key: (\S+)/.exec(cosigned.stderr)![1]!;
    const checked = await runPdl(['verify-proof', join(dir, 'inclusion.json'), '--key', logKey, '--witness', witnessKey, '--checkpoint', join(dir, 'cosigned-20.txt')]);
    expect(checked.stdout).toContain('ok: inclusion proven');
    expect(checked.code).toBe(0);
    const uncosigned = await runPdl(['verify-proof', join(dir, 'inclusion.json'), '--key', logKey, '--witness', witnessKey]);
    expect(uncosigned.code).toBe(1);
    expect(uncosigned.stdout).toContain('no cosignature by the witness witness.example.org/w1');

    // Another copy of the log, rewritten at position 2 and re-signed at size 20 by the same key: a split view the witness refuses.
    const forked = tamperedCopy(pristine, FILES, (d) => {
      rewrite(d, 2, 'risk-engine', 'ad-engine');
      for (let p = 3; p <= 20; p += 1) {
        const [previous, row] = [rowAt(d, p - 1), rowAt(d, p)];
        d.prepare('UPDATE events SET hash = ? WHERE position = ?').run(linkHash(previous.hash, { ...row, recordedAt: row.recorded_at, position: p, body: JSON.parse(row.body) as RecordedEvent['body'], digest: '' }), p);
      }
      d.prepare('DELETE FROM tlog_checkpoints').run(); // the forger's own, fresh signature at size 20
    });
    const opened = await openLedger({ db: join(forked, 'ledger.db'), env: {} });
    try {
      const prover = await openProver(opened, { env: {} });
      await opened.projectionRunner!.rebuild(opened.store);
      const fork = (await prover.checkpoint()).checkpoint;
      expect(fork.size).toBe(20);
      writeFileSync(join(dir, 'fork.json'), JSON.stringify({ checkpoint: fork.note, verifierKey: logKey, entries: [{ eventId: ids[0], position: 1, leafIndex: 0, leaf: 'e30=', inclusion: [] }] }));
    } finally {
      await opened.close();
    }
    const refused = await runPdl(['witness', join(dir, 'fork.json'), ...common]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('shows two different trees of size 20: a split view');
    // The ledger grows: the witness cosigns again, given the proof it only grew from 20.
    writeFileSync(join(dir, 'more.ndjson'), ndjson(events(20, 4)));
    expect((await runPdl(['--db', ledger, 'record', join(dir, 'more.ndjson')])).code).toBe(0);
    expect((await runPdl(['--db', ledger, 'prove', '--from-size', '20', '--out', join(dir, 'growth.json')])).code).toBe(0);
    const second = await runPdl(['witness', join(dir, 'growth.json'), ...common]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('at size 24, consistent with the last one seen');

  });
});
