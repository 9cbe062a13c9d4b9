/**
 * The HTTP server: GraphQL (and GraphiQL) on /graphql, health on /health, one JSON log line per
 * request, and a graceful stop.
 *
 * Authentication comes first: a request without a valid key gets 401 before its body is read or
 * its query parsed, so an unauthenticated caller learns nothing about the schema and cannot make
 * the server parse or validate anything. Bodies are bounded (`Content-Length` required for POST).
 * Log lines carry the key's id, never the key, and the path without its query string (GET
 * queries carry variables, which may be identifiers).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authenticate, type ApiServices } from './context.js';
import type { LedgerMetrics } from '../metrics/metrics.js';
import { createApi } from './yoga.js';

/** 10,000 events (the recordEvents cap) of a few hundred bytes each, with room to spare. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

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
}

export async function startServer(services: ApiServices, options: ServerOptions): Promise<RunningServer> {
  const yoga = createApi(services, { graphiql: options.graphiql, cors: options.cors, log: options.log, onError: (code) => options.metrics?.apiError(code) });
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  // GraphiQL's page is ~9 MB of bundled script (it works offline): rendered once, compressed once, off the request loop.
  let graphiql: Promise<CompressedPage> | null = null;
  const graphiqlPage = () => (graphiql ??= (async () => {
    const page = await yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    return compressPage(Buffer.from(await page.text()), 'text/html; charset=utf-8');
  })());
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const path = (request.url ?? '/').split('?', 1)[0]!.slice(0, 200);
    const started = process.hrtime.bigint();
    let keyId: string | null = null;
    response.setHeader('x-request-id', requestId);
    response.on('finish', () => {
      options.metrics?.request(response.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      options.log.info({
        requestId, method: request.method, path, status: response.statusCode, keyId,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      }, 'request');
    });
    if (path === '/health' || path === '/health/') {
      void health(services).then((body) => reply(response, body.status === 'ok' ? 200 : 503, body));
      return;
    }
    if (request.method === 'GET' && consolePage(path, response)) return;
    /** The caller's principal, or a 401 sent (the body left unread) and null. */
    const signedIn = () => {
      const found = authenticate(services.apiKeys, request.headers.authorization);
      if ('error' in found) {
        response.setHeader('WWW-Authenticate', 'Bearer realm="pdl"');
        reply(response, 401, { errors: [{ message: found.error, extensions: { code: 'UNAUTHENTICATED' } }] });
        request.resume();
        return null;
      }
      keyId = found.principal.keyId;
      return found.principal;
    };
    if (path === '/metrics' && options.metrics) {
      // Counts only, but still behind a key: what a ledger processes is nobody else's business.
      if (!signedIn()) return;
      const registry = options.metrics.registry;
      void registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(text);
      });
      return;
    }
    if (path !== '/graphql' && path !== '/graphql/') {
      reply(response, 404, { errors: [{ message: 'not found: the API is at /graphql, health at /health', extensions: { code: 'NOT_FOUND' } }] });
      return;
    }
    // The GraphiQL page itself and CORS preflights hold nothing: every operation needs a key.
    const isGraphiqlPage = request.method === 'GET' && options.graphiql && !request.url?.includes('?') && (request.headers.accept ?? '').includes('text/html');
    if (isGraphiqlPage) {
      void graphiqlPage().then((page) => sendCompressed(request, response, page), () => void yoga.requestListener(request, response));
      return;
    }
    if (request.method === 'OPTIONS') {
      void yoga.requestListener(request, response);
      return;
    }
    const principal = signedIn();
    if (!principal) return;
    if (request.method === 'POST') {
      const length = Number(request.headers['content-length'] ?? Number.NaN);
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
    void yoga.handle(request, response, { principal });
  });
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

async function health(services: ApiServices) {
  try {
    const head = await services.log.head();
    const state = services.readModelsState();
    const readModels = state.position ?? head.position;
    const failure = state.failure;
    return {
      status: failure ? 'degraded' : 'ok',
      store: { reachable: true, position: head.position, hash: head.hash },
      readModels: { position: readModels, behind: head.position - readModels, ...(failure ? { error: failure.message } : {}) },
      ...(services.ingest ? { ingest: services.ingest.status() } : {}),
    };
  } catch (error) {
    return { status: 'unavailable', store: { reachable: false, error: error instanceof Error ? error.message : String(error) } };
  }
}

/** Where the built console is: beside the compiled server (dist/), or in dist/ when the server runs from its sources. */
const CONSOLE_DIR = [join(dirname(fileURLToPath(import.meta.url)), '../../console'), join(dirname(fileURLToPath(import.meta.url)), '../../dist/console')]
  .find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
const CONSOLE_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8' };
// The console holds no data, only code: it may be fetched without a key; everything it shows comes from /graphql with one.
const CONSOLE_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Serves the DPO console's page and assets; false when the path is not the console's. */
function consolePage(path: string, response: ServerResponse): boolean {
  if (CONSOLE_DIR === null) return false;
  const file = path === '/' || path === '/index.html' ? 'index.html' : /^\/assets\/[A-Za-z0-9._-]+\.(js|css)$/.test(path) ? path.slice(1) : null;
  if (file === null || !existsSync(join(CONSOLE_DIR, file))) return false;
  const type = CONSOLE_TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
  response.writeHead(200, { 'content-type': type, 'cache-control': file === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable', ...CONSOLE_HEADERS });
  response.end(readFileSync(join(CONSOLE_DIR, file)));
  return true;
}

interface CompressedPage { readonly type: string; readonly raw: Buffer; readonly br: Buffer; readonly gzip: Buffer }

async function compressPage(raw: Buffer, type: string): Promise<CompressedPage> {
  const [br, gz] = await Promise.all([
    promisify(brotliCompress)(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
    promisify(gzip)(raw, { level: 9 }),
  ]);
  return { type, raw, br, gzip: gz };
}

/** The smallest encoding the browser accepts (9 MB → ~1.9 MB with brotli). */
function sendCompressed(request: IncomingMessage, response: ServerResponse, page: CompressedPage): void {
  const accepts = String(request.headers['accept-encoding'] ?? '');
  const [encoding, body] = /\bbr\b/.test(accepts) ? ['br', page.br] : /\bgzip\b/.test(accepts) ? ['gzip', page.gzip] : [null, page.raw];
  response.writeHead(200, { 'content-type': page.type, 'content-length': body.length, vary: 'accept-encoding', ...(encoding ? { 'content-encoding': encoding } : {}) });
  response.end(body);
}
