/**
 * Issue 24, "Proof that holds against the operator", through the built binary: the signing key
 * named apart from the data, every append signed soon after, an auditor's kept checkpoint that a
 * rewritten and re-signed history cannot get past, no "ok" without a pinned key, and a witness that
 * tells logs apart by their key.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { storedTree } from '../../projections/merkle-tree/merkle-tree.js';
import { openLedger } from '../../services/composition/open-ledger.js';
import { openProver } from '../../services/composition/open-prover.js';
import { parseSignerKey, signerFromSeed } from '../../services/proofs/note-signer.js';
import { rootOf } from '../../services/merkle/stored-tree-proofs.js';
import type { InclusionBundle } from '../../services/proofs/verifier/verify-proof.js';
import { anEvent, registration } from '../fixtures/events.js';
import { editBody, rewriteAndRechain, tamperedCopy } from '../fixtures/tamper.js';
import { startPdlServer } from './pdl-server.js';
import { ndjson, PDL, runPdl, tempDir } from './run-pdl.js';

const ORIGIN = 'ledger.example.com/pdl';
let dir: string;
let db: string;
/** Held by the operator, apart from the data. */
let keyFile: string;
let verifierKey: string;
const ids: string[] = [];

const events = (from: number, count: number) => Array.from({ length: count }, (_, k) => {
  const i = from + k;
  return i % 2 === 0 ? registration(`u-${i}`, `user${i}@example.cn`, `+86138000000${10 + i}`) : anEvent('DataUsed', { subject: { id: `u-${i - 1}` } });
});

async function record(batch: ReturnType<typeof events>, globals: string[] = ['--signing-key', keyFile]) {
  const file = join(dir, `events-${ids.length}.ndjson`);
  writeFileSync(file, ndjson(batch));
  const run = await runPdl(['--db', db, ...globals, 'record', file]);
  expect(run.stdout).toContain(`appended ${batch.length}`);
  ids.push(...batch.map((event) => event.id));
  return run;
}

const pdl = (...args: string[]) => runPdl(['--db', db, '--signing-key', keyFile, ...args]);

beforeAll(async () => {
  dir = tempDir('trust');
  db = join(dir, 'ledger.db');
  keyFile = join(tempDir('operator-keys'), 'ledger.signing.key');
  const unsigned = await record(events(0, 4), []);
  expect(unsigned.stderr).toContain('the 4 new events are unsigned until a signer runs (pdl checkpoint with the signing key)');
  const created = await pdl('checkpoint', '--origin', ORIGIN);
  expect(created.code).toBe(0);
  verifierKey = (await pdl('checkpoint', '--verifier-key')).stdout.trim();
});

describe('the signing key, named apart from the data', () => {
  it('a CLI record leaves a signed checkpoint covering what it wrote; the key is created where named, 0600, and not in the data folder', async () => {
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((name) => name.includes('signing'))).toEqual([]);
    const run = await record(events(4, 6));
    expect(run.stderr).toContain('signed the checkpoint of size 10, covering what was written');
    const list = await pdl('checkpoint', '--list');
    expect(list.stdout.trim().split('\n').map((line) => Number(line.split('\t')[0]))).toEqual([4, 10]);
  });

  it('serve refuses to start with no key named, or one inside the data folder, unless --embedded-keys; nothing is created', () => {
    const fresh = join(tempDir('serve-refused'), 'ledger.db');
    const serve = (...args: string[]) => spawnSync(process.execPath, [PDL, '--db', fresh, ...args, 'serve', '--port', '0', '--no-graphiql'], {
      encoding: 'utf8', timeout: 20_000, env: { ...process.env, PDL_SIGNING_KEY: '', PDL_SIGNING_KEY_FILE: '', PDL_MASTER_KEY: '', PDL_ADMIN_KEY: 'x' },
    });
    const unnamed = serve();
    expect(unnamed.status).toBe(2);
    expect(unnamed.stderr).toMatch(/the checkpoint signing key is not named apart from .*, the ledger's data folder: whoever can write that folder could rewrite an event, rebuild and re-sign/);
    expect(unnamed.stderr).toContain('PDL_SIGNING_KEY (the key itself), or --signing-key PATH');
    expect(unnamed.stderr).toContain('pass --embedded-keys');
    expect(existsSync(fresh)).toBe(false); // refused before anything was created
    const inside = serve('--signing-key', join(fresh, '..', 'keys', 'signing.key'));
    expect(inside.status).toBe(2);
    expect(inside.stderr).toMatch(/signing\.key is in .*, the ledger's data folder/);
  });

  it('serve named a key outside the data folder: starts, and signs with it', async () => {
    const server = await startPdlServer({ db: join(tempDir('serve-named'), 'ledger.db'), embeddedKeys: false, globalArgs: ['--signing-key', join(tempDir('serve-key'), 'k.key'), '--master-key', join(tempDir('serve-master-key'), 'master.key')] });
    try {
      const { data } = await server.gql<{ checkpoint: { verifierKey: string } }>('{ checkpoint { verifierKey } }');
      expect(data!.checkpoint.verifierKey).toMatch(/\/pdl\/ledger\/[0-9a-f]{8}\+[0-9a-f]{8}\+/);
    } finally {
      await server.stop();
    }
  });

  it('a second key is refused for a ledger that has checkpoints: neither created in the data folder nor given', async () => {
    const embedded = await runPdl(['--db', db, '--embedded-keys', 'checkpoint']);
    expect(embedded.code).toBe(2);
    expect(embedded.stderr).toContain(`this ledger's checkpoints are signed by ${verifierKey.split('+').slice(0, 2).join('+')}: a second key is not created`);
    expect(existsSync(join(dir, 'ledger.signing.key'))).toBe(false);
    const other = join(tempDir('other-key'), 'other.key');
    expect((await runPdl(['--db', join(tempDir('other'), 'ledger.db'), '--signing-key', other, 'checkpoint', '--origin', ORIGIN])).code).toBe(0);
    const given = await runPdl(['--db', db, 'checkpoint'], { env: { PDL_SIGNING_KEY: readFileSync(other, 'utf8') } });
    expect(given.code).toBe(2);
    expect(given.stderr).toContain('not by the key given');
  });

  it('two ledgers on one host get two origins by default', async () => {
    const [a, b] = await Promise.all(['a', 'b'].map((n) => runPdl(['--db', join(tempDir(`origin-${n}`), 'ledger.db'), '--embedded-keys', 'checkpoint', '--verifier-key'])));
    const names = [a!, b!].map((run) => run.stdout.trim().split('+')[0]!);
    for (const name of names) expect(name).toMatch(/\/pdl\/ledger\/[0-9a-f]{8}$/);
    expect(names[0]).not.toBe(names[1]);
  });
});

describe('the auditor\'s kept checkpoint', () => {
  let keptText: string;
  let keptJson: string;
  let growth: string;

  beforeAll(async () => {
    keptText = join(dir, 'kept.txt');
    keptJson = join(dir, 'kept.json');
    writeFileSync(keptText, (await pdl('checkpoint')).stdout);
    writeFileSync(keptJson, (await pdl('checkpoint', '--json')).stdout);
    await record(events(10, 5));
    growth = join(dir, 'growth.json');
    expect((await pdl('prove', '--from-size', '10', '--out', growth)).code).toBe(0);
  });

  it('an honest ledger: the consistency bundle extends the kept checkpoint, given as the note or as its JSON', async () => {
    for (const kept of [keptText, keptJson]) {
      const run = await runPdl(['verify-proof', growth, '--key', verifierKey, '--since', kept]);
      expect(run.stdout).toContain(`ok: consistency proven against the checkpoint of ${ORIGIN} at size 15, extending the checkpoint you kept (size 10)`);
      expect(run.code).toBe(0);
    }
  });

  it('rewritten, re-chained, checkpoints dropped, rebuilt and re-signed with the key from the data folder: refused against the kept checkpoint', async () => {
    const forged = tamperedCopy(dir, ['ledger.db', 'ledger.keys.db', 'ledger.master.key'], (d) => {
      rewriteAndRechain(d, 3, '"user-db"', '"archive-db"');
      d.prepare('DELETE FROM tlog_checkpoints').run();
    });
    // The insider holds the key (it sat beside the database) and uses it from there.
    copyFileSync(keyFile, join(forged, 'ledger.signing.key'));
    const forgedDb = join(forged, 'ledger.db');
    expect((await runPdl(['--db', forgedDb, 'rebuild'])).code).toBe(0);
    // …and signs the rewritten tree at the size the auditor kept, as `pdl checkpoint` would have then.
    const opened = await openLedger({ db: forgedDb, env: {} });
    try {
      const prover = await openProver(opened, { env: {} });
      const root = rootOf(storedTree(opened.readModelsDb).node, 10).toString('base64');
      await prover.checkpoints.add([{ size: 10, root, note: prover.signer.sign(`${ORIGIN}\n10\n${root}\n`), signedAt: new Date().toISOString() }]);
    } finally {
      await opened.close();
    }
    expect((await runPdl(['--db', forgedDb, 'checkpoint'])).code).toBe(0);
    const bundle = join(forged, 'growth.json');
    expect((await runPdl(['--db', forgedDb, 'prove', '--from-size', '10', '--out', bundle])).code).toBe(0);
    // Held to nothing but its own old checkpoint, the re-signed history is consistent: that is why the auditor keeps hers.
    expect((await runPdl(['verify-proof', bundle, '--key', verifierKey])).code).toBe(0);
    const refused = await runPdl(['verify-proof', bundle, '--key', verifierKey, '--since', keptText]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('NOT VERIFIED (consistency)');
    expect(refused.stdout).toContain('the bundle\'s tree of size 10 is not the one you kept');
  });

  it('an inclusion bundle past the kept checkpoint needs the consistency bundle linking them', async () => {
    const mine = join(dir, 'mine.json');
    expect((await pdl('prove', '--event', ids[2]!, '--event', ids[12]!, '--out', mine)).code).toBe(0);
    const unlinked = await runPdl(['verify-proof', mine, '--key', verifierKey, '--since', keptText]);
    expect(unlinked.code).toBe(1);
    expect(unlinked.stdout).toContain('no consistency bundle links them (pdl prove --from-size 10 --to-size 15)');
    const linked = await runPdl(['verify-proof', mine, '--key', verifierKey, '--since', keptText, '--consistency', growth]);
    expect(linked.stdout).toContain('extending the checkpoint you kept (size 10)');
    expect(linked.code).toBe(0);
    const wrongLink = join(dir, 'from-4.json');
    expect((await pdl('prove', '--from-size', '4', '--out', wrongLink)).code).toBe(0);
    const misjoined = await runPdl(['verify-proof', mine, '--key', verifierKey, '--since', keptText, '--consistency', wrongLink]);
    expect(misjoined.code).toBe(1);
    expect(misjoined.stdout).toContain('does not link the kept checkpoint and the bundle\'s');
  });
});

describe('the key holder\'s own signer', () => {
  it('never signs a tree that no longer holds its latest checkpoint: an event altered and the read models rebuilt, the next write is left unsigned and `checkpoint` is refused', async () => {
    const altered = tamperedCopy(dir, ['ledger.db', 'ledger.keys.db', 'ledger.master.key'], (d) => {
      expect(editBody(d, 3, (json) => json.replace('"user-db"', '"archive-db"'))).toBe(true);
    });
    const alteredDb = join(altered, 'ledger.db');
    expect((await runPdl(['--db', alteredDb, 'rebuild'])).code).toBe(0);
    const before = (await runPdl(['--db', alteredDb, '--signing-key', keyFile, 'checkpoint', '--list'])).stdout;
    const recorded = await runPdl(['--db', alteredDb, '--signing-key', keyFile, 'record', '-'], { input: ndjson([anEvent('DataUsed', { subject: { id: 'u-0' } })]) });
    expect(recorded.code).toBe(0);
    expect(recorded.stderr).toMatch(/the new event is unsigned until a signer runs .*nothing signed: the Merkle tree no longer holds the checkpoint of size \d+/);
    const signed = await runPdl(['--db', alteredDb, '--signing-key', keyFile, 'checkpoint']);
    expect(signed.code).toBe(2);
    expect(signed.stderr).toMatch(/nothing signed: the Merkle tree no longer holds the checkpoint of size \d+ .*the log, or its read models, changed after it was signed\. Run pdl verify\./);
    expect((await runPdl(['--db', alteredDb, '--signing-key', keyFile, 'checkpoint', '--list'])).stdout).toBe(before);
  });
});

describe('no pinned key, no "ok"', () => {
  it('a bundle re-signed by a key of its own is at most internally consistent: NOT VERIFIED without --key, refused with the published one', async () => {
    const honest = JSON.parse((await pdl('prove', '--event', ids[1]!)).stdout) as InclusionBundle;
    const forger = signerFromSeed(ORIGIN, Buffer.alloc(32, 7));
    const text = honest.checkpoint.slice(0, honest.checkpoint.lastIndexOf('\n\n') + 1);
    const file = join(dir, 'selfsigned.json');
    writeFileSync(file, JSON.stringify({ ...honest, checkpoint: forger.sign(text), verifierKey: forger.verifierKey }));
    const bare = await runPdl(['verify-proof', file]);
    expect(bare.code).toBe(1);
    expect(bare.stdout).toContain('NOT VERIFIED (inclusion)');
    expect(bare.stdout).toContain('no verifier key pinned');
    expect(bare.stdout).toContain('pin the verifier key the operator publishes (--key; on the ledger: pdl checkpoint --verifier-key)');
    const json = JSON.parse((await runPdl(['verify-proof', file, '--json'])).stdout) as { ok: boolean; internallyConsistent: boolean; keyFromBundle: boolean };
    expect(json).toMatchObject({ ok: false, internallyConsistent: true, keyFromBundle: true });
    expect((await runPdl(['verify-proof', file, '--key', verifierKey])).code).toBe(1);
  });
});

describe('a witness tells logs apart by key and origin', () => {
  it('refuses a checkpoint signed with the log\'s key under another origin, and that leaves the log\'s own state untouched', async () => {
    const honest = JSON.parse((await pdl('prove', '--event', ids[0]!)).stdout) as InclusionBundle;
    const [, size, root] = honest.checkpoint.split('\n');
    const signer = parseSignerKey(readFileSync(keyFile, 'utf8'), keyFile);
    const elsewhere = join(dir, 'elsewhere.json');
    writeFileSync(elsewhere, JSON.stringify({ ...honest, checkpoint: signer.sign(`other.example/pdl\n${size}\n${root}\n`) }));
    const common = ['--key', join(dir, 'w.key'), '--new-key', 'witness.example.org/w1', '--state', join(dir, 'w.json'), '--log-key', verifierKey];
    const refused = await runPdl(['witness', elsewhere, ...common]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`the checkpoint claims origin "other.example/pdl" but is signed by the key of "${ORIGIN}"`);
    const genuine = join(dir, 'genuine.json');
    writeFileSync(genuine, JSON.stringify(honest));
    const cosigned = await runPdl(['witness', genuine, ...common]);
    expect(cosigned.code).toBe(0);
    expect(cosigned.stderr).toContain(`cosigned ${ORIGIN} at size ${size} (first seen`);
  });
});
