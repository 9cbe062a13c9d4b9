import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { makeTempDir } from '../fixtures/temp-dirs.js';

export const PDL = resolve('dist/services/cli/pdl.js');

export interface PdlRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `pdl` binary in a child process, as a user would. */
export function runPdl(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<PdlRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [PDL, ...args], {
      cwd: options.cwd,
      env: { ...process.env, PDL_MASTER_KEY: '', PDL_DB: '', PDL_STORE: '', PDL_READ_MODELS: '', PDL_SIGNING_KEY: '', PDL_SIGNING_KEY_FILE: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A temporary folder, removed after the test file (test/setup/clean-temp.ts). */
export const tempDir = (prefix: string): string => makeTempDir(prefix);
export const ndjson = (events: readonly unknown[]): string => `${events.map((event) => JSON.stringify(event)).join('\n')}\n`;
