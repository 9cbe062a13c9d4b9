/**
 * A supervisor's view of stopping: the long-running commands end within their stop deadline
 * whatever happens to the reader of their log — killed with them, or stalled and never draining.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLaunched, launchWithReader, terminate, type ReaderKind } from './launch-with-reader.js';
import { runPdl, tempDir } from './run-pdl.js';

afterEach(killLaunched);
const launch = launchWithReader;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function serve(reader: ReaderKind, extra: readonly string[] = []) {
  const db = join(tempDir('stop'), 'ledger.db');
  const launched = launch(['--db', db, '--embedded-keys', ...extra, 'serve', '--port', '0', '--no-graphiql'], reader);
  const url = await until('the server banner', () => /serving .* at (http:\/\/[^\s]+)\/graphql/.exec(launched.stderr())?.[1]);
  return { ...launched, db, url };
}

const health = async (url: string) => (await fetch(`${url}/health`)).status;

describe('stopping, whatever happens to the log reader', () => {
  it('serve: SIGTERM with the reader killed at once — exits 0 within the bound, and the ledger verifies', async () => {
    const server = await serve('cat');
    for (let i = 0; i < 20; i += 1) expect(await health(server.url)).toBe(200);
    const { code, ms } = await terminate(server, 'cat');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    const verified = await runPdl(['--db', server.db, 'verify']);
    expect(verified.code).toBe(0);
  });

  it('serve: a reader that never drains costs log lines, not answers; SIGTERM still ends it within the bound', async () => {
    const server = await serve('sleep');
    // Far more log than a pipe holds (64 KiB): with blocking writes the server would freeze here.
    const started = Date.now();
    for (let round = 0; round < 40; round += 1) {
      const statuses = await Promise.all(Array.from({ length: 50 }, () => health(server.url)));
      expect(statuses.every((status) => status === 200)).toBe(true);
    }
    expect(Date.now() - started).toBeLessThan(30_000);
    const { code, ms } = await terminate(server, 'sleep');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  });

  it('serve: a stop held up by an unfinished request ends at --stop-timeout, and a second SIGTERM ends it at once, non-zero', async () => {
    const slow = await serve('cat', ['--stop-timeout', '2000']);
    // A request whose body never comes: the graceful close waits for it.
    const hanging = connect(Number(new URL(slow.url).port), '127.0.0.1');
    hanging.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer stop-test-admin\r\nContent-Length: 1000\r\n\r\n{');
    await new Promise((resolve) => setTimeout(resolve, 200));
    let sent = Date.now();
    slow.child.kill('SIGTERM');
    let exit = await slow.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - sent).toBeGreaterThanOrEqual(1_900);
    expect(exit.at - sent).toBeLessThan(6_000);
    hanging.destroy();

    const twice = await serve('cat', ['--stop-timeout', '60000']);
    const held = connect(Number(new URL(twice.url).port), '127.0.0.1');
    held.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer stop-test-admin\r\nContent-Length: 1000\r\n\r\n{');
    await new Promise((resolve) => setTimeout(resolve, 200));
    twice.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    sent = Date.now();
    twice.child.kill('SIGTERM');
    exit = await twice.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.at - sent).toBeLessThan(2_000);
    expect(twice.stderr()).toMatch(/SIGTERM again: exiting now/);
    held.destroy();
  });

  it.each<ReaderKind>(['cat', 'sleep'])('project: SIGTERM with a %s reader — exits 0 within the bound', async (reader) => {
    const dir = tempDir('stop-project');
    const db = join(dir, 'ledger.db');
    expect((await runPdl(['--db', db, 'demo'])).code).toBe(0);
    const worker = launch(['--db', db, '--read-models', join(dir, 'read.db'), 'project', '--log-interval', '10'], reader);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const { code, ms } = await terminate(worker, reader);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  });
});
