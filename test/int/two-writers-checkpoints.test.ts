/**
 * Two writers on one ledger (real files, two connections): one appends an erasure and dies before
 * destroying the key; the other goes on appending — its own erasures included. The key-store
 * checkpoints move only over positions without a gap, so the dead writer's erasure is still
 * applied when the ledger next opens.
 */
import { join } from 'node:path';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, type OpenedLedger } from '../../services/composition/open-ledger.js';
import { anEvent, registration } from '../fixtures/events.js';

describe('checkpoints with two writers', () => {
  const opened: OpenedLedger[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((ledger) => ledger.close()));
  });

  it("applies an erasure its writer never applied, even after the other writer erased someone later", async () => {
    const db = join(makeTempDir('two-writers'), 'ledger.db');
    const a = await openLedger({ db, env: {} });
    opened.push(a);
    await a.ledger.record([registration('u-dead-writer', 'dead@example.cn', '+8613900003333'), registration('u-live', 'live@example.cn', '+8613900004444')]);
    const b = await openLedger({ db, env: {} });
    opened.push(b);

    // Writer B: the erasure is in the log, then B dies before the key-store step.
    const erasure = anEvent('SubjectErased', { subject: { id: 'u-dead-writer' } });
    await b.store.append('subject-u-dead-writer', [{ id: erasure.id, type: erasure.type, body: erasure as never }]);
    await opened.splice(1, 1)[0]!.close();

    // Writer A goes on, and erases another subject after B's erasure.
    const later = anEvent('SubjectErased', { subject: { id: 'u-live' } });
    expect((await a.ledger.record([later])).appended).toBe(1);
    expect(await a.keys.isErased('u-live')).toBe(true);
    expect(await a.keys.isErased('u-dead-writer')).toBe(false);
    await opened.splice(0, 1)[0]!.close();

    const reopened = await openLedger({ db, env: {} });
    opened.push(reopened);
    expect(await reopened.keys.isErased('u-dead-writer')).toBe(true);
    expect(await reopened.keys.findByIdentifier('email', 'dead@example.cn')).toEqual([]);
  });
});
