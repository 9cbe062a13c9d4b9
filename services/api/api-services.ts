/**
 * What the API may do, as narrow capabilities — read the log, record through the write path,
 * open values, look an identifier up, judge compliance — assembled once from an opened ledger,
 * with the defaults every server uses. Resolvers never see the ledger's databases or keys.
 */
import type { Logger } from 'pino';
import { requestDeadline } from '../../projections/compliance/time-rules.js';
import { ReadModels } from '../../projections/queries.js';
import { authorize } from '../../projections/compliance/authorize.js';
import { processingDrift } from '../../projections/compliance/drift.js';
import type { ReportWindow } from '../../projections/compliance/report.js';
import { reportOffLoop } from './report-off-loop.js';
import type { OpenedLedger } from '../composition/open-ledger.js';
import type { ApiKeys } from './auth/api-keys.js';
import { DEFAULT_LOOKUP_LIMIT, RateLimiter, type RateLimit } from './auth/rate-limit.js';
import { ViewRecorder, type ViewRecorderOptions } from './audit/view-recorder.js';
import type { ApiServices } from './context.js';
import type { Prover } from '../proofs/prover.js';
import { openProver } from '../composition/open-prover.js';

export function apiServices(
  opened: OpenedLedger,
  apiKeys: ApiKeys,
  options: { log: Pick<Logger, 'error'>; prover?: Prover; lookupLimit?: RateLimit; views?: ViewRecorderOptions; ingest?: ApiServices['ingest']; now?: () => Date },
): ApiServices {
  const prover = options.prover ?? openProver(opened);
  const { ledger, store, keys, readModelsDb } = opened;
  const head = async () => ({ ...(await store.head()), readModelsPosition: opened.readModels?.position ?? 0 });
  return {
    log: { head: () => store.head(), readPositions: (positions) => store.readPositions(positions) },
    record: (inputs, recordOptions) => ledger.record(inputs, recordOptions),
    reveal: (recorded) => ledger.open(recorded).event,
    subjectsByIdentifier: (kind, normalised) => keys.findByIdentifier(kind, normalised),
    readModels: new ReadModels(readModelsDb),
    readModelsState: () => ({ position: opened.readModels?.position ?? null, failure: opened.worker?.failure() ?? null }),
    compliance: {
      report: async (window: ReportWindow) => reportOffLoop({ readModelsPath: opened.paths.readModels, head: await head(), window }, readModelsDb),
      authorize: (question, now) => authorize(readModelsDb, question, now, (id) => keys.isErased(id)),
      deadline: (receivedAt) => requestDeadline(readModelsDb, receivedAt).deadline,
      drift: (asOf) => processingDrift(readModelsDb, asOf),
      head,
    },
    proofs: {
      latest: () => ({ ...(prover.checkpoints.latest() ?? prover.checkpoint().checkpoint), verifierKey: prover.verifierKey, origin: prover.signer.name }),
      inclusionAt: (positions) => prover.inclusionAt(positions, 'if-needed'),
      inclusionOf: (eventIds) => prover.inclusion(eventIds, 'if-needed'),
      consistency: (fromSize, toSize) => prover.consistency(fromSize, toSize),
    },
    apiKeys,
    views: new ViewRecorder(ledger, options.log, options.views),
    lookups: new RateLimiter(options.lookupLimit ?? DEFAULT_LOOKUP_LIMIT),
    now: options.now ?? (() => new Date()),
    ...(options.ingest ? { ingest: options.ingest } : {}),
  };
}
