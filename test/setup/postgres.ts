/**
 * For the postgres project: a real PostgreSQL server — the one PDL_TEST_POSTGRES names, else a
 * throw-away cluster started here (postgres-cluster.ts) and stopped at the end. Without server
 * binaries the tests are skipped, and their names say why (`postgresMissing`).
 */
import type { TestProject } from 'vitest/node';
import { postgresBinaries, startCluster } from './postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server's connection string (superuser: tests create a schema each); '' when none could be had. */
    postgresUrl: string;
    /** Why there is no server, when there is none. */
    postgresMissing: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const named = process.env.PDL_TEST_POSTGRES;
  if (named) {
    project.provide('postgresUrl', named);
    project.provide('postgresMissing', '');
    return async () => undefined;
  }
  const binaries = postgresBinaries();
  if ('missing' in binaries) {
    process.stderr.write(`postgres: tests skipped: ${binaries.missing}\n`);
    project.provide('postgresUrl', '');
    project.provide('postgresMissing', binaries.missing);
    return async () => undefined;
  }
  const started = Date.now();
  const cluster = await startCluster(binaries.bin);
  process.stderr.write(`postgres: test cluster up at 127.0.0.1:${cluster.port} in ${((Date.now() - started) / 1000).toFixed(1)} s (${binaries.bin})\n`);
  project.provide('postgresUrl', cluster.url);
  project.provide('postgresMissing', '');
  return async () => cluster.stop();
}
