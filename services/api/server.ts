/**
 * The HTTP server: GraphQL (and GraphiQL) on /graphql, health on /health, one JSON log line
 * per request with its id, and a graceful stop on SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ApiServices } from './context.js';
import { createApi } from './yoga.js';

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  stop(): Promise<void>;
}

export async function startServer(services: ApiServices, options: { port: number; host: string; graphiql: boolean; log: Logger }): Promise<RunningServer> {
  const yoga = createApi(services, { graphiql: options.graphiql });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const requestId = (request.headers['x-request-id'] as string | undefined) ?? randomUUID();
    const started = process.hrtime.bigint();
    response.setHeader('x-request-id', requestId);
    response.on('finish', () => {
      options.log.info({
        requestId, method: request.method, path: request.url, status: response.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      }, 'request');
    });
    if (request.url === '/health' || request.url === '/health/') {
      void health(services).then((body) => {
        response.writeHead(body.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
      return;
    }
    void yoga.requestListener(request, response);
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
    },
  };
}

async function health(services: ApiServices) {
  try {
    const head = await services.opened.store.head();
    const readModels = services.opened.readModels?.position ?? head.position;
    const failure = services.opened.worker?.failure() ?? null;
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
