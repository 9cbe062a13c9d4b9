import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Four projects, each with only the setup it needs:
 * - unit: pure logic and real files through the source — no build, no broker (`npm run test:unit`);
 * - e2e: the built `pdl` binary and HTTP server (builds `dist/` when stale);
 * - kafka: a real broker (started here unless KAFKA_BROKERS is set) and the binary;
 * - postgres: a real PostgreSQL server (a throw-away cluster unless PDL_TEST_POSTGRES is set) and the binary;
 * - faults: a three-node Kafka cluster each file starts for itself, nodes killed under the binary
 *   (~45 s; `npm run test:faults` alone; PDL_TEST_FAULTS=0 leaves it out).
 */
export default defineConfig({
  // One graphql for sources and dependencies: node loads graphql-yoga's `graphql` as CommonJS (graphql 16 has no
  // "exports"), vite would give sources its ESM build — two copies, and a schema of one is "from another realm"
  // to the other's TypeInfo (services/api/operation-cost.ts). Under `node` there is one copy already.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests that spawn the `pdl` binary or a broker share 2 cores: keep files from starving each other.
    maxWorkers: 2,
    setupFiles: ['test/setup/clean-temp.ts', 'test/setup/state-home.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/int/**/*.test.ts', 'test/contract/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/contract/postgres-*.test.ts'],
        },
      },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts', 'test/bench/**/*.test.ts'], globalSetup: ['test/setup/build.ts'] } },
      { extends: true, test: { name: 'kafka', include: ['test/kafka/**/*.test.ts'], globalSetup: ['test/setup/build.ts', 'test/setup/kafka.ts'] } },
      ...(process.env.PDL_TEST_FAULTS !== '0' ? [{ extends: true as const, test: { name: 'faults', include: ['test/faults/**/*.test.ts'], globalSetup: ['test/setup/build.ts'] } }] : []),
      { extends: true, test: { name: 'postgres', include: ['test/contract/postgres-*.test.ts', 'test/postgres/**/*.test.ts'], globalSetup: ['test/setup/build.ts', 'test/setup/postgres.ts'] } },
    ],
  },
});
