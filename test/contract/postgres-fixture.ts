/**
 * A fresh, empty ledger on the test server for each test: a schema of its own, named by the
 * connection string (`options=-c search_path=…`), dropped at the end of the file.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, inject, it } from 'vitest';
import { PostgresRecords } from '../../services/records/postgres-records.js';

export const postgresUrl = inject('postgresUrl');
/** A suffix for test names: why they are skipped, when they are, and how to make them run. */
export const skipReason = postgresUrl ? '' : ` — skipped: ${inject('postgresMissing')}; or point PDL_TEST_POSTGRES at a server`;

/**
 * A contract that cannot run on this machine, as one skipped test naming why: `npm test` starts a
 * throw-away PostgreSQL cluster from the machine's server binaries, and none could be had here.
 */
export function skippedWithoutServer(suite: string): void {
  describe(suite, () => it.skip(`needs a PostgreSQL server, which npm test starts from the machine's PostgreSQL binaries${skipReason}`, () => {}));
}

const made: string[] = [];

/** The server's connection string with `search_path` set to `schema`. */
export function inSchema(schema: string): string {
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** A new empty schema and the connection string that puts the ledger in it. */
export async function freshLedgerUrl(): Promise<{ url: string; schema: string }> {
  const schema = `pdl_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE SCHEMA ${schema}`));
  made.push(schema);
  return { url: inSchema(schema), schema };
}

/** A records place on a fresh schema: each store opened on a pool of its own (as another process would), every pool ended at dispose. */
export async function postgresRecordsPlace<S>(make: (records: PostgresRecords) => S) {
  const { url, schema } = await freshLedgerUrl();
  const pools: pg.Pool[] = [];
  return {
    schema,
    async open(): Promise<S> {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pools.push(pool);
      return make(new PostgresRecords(pool));
    },
    async dispose(): Promise<void> {
      for (const pool of pools.splice(0)) await pool.end();
    },
  };
}

/** One connection as the test server's superuser, for what tests do around the ledger. */
export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>, url = postgresUrl): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  if (made.length === 0) return;
  const schemas = made.splice(0);
  await withAdmin(async (client) => {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
});
