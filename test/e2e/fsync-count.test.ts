/**
 * Durability's price, counted: a single-event append for a subject that already has a key costs
 * at most 2 fsyncs (the log's WAL commit, and now and then the key-store checkpoints) — it was
 * about 7 (three transactions over two files, the key store in a rollback journal). Counted with
 * strace around the real write path; skipped, saying why, where strace is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './run-pdl.js';

const strace = spawnSync('strace', ['-V']).status === 0;

function fsyncs(appends: number): number {
  const dir = tempDir('fsync');
  const out = join(dir, 'strace.txt');
  execFileSync('strace', ['-f', '-c', '-e', 'trace=fsync,fdatasync', '-o', out, process.execPath, 'test/fixtures/single-appends.mjs', dir, String(appends)]);
  const total = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?total$/m.exec(readFileSync(out, 'utf8'));
  return total ? Number(total[1]) : 0;
}

describe('fsyncs per single-event append', () => {
  it.skipIf(!strace)(`at most 2 for a subject with a key${strace ? '' : ' (skipped: strace is not installed here)'}`, () => {
    const base = fsyncs(0);
    const with400 = fsyncs(400);
    const perAppend = (with400 - base) / 400;
    expect(perAppend).toBeGreaterThan(0.5); // the count is real: every append reaches the disk
    expect(perAppend).toBeLessThanOrEqual(2);
  });
});
