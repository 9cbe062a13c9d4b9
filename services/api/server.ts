/**
 * The HTTP server: GraphQL (and GraphiQL) on /graphql, health on /health, one JSON log line per
 * request, and a graceful stop.
 *
 * Authentication comes first: a request without a valid key gets 401 before its body is read or
 * its query parsed, so an unauthenticated caller learns nothing about the schema and cannot make
 * the server parse or validate anything. Bodies are bounded (`Content-Length` required for POST),
 * and so is what is in flight, per key and for the process (in-flight.ts): beyond it a request is
 * refused before its body is read. Log lines carry the key's id, never the key, and the path
 * without its query string (GET queries carry variables, which may be identifiers).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { authenticate, type ApiServices } from './context.js';
import type { LedgerMetrics } from '../metrics/metrics.js';
import { createApi } from './yoga.js';
import { LedgerError, RateLimitedError } from '../errors.js';
import { RateLimiter, type RateLimit } from './auth/rate-limit.js';
import { GRAPHIQL_CSP, graphiqlFiles, type GraphiqlFiles } from './graphiql-page.js';
import { DEFAULT_IN_FLIGHT, InFlight, isRefusal, type InFlightLimits } from './in-flight.js';
import { consolePage, SECURITY_HEADERS, sendAsset } from './static-assets.js';

/** 10,000 events (the recordEvents cap) of a few hundred bytes each, with room to spare. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/**
 * GraphiQL's script without a key, per client address: ~1.9 MB compressed (9 MB raw) an answer, so
 * 10 at once, then 30 a minute. A browser fetches it once (it is immutable); reloads are 304s, free.
 */
export const GRAPHIQL_FETCHES: RateLimit = { burst: 10, perMinute: 30 };

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  readonly port: number;
  readonly host: string;
  readonly graphiql: boolean;
  readonly log: Logger;
  /** The browser origin allowed to call the API (CORS); none by default. */
  readonly cors?: string;
  readonly maxBodyBytes?: number;
  /** The figures served at /metrics (any valid key); none: no /metrics. */
  readonly metrics?: LedgerMetrics;
  /** Bounds on what is in flight per key and in all (DEFAULT_IN_FLIGHT). */
  readonly inFlight?: InFlightLimits;
}

export async function startServer(services: ApiServices, options: ServerOptions): Promise<RunningServer> {
  const apiError = (code: string) => options.metrics?.apiError(code);
  const yoga = createApi(services, { cors: options.cors, log: options.log, onError: apiError });
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const inFlight = new InFlight(options.inFlight ?? DEFAULT_IN_FLIGHT);
  const graphiqlFetches = new RateLimiter(GRAPHIQL_FETCHES);
  // Built on first use, off the request loop: other servers of this code (tests, replicas without it) never pay for it.
  let graphiql: Promise<GraphiqlFiles> | null = null;
  const graphiqlReady = () => (graphiql ??= graphiqlFiles());
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      // The API-key records could not be read (their server unreachable): nothing is answered on a guess.
      if (response.headersSent) return void response.destroy();
      reply(response, 503, { errors: [{ message: error instanceof LedgerError ? error.message : 'the API keys could not be read: try again', extensions: { code: 'UNAVAILABLE' } }] });
      request.resume();
    });
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const path = (request.url ?? '/').split('?', 1)[0]!.slice(0, 200);
    const started = process.hrtime.bigint();
    let keyId: string | null = null;
    response.setHeader('x-request-id', requestId);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    response.on('finish', () => {
      options.metrics?.request(response.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      options.log.info({
        requestId, method: request.method, path, status: response.statusCode, keyId,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      }, 'request');
    });
    /** The caller's principal, or a 401 sent (the body left unread) and null. */
    const signedIn = async () => {
      const found = await authenticate(services.apiKeys, request.headers.authorization);
      if ('error' in found) {
        response.setHeader('WWW-Authenticate', 'Bearer realm="pdl"');
        reply(response, 401, { errors: [{ message: found.error, extensions: { code: 'UNAUTHENTICATED' } }] });
        request.resume();
        return null;
      }
      keyId = found.principal.keyId;
      return found.principal;
    };
    const refuse = (status: number, message: string, retryAfterSeconds: number) => {
      apiError('RATE_LIMITED');
      response.setHeader('retry-after', String(retryAfterSeconds));
      reply(response, status, { errors: [{ message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds } }] });
      request.resume();
    };
    if (path === '/health' || path === '/health/') {
      // Up or not, for anyone (a load balancer has no key); the head, the lag, the chain's verdict and the consumer's state for a key.
      const full = request.headers.authorization !== undefined;
      if (full && !(await signedIn())) return;
      void health(services).then((body) => reply(response, body.status === 'ok' ? 200 : 503, full ? body : { status: body.status }));
      return;
    }
    const reading = request.method === 'GET' || request.method === 'HEAD';
    if (reading && consolePage(path, response)) return;
    if (path === '/metrics' && options.metrics) {
      // Counts only, but still behind a key: what a ledger processes is nobody else's business.
      if (!(await signedIn())) return;
      const registry = options.metrics.registry;
      void registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(text);
      });
      return;
    }
    if (reading && options.graphiql && path.startsWith('/graphql/graphiql.')) {
      void graphiqlReady().then((files) => {
        const asset = files.assets.get(path);
        if (!asset) return reply(response, 404, { errors: [{ message: 'no such GraphiQL file: reload /graphql', extensions: { code: 'NOT_FOUND' } }] });
        try {
          if (!request.headers['if-none-match']) graphiqlFetches.take(request.socket.remoteAddress ?? 'unknown', 'GraphiQL downloads from this address');
        } catch (error) {
          if (error instanceof RateLimitedError) return refuse(429, error.message, error.retryAfterSeconds);
          throw error;
        }
        sendAsset(request, response, asset, GRAPHIQL_CSP);
      });
      return;
    }
    if (path !== '/graphql' && path !== '/graphql/') {
      reply(response, 404, { errors: [{ message: 'not found: the API is at /graphql, health at /health', extensions: { code: 'NOT_FOUND' } }] });
      return;
    }
    // The GraphiQL page itself and CORS preflights hold nothing: every operation needs a key.
    if (reading && options.graphiql && !request.url?.includes('?') && (request.headers.accept ?? '').includes('text/html')) {
      void graphiqlReady().then((files) => sendAsset(request, response, files.page, GRAPHIQL_CSP));
      return;
    }
    if (request.method === 'OPTIONS') {
      void yoga.requestListener(request, response);
      return;
    }
    const principal = await signedIn();
    if (!principal) return;
    let length = 0;
    if (request.method === 'POST') {
      length = Number(request.headers['content-length'] ?? Number.NaN);
      if (!Number.isFinite(length)) {
        reply(response, 411, { errors: [{ message: 'a POST needs Content-Length', extensions: { code: 'LENGTH_REQUIRED' } }] });
        request.resume();
        return;
      }
      if (length > maxBody) {
        reply(response, 413, { errors: [{ message: `request body of ${length} bytes is over the limit of ${maxBody} bytes; send large batches through Kafka or pdl record`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
        request.resume();
        return;
      }
    }
    // Before the body is read: a refused body is never held.
    const ticket = inFlight.admit(principal.keyId, length);
    if (isRefusal(ticket)) {
      refuse(ticket.scope === 'key' ? 429 : 503, ticket.message, ticket.retryAfterSeconds);
      return;
    }
    response.once('close', () => ticket.release());
    void yoga.handle(request, response, { principal, ticket });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  return {
    server,
    url,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await services.audit.idle();
    },
  };
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/**
 * Up, degraded or unavailable, and why. Degraded: the read models stopped following, or the chain
 * or a checkpoint does not verify, or the monitor that says so stopped (its standing verdict:
 * nothing is hashed here; while its first verification runs, nothing is known wrong). The
 * read models' position is read first and as stored, the head after it: the lag is what the models
 * have not applied, never negative, whoever wrote the events.
 */
async function health(services: ApiServices) {
  try {
    const state = services.readModelsState();
    const head = await services.log.head();
    const readModels = state.position ?? head.position;
    const chain = services.chain?.verdict();
    const reasons = [
      ...(state.failure ? [`the read models stopped following the log: ${state.failure.message}`] : []),
      ...(chain?.state === 'broken' ? [`the chain does not verify at position ${chain.position} (${chain.kind}): ${chain.message}`] : []),
      ...(chain?.state === 'failed' ? [`the chain monitor stopped, nothing vouches for the chain: ${chain.message}`] : []),
    ];
    return {
      status: reasons.length > 0 ? 'degraded' : 'ok',
      ...(reasons.length > 0 ? { reasons } : {}),
      store: { reachable: true, position: head.position, hash: head.hash },
      readModels: { position: readModels, behind: Math.max(0, head.position - readModels), ...(state.failure ? { error: state.failure.message } : {}) },
      ...(chain ? { chain } : {}),
      ...(services.ingest ? { ingest: services.ingest.status() } : {}),
    };
  } catch (error) {
    return { status: 'unavailable', store: { reachable: false, error: error instanceof Error ? error.message : String(error) } };
  }
}
