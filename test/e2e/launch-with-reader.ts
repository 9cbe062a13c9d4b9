/** Starts the real `pdl` binary with its standard output piped to a separate reader process, as a supervisor would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { PDL } from './run-pdl.js';

/** `cat` reads and discards; `sleep` never reads, so the pipe fills and stays full. */
export type ReaderKind = 'cat' | 'sleep';

export interface Launched {
  readonly child: ChildProcess;
  readonly reader: ChildProcess;
  readonly exited: Promise<{ code: number | null; at: number }>;
  stderr(): string;
}

const running: ChildProcess[] = [];

/** SIGKILLs whatever a test left running (call from afterEach). */
export function killLaunched(): void {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export function launchWithReader(args: readonly string[], reader: ReaderKind, env: NodeJS.ProcessEnv = {}): Launched {
  const readerProcess = spawn(reader, reader === 'cat' ? [] : ['1000'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const child = spawn(process.execPath, [PDL, ...args], {
    env: { ...process.env, PDL_ADMIN_KEY: 'stop-test-admin', PDL_MASTER_KEY: '', PDL_STORE: '', PDL_READ_MODELS: '', PDL_DB: '', ...env },
    stdio: ['ignore', readerProcess.stdin!, 'pipe'],
  });
  running.push(child, readerProcess);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? -1 : null), at: Date.now() })));
  return { child, reader: readerProcess, exited, stderr: () => stderr };
}

/** Sends SIGTERM — and, with a `cat` reader, kills the reader at once, as a dying log shipper would — then waits for the exit. */
export async function terminate(launched: Launched, reader: ReaderKind): Promise<{ code: number | null; ms: number }> {
  const sent = Date.now();
  launched.child.kill('SIGTERM');
  if (reader === 'cat') launched.reader.kill('SIGKILL');
  const { code, at } = await launched.exited;
  return { code, ms: at - sent };
}
