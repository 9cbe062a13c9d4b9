/**
 * A throw-away PostgreSQL cluster from the machine's own binaries (Debian's `postgresql` package,
 * which .ci/run installs when missing): `initdb` into a temporary folder, `pg_ctl` on a free
 * loopback port with its own socket folder, trust authentication on loopback only. `initdb`
 * refuses to run as root, so as root the cluster belongs to the `postgres` user.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

export interface ReplicatedPair {
  /** `postgres://postgres@127.0.0.1:<primary>,127.0.0.1:<standby>/postgres`: what a writer is given. */
  readonly url: string;
  readonly primaryUrl: string;
  readonly standbyUrl: string;
  /** SIGKILL to every process of the primary (its postmaster's process group): a lost machine, as far as clients can tell. */
  killPrimary(): void;
  /** `pg_ctl promote` on the standby: it takes writes from then on. */
  promoteStandby(): void;
  /** SIGSTOP to the standby's WAL receiver: the standby falls behind. */
  pauseStandbyReceiver(): void;
  /** SIGKILL to that receiver: what it had not read — WAL in flight when the primary died — never reaches the standby (a partition). */
  dropStandbyReceiver(): void;
  stop(): void;
}

/**
 * A primary and a streaming standby (pg_basebackup), each on its own free loopback port, the
 * standby named `pdl_standby` and — when `synchronous` — the primary's synchronous standby: a
 * commit returns only once the standby has it.
 */
export async function startReplicatedPair(bin: string, options: { synchronous: boolean }): Promise<ReplicatedPair> {
  const asRoot = userInfo().uid === 0;
  const root = mkdtempSync(join(tmpdir(), 'pdl-postgres-pair-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const primaryDir = join(root, 'primary');
  const standbyDir = join(root, 'standby');
  const ctl = (args: readonly string[]) => asOwner(asRoot, join(bin, 'pg_ctl'), args);
  const start = (dir: string, port: number, extra: string) => ctl(['-D', dir, '-l', join(root, `${port}.log`), '-w', '-t', '60',
    '-o', `-k ${root} -p ${port} -c listen_addresses=127.0.0.1 -c max_connections=100 ${extra}`, 'start']);
  const stopQuietly = (dir: string) => {
    try {
      ctl(['-D', dir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already down (the killed primary).
    }
  };
  try {
    asOwner(asRoot, join(bin, 'initdb'), ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    start(primaryDir, primaryPort, `-c wal_level=replica -c max_wal_senders=4 -c wal_keep_size=64MB${options.synchronous ? " -c synchronous_standby_names='pdl_standby'" : ''}`);
    asOwner(asRoot, join(bin, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir, '-X', 'stream', '-R', '--no-sync']);
    // The standby names itself, so that the primary's synchronous_standby_names picks it.
    asOwner(asRoot, 'sh', ['-c', `echo "primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=pdl_standby'" >> ${join(standbyDir, 'postgresql.auto.conf')}`]);
    start(standbyDir, standbyPort, '-c hot_standby=on');
    const state = options.synchronous ? 'sync' : 'async';
    const deadline = Date.now() + 30_000;
    const psql = (port: number, sql: string) => asOwner(asRoot, join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-Atc', sql]).trim();
    while (psql(primaryPort, "SELECT string_agg(sync_state, ',') FROM pg_stat_replication WHERE application_name = 'pdl_standby'") !== state) {
      if (Date.now() > deadline) throw new Error(`the standby did not become ${state} within 30 s`);
      execFileSync('sleep', ['0.2']);
    }
  } catch (error) {
    stopQuietly(standbyDir);
    stopQuietly(primaryDir);
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const at = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;
  let receiver = 0;
  const signalReceiver = (signal: string) => {
    if (signal === '-STOP') {
      receiver = Number(asOwner(asRoot, join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(standbyPort), '-U', 'postgres', '-Atc', 'SELECT pid FROM pg_stat_wal_receiver']).trim());
    }
    if (receiver > 0) execFileSync('kill', [signal, String(receiver)]);
  };
  return {
    url: `postgres://postgres@127.0.0.1:${primaryPort},127.0.0.1:${standbyPort}/postgres`,
    primaryUrl: at(primaryPort),
    standbyUrl: at(standbyPort),
    killPrimary() {
      const pid = Number(readFileSync(join(primaryDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        process.kill(pid, 'SIGKILL');
      }
      // Its backends and WAL sender, should any be outside the group.
      try {
        execFileSync('pkill', ['-KILL', '-P', String(pid)]);
      } catch {
        // None left.
      }
    },
    promoteStandby: () => void ctl(['-D', standbyDir, '-w', 'promote']),
    pauseStandbyReceiver: () => signalReceiver('-STOP'),
    dropStandbyReceiver: () => signalReceiver('-KILL'),
    stop() {
      stopQuietly(standbyDir);
      stopQuietly(primaryDir);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
