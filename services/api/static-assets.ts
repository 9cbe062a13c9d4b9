/**
 * What the server sends that is not an API answer — the DPO console and GraphiQL — and the headers
 * every answer carries. Pages hold no data, only code: they are fetched without a key, and
 * everything they show comes from /graphql with one.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

/**
 * On every answer (API, health, errors): nothing may frame it or run from it. Pages replace the
 * Content-Security-Policy with their own, which says `frame-ancestors 'none'` too.
 */
export const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

export const CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** A file as sent: raw and compressed, with its entity tag; `page`: revalidated each time, `immutable`: named by its hash. */
export interface Asset {
  readonly type: string;
  readonly raw: Buffer;
  readonly br: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
  readonly caching: 'page' | 'immutable';
}

export async function compressed(raw: Buffer, type: string, caching: Asset['caching']): Promise<Asset> {
  const [br, gz] = await Promise.all([
    promisify(brotliCompress)(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
    promisify(gzip)(raw, { level: 9 }),
  ]);
  return { type, raw, br, gzip: gz, etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"`, caching };
}

/** True when the browser already holds this version (If-None-Match): a 304 costs nothing to send. */
export const alreadyHeld = (request: IncomingMessage, asset: Asset): boolean =>
  String(request.headers['if-none-match'] ?? '').split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag);

/** The smallest encoding the browser accepts (GraphiQL's script: 9 MB → ~1.9 MB with brotli), or 304. */
export function sendAsset(request: IncomingMessage, response: ServerResponse, asset: Asset, csp: string): void {
  const headers = {
    'content-type': asset.type, 'content-security-policy': csp, vary: 'accept-encoding', etag: asset.etag,
    'cache-control': asset.caching === 'immutable' ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (alreadyHeld(request, asset)) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  const accepts = String(request.headers['accept-encoding'] ?? '');
  const [encoding, body] = /\bbr\b/.test(accepts) ? ['br', asset.br] : /\bgzip\b/.test(accepts) ? ['gzip', asset.gzip] : [null, asset.raw];
  response.writeHead(200, { ...headers, 'content-length': body.length, ...(encoding ? { 'content-encoding': encoding } : {}) });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/** Where the built console is: beside the compiled server (dist/), or in dist/ when the server runs from its sources. */
const CONSOLE_DIR = [join(dirname(fileURLToPath(import.meta.url)), '../../console'), join(dirname(fileURLToPath(import.meta.url)), '../../dist/console')]
  .find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
const CONSOLE_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8' };

/** Serves the DPO console's page and assets; false when the path is not the console's. */
export function consolePage(path: string, response: ServerResponse): boolean {
  if (CONSOLE_DIR === null) return false;
  const file = path === '/' || path === '/index.html' ? 'index.html' : /^\/assets\/[A-Za-z0-9._-]+\.(js|css)$/.test(path) ? path.slice(1) : null;
  if (file === null || !existsSync(join(CONSOLE_DIR, file))) return false;
  const type = CONSOLE_TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
  response.writeHead(200, { 'content-type': type, 'cache-control': file === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable', 'content-security-policy': CONSOLE_CSP });
  response.end(readFileSync(join(CONSOLE_DIR, file)));
  return true;
}
