/** Per request: who is asking (from the bearer key) and what they may do. */
import DataLoader from 'dataloader';
import { createGraphQLError } from 'graphql-yoga';
import { ForbiddenError, ReadModelsBehindError, ValidationError } from '../errors.js';
import type { ReadModelsClock } from '../projector/read-models-clock.js';
import { AT_LEAST_HEADER, readAtLeast, readModelsBehind } from './read-your-writes.js';
import type { RecordOptions, RecordResult } from '../ledger/ledger.js';
import type { OpenedEvent } from '../ledger/stored-event.js';
import type { BackupReach, BackupReachCounts } from '../ledger/keys/erasure-reach.js';
import type { MasterGeneration } from '../ledger/keys/key-store.js';
import type { EventStore, Head, RecordedEvent } from '../store/port.js';
import type { Decision } from '../../projections/compliance/authorize.js';
import type { ComplianceReportData, ReportWindow } from '../../projections/compliance/report.js';
import type { ProcessingDrift } from '../../projections/compliance/drift.js';
import type { IncidentClock } from '../../projections/compliance/time-rules.js';
import type { ReadModels } from '../../projections/queries.js';
import type { IngestStatus } from '../ingest/kafka-ingest.js';
import type { SignedCheckpoint } from '../records/checkpoint-store.js';
import type { Delivery } from '../records/delivery-store.js';
import type { DeletionTarget } from '../../schemas/events/deletion-orders.js';
import type { ChainWatch } from '../proofs/chain-monitor.js';
import type { Anchor, VerifyReport } from '../ledger/verify.js';
import type { SubjectExport } from '../export/subject-export.js';
import type { ConsistencyBundle, InclusionBundle } from '../proofs/verifier/verify-proof.js';
import type { ApiKeys, Principal } from './auth/api-keys.js';
import type { RateLimiter } from './auth/rate-limit.js';
import type { Ticket } from './in-flight.js';
import type { AuditWriter } from './audit/audit-writer.js';
import { AnswerAudit } from './audit/answer-audit.js';
import { may, rolesThatMay, type Permission } from './auth/roles.js';

export interface ApiServices {
  /** The log: events at positions (the timeline), the head. */
  readonly log: Pick<EventStore, 'head' | 'readPositions'>;
  /** The write path, as every entry path uses it. */
  record(inputs: readonly unknown[], options?: RecordOptions): Promise<RecordResult>;
  /** Recorded events with their values opened (null where erased): only for roles that may see values. */
  revealAll(recorded: readonly RecordedEvent[]): Promise<OpenedEvent[]>;
  /** Master-key generations, and how far erasures have reached the backups (README "Keys and backups"). */
  readonly keyStatus: {
    generations(): Promise<MasterGeneration[]>;
    counts(): Promise<BackupReachCounts>;
    /** One subject's erasure and its reach; null: never erased. */
    subject(subjectId: string): Promise<(BackupReach & { erasedAt: string }) | null>;
  };
  /** The blind index: who has this normalised identifier. */
  subjectsByIdentifier(kind: string, normalised: string): Promise<string[]>;
  readonly readModels: ReadModels;
  /** Where the read models stand as stored (whoever applied the events), and why they stopped following, if they did. */
  readModelsState(): { position: number | null; failure: Error | null };
  /** A bounded wait for the read models to reach a position (read-your-writes: the PDL-At-Least header, a write read back). */
  readonly readModelsClock: Pick<ReadModelsClock, 'reach'>;
  /** Judgements by the policy: the report, `authorize`, a request's deadline. */
  readonly compliance: {
    report(window: ReportWindow): Promise<ComplianceReportData>;
    authorize(question: unknown, now: Date): Promise<Decision>;
    deadline(receivedAt: string): string;
    drift(asOf: string): ProcessingDrift;
    /** An incident's reporting clock as of a moment: its deadline, and who was told when (null: nobody affected, or not opened by then). */
    incidentClock(incidentId: string, asOf: string): IncidentClock | null;
    head(): Promise<Head & { readModelsPosition: number }>;
  };
  readonly apiKeys: ApiKeys;
  /** Stores the DataViewed records of answers that carry decrypted values, before they leave. */
  readonly audit: AuditWriter;
  /** Bounds identifier look-ups per key (they answer "is this value someone's?"). */
  readonly lookups: RateLimiter;
  /** Checkpoints and proofs of the Merkle tree (README "Proofs"). */
  readonly proofs: {
    /** The latest signed checkpoint (one is signed if none exists yet), with the key to check it. */
    latest(): Promise<SignedCheckpoint & { verifierKey: string; origin: string }>;
    inclusionAt(positions: readonly number[]): Promise<InclusionBundle>;
    /** The same by event id (evidence lists name ids). */
    inclusionOf(eventIds: readonly string[]): Promise<InclusionBundle>;
    consistency(fromSize: number, toSize?: number): Promise<ConsistencyBundle>;
  };
  /** The chain (and every signed checkpoint) checked from the first event, one check at a time, yielding to other requests. */
  verify(anchor?: Anchor): Promise<VerifyReport & { checkpoints: number; forgedCheckpoints: number[] }>;
  /** The package a subject is owed, values opened; null for a subject never seen. */
  exportSubject(subjectId: string): Promise<SubjectExport | null>;
  /** The clock every resolver reads (tests set it). */
  readonly now: () => Date;
  /** Present when the server runs the Kafka consumer itself (`pdl serve --kafka`). */
  readonly ingest?: { status(): IngestStatus };
  /** The standing verdict on the chain and the checkpoints (`pdl serve` keeps one; proofs/chain-monitor.ts). */
  readonly chain?: Pick<ChainWatch, 'verdict'>;
  /** Present when the server delivers deletion orders (`pdl serve --deliveries`): where each delivery stands. */
  readonly deliveries?: {
    ofOrders(orderIds: readonly string[]): Promise<Delivery[]>;
    /** Whether any channel reaches the target; if none, its orders are manual tasks. */
    hasChannel(target: DeletionTarget): boolean;
  };
}

/** What the HTTP server found out before GraphQL saw the request. */
export interface ServerContext {
  readonly principal?: Principal;
  /** This request's share of what is in flight for its key (none in process). */
  readonly ticket?: Ticket;
}

export interface ApiContext extends ApiServices {
  readonly principal: Principal;
  /** This request's share of what is in flight (operation-limits.ts takes its pages' events from it). */
  readonly ticket?: Ticket;
  /** This answer's read audit: resolvers note the values they put into it. */
  readonly views: AnswerAudit;
  /**
   * One recorded event opened. The events a request opens in one tick share one look-up of their
   * keys (a page of 50 is one round trip to a key store on a server); nothing is kept past the
   * request, so an erasure elsewhere is seen by the next one.
   */
  reveal(recorded: RecordedEvent): Promise<OpenedEvent>;
  require(permission: Permission): void;
  may(permission: Permission): boolean;
}

export function unauthenticated(message: string): Error {
  return createGraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="pdl"' } } },
  });
}

/** The principal of an `Authorization: Bearer <key>` header, or why there is none. */
export async function authenticate(apiKeys: ApiKeys, header: string | null | undefined): Promise<{ principal: Principal } | { error: string }> {
  if (!header) return { error: 'missing Authorization: Bearer <key> (see the server start message for the admin key)' };
  // GraphiQL's pre-filled header, not yet replaced: say what to do rather than "unknown".
  if (/<paste your key>/.test(header)) return { error: 'paste your API key over <paste your key> in the Headers tab below, then run again (and re-fetch the schema: the circular arrow on the left)' };
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const principal = match ? await apiKeys.authenticate(match[1]!) : null;
  return principal ? { principal } : { error: 'unknown API key' };
}

export async function buildContext(services: ApiServices, request: Request, server: ServerContext = {}): Promise<ApiContext> {
  let principal = server.principal;
  if (!principal) {
    const found = await authenticate(services.apiKeys, request.headers.get('authorization'));
    if ('error' in found) throw unauthenticated(found.error);
    principal = found.principal;
  }
  // After the key, never before: only a caller the ledger knows may make it wait (and only within its share in flight).
  await readYourWrites(services, request);
  const role = principal.role;
  const opening = new DataLoader<RecordedEvent, OpenedEvent, number>((batch) => services.revealAll(batch), { cacheKeyFn: (recorded) => recorded.position });
  return {
    ...services,
    reveal: (recorded) => opening.load(recorded),
    principal,
    ...(server.ticket ? { ticket: server.ticket } : {}),
    views: new AnswerAudit(principal, services.audit, services.now),
    may: (permission) => may(role, permission),
    require(permission) {
      if (!may(role, permission)) throw new ForbiddenError(`role ${role} may not ${permission} (${rolesThatMay(permission)} may)`);
    },
  };
}

/** The request's PDL-At-Least honoured before anything is resolved: every field then sees at least that position. */
async function readYourWrites(services: ApiServices, request: Request): Promise<void> {
  try {
    await readAtLeast(services.readModelsClock, request.headers.get(AT_LEAST_HEADER));
  } catch (error) {
    if (error instanceof ReadModelsBehindError) throw readModelsBehind(error);
    if (error instanceof ValidationError) throw createGraphQLError(error.message, { extensions: { code: error.code, http: { status: 400 } } });
    throw error;
  }
}
