/**
 * Where the writes go when the ledger's PostgreSQL has a standby: a connection string may name
 * several hosts (`postgres://user@db-a:5432,db-b:5432/ledger`, as libpq takes them), and the one
 * written to is the first that accepts connections and is not in recovery. When a connection is
 * lost — the primary killed, restarting, or a standby refusing a write after a switch — the hosts
 * are probed again (one probe at a time, for up to two minutes) and new connections go to the
 * writable one; the operation that saw the loss fails as unavailable and its caller retries
 * (appends are idempotent by event id). node-postgres takes one host per connection string, hence
 * this. With one host nothing changes: connections go there, as before.
 */
import pg from 'pg';
import { ValidationError } from '../../errors.js';

const PROBE_FOR_MS = 120_000;
const PROBE_PAUSE_MS = 500;

/** One connection string per host of a multi-host one (the same user, database and options for each). */
export function connectionStringsOf(connectionString: string): string[] {
  const match = /^(postgres(?:ql)?:\/\/)([^@/?]*@)?([^/?]*)(.*)$/i.exec(connectionString);
  if (!match) return [connectionString];
  const [, scheme, userinfo = '', hosts = '', rest = ''] = match;
  const list = hosts.split(',').map((host) => host.trim());
  if (list.length < 2) return [connectionString];
  if (list.some((host) => host === '')) throw new ValidationError('a PostgreSQL connection string names an empty host between commas');
  return list.map((host) => `${scheme}${userinfo}${host}${rest}`);
}

/** `host:port` of a connection string, for messages (never its credentials). */
export const hostOf = (connectionString: string): string => /^[a-z]+:\/\/(?:[^@/?]*@)?([^/?]*)/i.exec(connectionString)?.[1] ?? '(unknown host)';

async function isWritablePrimary(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1_500, application_name: 'pdl-probe' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    return rows[0]?.standby === false;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export class PrimaryTarget {
  private index = 0;
  private probing: Promise<void> | null = null;

  constructor(readonly connectionStrings: readonly string[], private readonly say: (message: string) => void) {}

  get connectionString(): string {
    return this.connectionStrings[this.index]!;
  }

  /** A connection was lost: find the writable host again (no-op with one host, or while a probe runs). */
  lost(): void {
    if (this.connectionStrings.length < 2 || this.probing) return;
    this.probing = this.probe().finally(() => {
      this.probing = null;
    });
  }

  /** Resolves once a running probe has settled (tests, and a caller that wants to wait before retrying). */
  async settled(): Promise<void> {
    await this.probing;
  }

  private async probe(): Promise<void> {
    const deadline = Date.now() + PROBE_FOR_MS;
    while (Date.now() < deadline) {
      for (const [index, connectionString] of this.connectionStrings.entries()) {
        if (!(await isWritablePrimary(connectionString))) continue;
        if (index !== this.index) {
          this.say(`PostgreSQL: writing to ${hostOf(connectionString)} now (${hostOf(this.connectionString)} is gone or no longer the primary)`);
          this.index = index;
        }
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, PROBE_PAUSE_MS));
    }
    this.say(`PostgreSQL: no writable host among ${this.connectionStrings.map(hostOf).join(', ')} for ${PROBE_FOR_MS / 1000} s; the next lost connection looks again`);
  }
}
