/**
 * A throw-away PostgreSQL cluster from the machine's own binaries (Debian's `postgresql` package,
 * which .ci/run installs when missing): `initdb` into a temporary folder, `pg_ctl` on a free
 * loopback port with its own socket folder, trust authentication on loopback only. `initdb`
 * refuses to run as root, so as root the cluster belongs to the `postgres` user.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface Cluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stops the server (`pg_ctl stop -m fast`: every session cut), keeping its data. */
  halt(): void;
  /** Starts it again on the same port, with the same data. */
  resume(): void;
  stop(): void;
}

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin folder, or why there is none. */
export function postgresBinaries(): { bin: string } | { missing: string } {
  const fromEnv = process.env.PDL_POSTGRES_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'initdb')) ? { bin: fromEnv } : { missing: `PDL_POSTGRES_BIN=${fromEnv} has no initdb` };
  const versions = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT).filter((v) => /^\d+$/.test(v) && existsSync(join(DEBIAN_ROOT, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) return { missing: `no PostgreSQL server binaries in ${DEBIAN_ROOT}/<version>/bin (apt-get install postgresql; .ci/run does)` };
  return { bin: join(DEBIAN_ROOT, versions[0]!, 'bin') };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a server binary as the cluster's owner: `postgres` when we are root, else ourselves. */
function asOwner(asRoot: boolean, command: string, args: readonly string[]): string {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, [...args]];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

export async function startCluster(bin: string): Promise<Cluster> {
  const asRoot = userInfo().uid === 0;
  const root = mkdtempSync(join(tmpdir(), 'pdl-postgres-'));
  const dataDir = join(root, 'data');
  const socketDir = root;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  const port = await freePort();
  // Throw-away data: no fsync (the tests kill clients, never this server's machine).
  const start = () => asOwner(asRoot, join(bin, 'pg_ctl'), [
    '-D', dataDir, '-l', join(root, 'server.log'), '-w', '-t', '60',
    '-o', `-k ${socketDir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`,
    'start',
  ]);
  try {
    asOwner(asRoot, join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr) : '';
    throw new Error(`could not start a test PostgreSQL cluster with ${bin}: ${error instanceof Error ? error.message : String(error)}${stderr ? `\n${stderr}` : ''}`);
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    halt: () => void asOwner(asRoot, join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']),
    resume: () => void start(),
    stop() {
      try {
        asOwner(asRoot, join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
