/**
 * infra/compose/compose.yaml cannot be started on our machines (no Docker engine); this checks
 * what can be checked without one: it parses, every image is pinned to the versions the tests
 * use, the cluster is three nodes seeding each other, and the pdl services reach all of them.
 */
import { connectionStringsOf } from '../../services/store/postgres/primary-target.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EVENTSTOREDB_IMAGE } from '../fixtures/images.js';

type Service = { image: string; command?: string[]; environment?: Record<string, string>; networks?: unknown; deploy?: { replicas?: number } };
const compose = parse(readFileSync('infra/compose/compose.yaml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const nodes = ['esdb-node1', 'esdb-node2', 'esdb-node3'];
const addressOf = (name: string) => (services[name]!.networks as { pdl: { ipv4_address: string } }).pdl.ipv4_address;

describe('infra/compose/compose.yaml', () => {
  it('pins every image to a version, the same ones the tests run', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toMatch(/^[^:]+:(?!latest$)[\w.-]+$/);
    }
    for (const node of nodes) expect(services[node]!.image).toBe(EVENTSTOREDB_IMAGE);
    const kafkaVersion = /<artifactId>kafka_2\.13<\/artifactId>\s*<version>([^<]+)<\/version>/.exec(readFileSync('infra/kafka/pom.xml', 'utf8'))![1];
    expect(services.kafka!.image).toBe(`apache/kafka:${kafkaVersion}`);
  });

  it('runs a three-node cluster in which each node seeds from the other two', () => {
    for (const node of nodes) {
      const env = services[node]!.environment!;
      expect(env.EVENTSTORE_CLUSTER_SIZE).toBe('3');
      const others = nodes.filter((other) => other !== node).map((other) => `${addressOf(other)}:2113`);
      expect(env.EVENTSTORE_GOSSIP_SEED!.split(',').sort()).toEqual(others.sort());
      expect(env.EVENTSTORE_REPLICATION_IP).toBe(addressOf(node));
    }
  });

  it('points every pdl service at all three nodes, with a shared key store and replicas for the API', () => {
    const pdl = Object.entries(services).filter(([, service]) => service.image === 'pdl:local');
    expect(pdl.map(([name]) => name).sort()).toEqual(['pdl-api', 'pdl-ingest']);
    for (const [, service] of pdl) {
      expect(service.environment!.PDL_STORE).toBe(`esdb://${nodes.map((node) => `${addressOf(node)}:2113`).join(',')}?tls=false`);
    }
    expect(services['pdl-ingest']!.command![0]).toBe('ingest');
    expect(services['pdl-api']!.command).toEqual(expect.arrayContaining(['--read-models', 'serve']));
    expect(services['pdl-api']!.deploy!.replicas).toBeGreaterThanOrEqual(2);
  });
});

describe('infra/postgres/compose.yaml', () => {
  const pgCompose = parse(readFileSync('infra/postgres/compose.yaml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const pgServices = pgCompose.services;

  it('pins every image, and runs a primary with a synchronous standby replicating from it', () => {
    for (const [name, service] of Object.entries(pgServices)) expect(service.image, name).toMatch(/^[^:]+:(?!latest$)[\w.-]+$/);
    const primary = pgServices['pg-primary']!.environment!;
    const standby = pgServices['pg-standby']!.environment!;
    expect(primary.POSTGRESQL_REPLICATION_MODE).toBe('master');
    expect(primary.POSTGRESQL_SYNCHRONOUS_COMMIT_MODE).toBe('on');
    expect(Number(primary.POSTGRESQL_NUM_SYNCHRONOUS_REPLICAS)).toBeGreaterThanOrEqual(1);
    expect(standby.POSTGRESQL_REPLICATION_MODE).toBe('slave');
    expect(standby.POSTGRESQL_MASTER_HOST).toBe('pg-primary');
    expect(standby.POSTGRESQL_REPLICATION_USER).toBe(primary.POSTGRESQL_REPLICATION_USER);
  });

  it('points every pdl service at the primary, then its standby (the one not in recovery is written to), with every secret from the environment and API replicas keeping their own read models', () => {
    const pdl = Object.entries(pgServices).filter(([, service]) => service.image === 'pdl:local');
    expect(pdl.map(([name]) => name).sort()).toEqual(['pdl-api-1', 'pdl-api-2', 'pdl-ingest']);
    for (const [, service] of pdl) {
      const env = service.environment!;
      expect(connectionStringsOf(env.PDL_STORE!.replace(/\$\{[^}]+\}/g, 'x')).map((url) => new URL(url).host)).toEqual(['pg-primary:5432', 'pg-standby:5432']);
      for (const secret of ['PDL_MASTER_KEY', 'PDL_ADMIN_KEY', 'PDL_SIGNING_KEY']) expect(env[secret], secret).toMatch(/^\$\{/);
    }
    expect(pgServices['pdl-api-1']!.command).toEqual(expect.arrayContaining(['--read-models', 'serve']));
    expect(pgServices['pdl-api-2']!.command).toEqual(expect.arrayContaining(['--read-models', 'serve']));
  });
});
