/** `npm run bench -- --quick` as a smoke test: it runs end to end and prints its table. Figures are not asserted. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('npm run bench -- --quick', () => {
  it('measures every contender side by side and writes its results (the peer is left out here: installing it compiles sqlite3)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--no-peers', '--reps', '1', '--dataset', '2000'], { encoding: 'utf8', timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
    for (const row of ['(a) raw better-sqlite3', "(f) pdl's floor, one core", '(b) pdl write path', '(b)/(a)', '(b)/(f)', "(b') pdl, read models by a worker", "(b'') split, `pdl project` beside on the other core", "the chain monitor's share, thread", "the chain monitor's share, in-process", 'subjectAccess p99', 'rebuild (every read model)', 'bytes per event on disk']) {
      expect(run.stdout).toContain(row);
    }
    expect(existsSync('bench/results.quick.json')).toBe(true);
    const results = JSON.parse(readFileSync('bench/results.quick.json', 'utf8')) as { mode: string; machine: { cores: number }; postgres: unknown };
    expect(results.mode).toBe('quick');
    expect(results.machine.cores).toBeGreaterThan(0);
    // The PostgreSQL rows ran (a server could be started here) or say why not.
    expect(typeof results.postgres === 'string' ? results.postgres : Object.keys(results.postgres as object)).toEqual(
      typeof results.postgres === 'string' ? expect.stringMatching(/^skipped: /) : expect.arrayContaining(['batch-1', 'batch-1000', 'three-writers-ledger']));
  }, 300_000);
});
