/**
 * What the API may do, as narrow capabilities — read the log, record through the write path,
 * open values, look an identifier up, judge compliance — assembled once from an opened ledger,
 * with the defaults every server uses. Resolvers never see the ledger's databases or keys.
 */
import type { Logger } from 'pino';
import { requestDeadline } from '../../projections/subject-requests/subject-requests.js';
import { ReadModels } from '../../projections/queries.js';
import { authorize } from '../../projections/compliance/authorize.js';
import { processingDrift } from '../../projections/compliance/drift.js';
import { incidentClocks } from '../../projections/compliance/time-rules.js';
import { buildComplianceReport, type ReportWindow } from '../../projections/compliance/report.js';
import { withReadModelsKnownAt } from '../projector/known-at.js';
import { reportOffLoop } from './report-off-loop.js';
import type { OpenedLedger } from '../composition/open-ledger.js';
import type { ApiKeys } from './auth/api-keys.js';
import { backupReach, countBackupReach } from '../ledger/keys/erasure-reach.js';
import { DEFAULT_LOOKUP_LIMIT, RateLimiter, type RateLimit } from './auth/rate-limit.js';
import { AuditWriter } from './audit/audit-writer.js';
import type { ApiServices } from './context.js';
import type { Prover } from '../proofs/prover.js';
import { buildSubjectExport, exportSourcesOf } from '../export/subject-export.js';
import type { Anchor, VerifiableLog } from '../ledger/verify.js';
import { verifyLedger } from '../proofs/stored-checkpoints.js';
import type { EventStore, StoredRow, StoredRows } from '../store/port.js';
import type { DeliveryStore } from '../records/delivery-store.js';
import type { DeliveryConfig } from '../orders/delivery-config.js';

/** Deliveries of at most this many orders are read at once (a page of deletionOrders is at most 500). */
const DELIVERY_PAGE = 500;

export function apiServices(
  opened: OpenedLedger,
  apiKeys: ApiKeys,
  options: {
    log: Pick<Logger, 'error'>; prover: Prover; lookupLimit?: RateLimit; ingest?: ApiServices['ingest']; chain?: ApiServices['chain']; now?: () => Date;
    deliveries?: { store: DeliveryStore; config: DeliveryConfig };
  },
): ApiServices {
  const { ledger, store, keys, readModelsDb } = opened;
  const prover = options.prover;
  const readModels = new ReadModels(readModelsDb);
  const now = options.now ?? (() => new Date());
  // One verification at a time: each reads the whole log; callers queue rather than multiply the work.
  const verifying = oneAtATime();
  // A report known at an earlier moment replays the log up to it: one replay at a time too.
  const replaying = oneAtATime();
  // As stored, not as this process last applied: another process writing the same file applies inline too.
  const applied = () => opened.projectionRunner?.storedPosition() ?? null;
  const head = async () => {
    const readModelsPosition = applied() ?? 0;
    return { ...(await store.head()), readModelsPosition };
  };
  return {
    log: { head: () => store.head(), readPositions: (positions) => store.readPositions(positions) },
    record: (inputs, recordOptions) => ledger.record(inputs, recordOptions),
    revealAll: async (recorded) => (await ledger.openAll(recorded)).map((opened) => opened.event),
    subjectsByIdentifier: (kind, normalised) => keys.findByIdentifier(kind, normalised),
    keyStatus: {
      generations: () => keys.generations(),
      counts: async () => countBackupReach(keys, await keys.generations()),
      subject: async (subjectId) => {
        const [erased] = await keys.erasedSubjects({ only: subjectId, limit: 1 });
        return erased ? { erasedAt: erased.erasedAt, ...backupReach(erased.erasedAt, await keys.generations()) } : null;
      },
    },
    readModels,
    readModelsState: () => ({ position: applied(), failure: opened.worker?.failure() ?? null }),
    readModelsClock: opened.readModelsClock,
    compliance: {
      report: async (window: ReportWindow) => {
        if (!window.knownAt) return reportOffLoop({ readModelsPath: opened.paths.readModelsFile, head: await head(), window }, readModelsDb);
        const { knownAt } = window;
        return replaying(() => reportKnownAt(store, { ...window, knownAt }));
      },
      authorize: (question, now) => authorize(readModelsDb, question, now, (id) => keys.isErased(id)),
      deadline: (receivedAt) => requestDeadline(readModelsDb, receivedAt).deadline,
      drift: (asOf) => processingDrift(readModelsDb, asOf),
      incidentClock: (incidentId, asOf) => incidentClocks(readModelsDb, asOf).find((clock) => clock.incidentId === incidentId) ?? null,
      head,
    },
    proofs: {
      latest: async () => ({ ...((await prover.checkpoints.latest()) ?? (await prover.checkpoint()).checkpoint), verifierKey: prover.verifierKey, origin: prover.signer.name }),
      inclusionAt: (positions) => prover.inclusionAt(positions, 'if-needed'),
      inclusionOf: (eventIds) => prover.inclusion(eventIds, 'if-needed'),
      consistency: (fromSize, toSize) => prover.consistency(fromSize, toSize),
    },
    verify: (anchor) => verifying(() => verifyOffLoop(store, prover, anchor)),
    exportSubject: (subjectId) => buildSubjectExport(exportSourcesOf(opened, prover, 'if-needed'), subjectId, now().toISOString()),
    apiKeys,
    audit: new AuditWriter(ledger, options.log),
    lookups: new RateLimiter(options.lookupLimit ?? DEFAULT_LOOKUP_LIMIT),
    now,
    ...(options.ingest ? { ingest: options.ingest } : {}),
    ...(options.chain ? { chain: options.chain } : {}),
    ...(options.deliveries ? { deliveries: deliveriesOf(options.deliveries) } : {}),
  };
}

function deliveriesOf({ store, config }: { store: DeliveryStore; config: DeliveryConfig }): NonNullable<ApiServices['deliveries']> {
  return {
    // Two channels at most per order: a page of orders is at most twice as many deliveries.
    ofOrders: (orderIds) => store.list({ orderIds: orderIds.slice(0, DELIVERY_PAGE), limit: 2 * DELIVERY_PAGE }),
    hasChannel: (target) => config.hasChannel(target),
  };
}

/** Runs jobs one after another, each after the last has settled: callers queue rather than multiply a heavy job. */
function oneAtATime() {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(job: () => Promise<T>): Promise<T> => {
    const run = last.then(job);
    last = run.catch(() => undefined);
    return run;
  };
}

const reportKnownAt = (store: EventStore, window: ReportWindow & { knownAt: string }) =>
  withReadModelsKnownAt(store, window.knownAt, ({ db, head }) => buildComplianceReport(db, { ...head, readModelsPosition: head.position }, window));

/**
 * `pdl verify` for the API: the same routine, over a log that hands the request loop back every
 * 1,000 events, so other callers are answered while a million events are hashed. Rows are read
 * as stored where the store can, so an altered row is reported by position, not thrown.
 */
async function verifyOffLoop(store: EventStore, prover: Prover, anchor: Anchor | undefined) {
  const rows: AsyncIterable<StoredRow> = isStoredRows(store) ? store.storedRows() : store.readAll();
  const yielding: VerifiableLog = {
    head: () => store.head(),
    async *storedRows() {
      let count = 0;
      for await (const row of rows) {
        yield row;
        if (++count % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
  const report = await verifyLedger(yielding, await prover.checkpoints.storedAfter(-1), () => prover.verifierKey, { anchor });
  return { ...report, forgedCheckpoints: report.forged.map((f) => f.size) };
}

const isStoredRows = (store: EventStore): store is EventStore & StoredRows => 'storedRows' in store && typeof store.storedRows === 'function';
