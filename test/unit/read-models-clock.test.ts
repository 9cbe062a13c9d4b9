/**
 * The read-models clock (services/projector/read-models-clock.ts): a read asking to see at least a
 * position waits for it — woken by this process's worker, or finding another process's progress
 * by looking — and, past its bound, fails with the typed error saying how far behind.
 */
import { describe, expect, it } from 'vitest';
import { ReadModelsBehindError, UnavailableError } from '../../services/errors.js';
import { readModelsClock } from '../../services/projector/read-models-clock.js';

/** A source whose stored position the test moves, with or without telling. */
function source(head = 10) {
  const listeners = new Set<() => void>();
  const state = { stored: 0, head, failure: null as Error | null };
  return {
    state,
    move(to: number, tell = true) {
      state.stored = to;
      if (tell) for (const listener of listeners) listener();
    },
    listening: () => listeners.size,
    clock: readModelsClock({
      stored: () => state.stored,
      head: async () => state.head,
      onMoved: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      failure: () => state.failure,
    }, 300),
  };
}

describe('the read-models clock', () => {
  it('answers at once when the read models already hold the position', async () => {
    const { clock, move } = source();
    move(7);
    expect(await clock.reach(7)).toBe(7);
    expect(await clock.reach(0)).toBe(7);
  });

  it('waits for the worker, woken by its page, and stops listening after', async () => {
    const { clock, move, listening } = source();
    const waited = clock.reach(5);
    await new Promise((resolve) => setImmediate(resolve));
    expect(listening()).toBe(1);
    move(6);
    expect(await waited).toBe(6);
    expect(listening()).toBe(0);
  });

  it('sees progress nobody announced (another process applying the same file) by looking', async () => {
    const { clock, move } = source();
    const started = Date.now();
    setTimeout(() => move(9, false), 30);
    expect(await clock.reach(9)).toBe(9);
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('past its bound, fails with READ_MODELS_BEHIND naming how far behind, within the bound', async () => {
    const { clock, move } = source(10);
    move(4);
    const started = Date.now();
    const error = await clock.reach(8).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(ReadModelsBehindError);
    expect(error).toMatchObject({ code: 'READ_MODELS_BEHIND', atLeast: 8, position: 4, behind: 4, head: 10 });
    expect((error as ReadModelsBehindError).message).toMatch(/4 behind the 8 asked for/);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(600);
    // A bound of the caller's own.
    const short = Date.now();
    await expect(clock.reach(8, 50)).rejects.toMatchObject({ code: 'READ_MODELS_BEHIND', waitedMs: expect.any(Number) });
    expect(Date.now() - short).toBeLessThan(300);
  });

  it('says when a position was never written', async () => {
    const { clock, move } = source(10);
    move(10);
    await expect(clock.reach(11, 40)).rejects.toThrow(/position 11 was never written \(the log ends at 10\)/);
  });

  it('does not wait on read models that stopped following', async () => {
    const { clock, state } = source();
    state.failure = new Error('a projection threw');
    const started = Date.now();
    const error = await clock.reach(3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/stopped following the log \(a projection threw\)/);
    expect(Date.now() - started).toBeLessThan(100);
  });
});
