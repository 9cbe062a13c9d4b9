/** What the API needs, with the defaults every server uses: one place to assemble it. */
import type { Logger } from 'pino';
import { ReadModels } from '../../projections/queries.js';
import type { OpenedLedger } from '../ledger/open-ledger.js';
import type { ApiKeys } from './auth/api-keys.js';
import { DEFAULT_LOOKUP_LIMIT, RateLimiter, type RateLimit } from './auth/rate-limit.js';
import { ViewRecorder, type ViewRecorderOptions } from './audit/view-recorder.js';
import type { ApiServices } from './context.js';

export function apiServices(
  opened: OpenedLedger,
  apiKeys: ApiKeys,
  options: { log: Pick<Logger, 'error'>; lookupLimit?: RateLimit; views?: ViewRecorderOptions; ingest?: ApiServices['ingest']; now?: () => Date },
): ApiServices {
  return {
    opened,
    readModels: new ReadModels(opened.readModelsDb),
    apiKeys,
    views: new ViewRecorder(opened.ledger, options.log, options.views),
    lookups: new RateLimiter(options.lookupLimit ?? DEFAULT_LOOKUP_LIMIT),
    now: options.now ?? (() => new Date()),
    ...(options.ingest ? { ingest: options.ingest } : {}),
  };
}
