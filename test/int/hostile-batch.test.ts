/** The write path on a real SQLite file: whatever one input does, it is that input's rejection, never the batch's. */
import { afterEach, describe, expect, it } from 'vitest';
import { anEvent } from '../fixtures/events.js';
import { tempLedger } from '../fixtures/temp-ledger.js';

type Opened = Awaited<ReturnType<typeof tempLedger>>;
let opened: Opened | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

describe('one input never fails a batch', () => {
  it('an input that throws when read is rejected by itself, with no quote of its error; the rest is stored', async () => {
    opened = await tempLedger();
    const hostile = Object.defineProperty({ ...anEvent('DataUsed') }, 'data', { enumerable: true, get() { throw new Error('secret value in a message'); } });
    const result = await opened.ledger.record([anEvent('DataUsed'), hostile, anEvent('DataCollected')]);
    expect(result.appended).toBe(2);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]!.index).toBe(1);
    expect(JSON.stringify(result.rejected)).not.toContain('secret value');
  });

  it('lone surrogates anywhere — values, free text, keys — are refused by path, and the chain still verifies', async () => {
    opened = await tempLedger();
    const base = anEvent('DataCollected', { subject: { id: 'w-1' } });
    const inValue = { ...base, data: { ...base.data, values: { 'contact.email': 'a\udc00@example.cn' } } };
    const inKey = { ...anEvent('DataUsed'), data: { ...anEvent('DataUsed').data, ['x\ud800']: 1 } };
    const result = await opened.ledger.record([inValue, inKey, anEvent('DataUsed')]);
    expect(result.appended).toBe(1);
    expect(result.rejected.map((r) => r.errors[0]!.path)).toEqual(['data.values["contact.email"]', 'data']);
  });

  it('an e-mail in actor.id and a subject actor naming someone else are refused by path', async () => {
    opened = await tempLedger();
    const result = await opened.ledger.record([
      anEvent('DataUsed', { actor: { kind: 'employee', id: 'a@b.cn' } }),
      anEvent('DataUsed', { subject: { id: 'me' }, actor: { kind: 'subject', id: 'you' } }),
    ]);
    expect(result.rejected.map((r) => r.errors.map((e) => e.path))).toEqual([['actor.id'], ['actor.id']]);
  });
});
