/**
 * Verification over rows as stored, in process: the path the API's `verify` takes (the store's
 * undecoded rows), the unsigned-tail rule's edges, and the verifier's state file.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Chain } from '../../services/ledger/chain.js';
import { verifyChain } from '../../services/ledger/verify.js';
import { verifyLedger } from '../../services/proofs/stored-checkpoints.js';
import { SqliteEventStore } from '../../services/store/sqlite/sqlite-event-store.js';
import { VerifyState, defaultStatePath } from '../../services/composition/verify-state.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';

async function storeOf(count: number, now = () => new Date('2026-06-01T00:00:00Z')): Promise<SqliteEventStore> {
  const store = new SqliteEventStore({ path: ':memory:', chain: sha256Chain, now });
  for (let i = 1; i <= count; i += 1) {
    await store.append(`s-${i}`, [{ id: `e-${i}`, type: 'DataUsed', body: { id: `e-${i}`, type: 'DataUsed', n: i } }]);
  }
  return store;
}

describe('verification of stored rows', () => {
  it('the API path names an unparseable body by position instead of throwing', async () => {
    const store = await storeOf(5);
    store.db.prepare('UPDATE events SET body = ? WHERE position = 3').run('{"id" "e-3"}');
    const report = await verifyLedger(store, [], () => null);
    expect(report).toMatchObject({ ok: false, checked: 2, firstBreak: { position: 3, kind: 'malformed', found: 'its body is not valid JSON' } });
    expect(report.firstBreak?.message).not.toContain('e-3');
    await store.close();
  });

  it('unsigned tail: only events older than the cutoff and past the signed size count; none when covered', async () => {
    const store = await storeOf(4);
    const cutoff = new Date('2026-06-01T00:05:00Z');
    const rule = { cutoff, grace: '5 min' };
    expect(await verifyChain(store, { unsignedTail: rule })).toMatchObject({ ok: false, firstBreak: { kind: 'unsigned-tail', position: 1 } });
    expect((await verifyChain(store, { unsignedTail: { cutoff: new Date('2026-05-31T23:59:59Z'), grace: '5 min' } })).ok).toBe(true);
    await store.close();
  });
});

describe('the verifier state file', () => {
  it('lives under XDG_STATE_HOME, else ~/.local/state; keeps the largest checkpoint per key and origin, 0600', () => {
    expect(defaultStatePath({ XDG_STATE_HOME: '/x/state', HOME: '/home/a' })).toBe('/x/state/pdl/verify-state.json');
    expect(defaultStatePath({ HOME: '/home/a' })).toBe('/home/a/.local/state/pdl/verify-state.json');
    const path = join(makeTempDir('state'), 'deep', 'verify-state.json');
    const state = VerifyState.load(path);
    const entry = { origin: 'o', verifierKey: 'o+00000000+AA', size: 10, root: 'r', note: 'n', verifiedAt: '2026-06-01T00:00:00Z', ledger: '/l' };
    expect(state.remember(entry)).toBe(true);
    expect(state.remember({ ...entry, size: 9 })).toBe(false);
    expect(state.remember({ ...entry, size: 10, verifiedAt: '2026-07-01T00:00:00Z' })).toBe(false);
    expect(state.remember({ ...entry, origin: 'other', size: 3 })).toBe(true);
    state.save();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(VerifyState.load(path).recall(entry.verifierKey).map((e) => [e.origin, e.size, e.verifiedAt])).toEqual([['o', 10, entry.verifiedAt], ['other', 3, entry.verifiedAt]]);
  });
});
