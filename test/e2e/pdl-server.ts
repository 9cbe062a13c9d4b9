/** Starts the real `pdl serve` on a free port and talks to it over HTTP. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PDL, tempDir } from './run-pdl.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
}

export interface PdlServer {
  readonly url: string;
  readonly db: string;
  readonly adminKey: string;
  readonly child: ChildProcess;
  /** Everything the server wrote to standard output (its JSON log) so far. */
  stdout(): string;
  /** `headers`: more request headers (e.g. PDL-At-Least, README "Read your writes"). */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, key?: string | null, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  stop(): Promise<number | null>;
}

/**
 * `globalArgs` go before `serve` (e.g. `--read-models`), `args` after it. `adminKey: null` leaves
 * PDL_ADMIN_KEY unset: the server then uses (or creates) the admin key file beside the database.
 * The server runs as the quick start does, its signing key in the data folder (`--embedded-keys`),
 * unless `embeddedKeys: false`: then name the key in `globalArgs` or `env`.
 */
export async function startPdlServer(options: { db?: string; args?: string[]; globalArgs?: string[]; adminKey?: string | null; env?: NodeJS.ProcessEnv; graphiql?: boolean; embeddedKeys?: boolean } = {}): Promise<PdlServer> {
  const db = options.db ?? join(tempDir('server'), 'ledger.db');
  const adminKey = options.adminKey === null ? '' : options.adminKey ?? `test-admin-${Math.random().toString(36).slice(2)}`;
  const embedded = options.embeddedKeys === false ? [] : ['--embedded-keys'];
  const child = spawn(process.execPath, [PDL, '--db', db, ...embedded, ...(options.globalArgs ?? []), 'serve', '--port', '0', ...(options.graphiql ? [] : ['--no-graphiql']), ...(options.args ?? [])], {
    // Deletion orders off unless a test asks for them (env PDL_ORDERS_INTERVAL): issued in the background, they would move the head under other tests' feet.
    env: { ...process.env, PDL_ADMIN_KEY: adminKey, PDL_MASTER_KEY: '', PDL_STORE: '', PDL_READ_MODELS: '', PDL_SIGNING_KEY: '', PDL_SIGNING_KEY_FILE: '', PDL_ORDERS_INTERVAL: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"url":"(http:[^"]+)\/graphql"[^\n]*"msg":"listening"/.exec(buffered);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`pdl serve exited with ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`pdl serve did not start in 30 s: ${stderr}`)), 30_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url, db, adminKey, child,
    stdout: () => stdout,
    async gql(query, variables, key = adminKey, headers = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
