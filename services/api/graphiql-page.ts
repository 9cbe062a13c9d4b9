/**
 * GraphiQL, served by us from yoga's bundled build (it works offline): a small page, and its script,
 * style and icon as assets named by their hash — cached for good, compressed once, and under a
 * Content-Security-Policy with no inline script. yoga's renderGraphiQL inlines ~9 MB of script into
 * every page (no CSP could allow it but by its hash) and persists the Headers tab, where the API key
 * goes, in localStorage; here headers are kept only if the user turns that on in GraphiQL's settings.
 */
import { createHash } from 'node:crypto';
import { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } from '@graphql-yoga/render-graphiql/graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';
import { compressed, type Asset } from './static-assets.js';

const EXAMPLE = `# Every request needs the header  {"Authorization": "Bearer <key>"}  (Headers tab below).
query Example {
  ledgerHead { position hash }
  subjectAccess(identifier: { kind: "email", value: "li.wei@example.cn" }) {
    subjectId erased purposes
    categories { category status purposes legalBases storage { system region } retainedUntil value }
    recipients { name kind region abroad categories }
    transfers { toRegion mechanism securityMeasures risks consentId }
    consents { consentId status purposes }
  }
}
`;

const PLACEHOLDER = JSON.stringify({ Authorization: 'Bearer <paste your key>' }, null, 2);

/** GraphiQL's own props, passed through yoga's renderer (GraphiQLOptions has no field for this one). */
interface Props extends GraphiQLOptions {
  /** The "Persist headers" switch in GraphiQL's settings: off unless the user turns it on. */
  readonly showPersistHeadersSettings: boolean;
}

const OPTIONS: Props = {
  title: 'personal-data-ledger', defaultQuery: EXAMPLE, headers: PLACEHOLDER, defaultHeaders: PLACEHOLDER,
  // The key goes in the Headers tab: it stays in this page's memory unless the user chooses to keep it.
  shouldPersistHeaders: false,
  showPersistHeadersSettings: true,
};

/**
 * What the page's script may do: its own code and style, workers from the blobs it builds, calls to
 * this origin only; no frame may hold it, and no inline script runs.
 */
export const GRAPHIQL_CSP = [
  "default-src 'none'", "script-src 'self'", 'worker-src blob:', "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "font-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'",
].join('; ');

export interface GraphiqlFiles {
  readonly page: Asset;
  /** By path under the server's root: the script, style and icon, each named by its hash. */
  readonly assets: ReadonlyMap<string, Asset>;
}

/** Built once per process, off the request loop (compression of ~9 MB takes a moment). */
export async function graphiqlFiles(base = '/graphql'): Promise<GraphiqlFiles> {
  const script = `(function () {
  function prepareBlob(content) { return URL.createObjectURL(new Blob([content], { type: 'application/javascript' })); }
  var workers = {
    editorWorkerService: prepareBlob(${JSON.stringify(editorWorkerService)}),
    json: prepareBlob(${JSON.stringify(jsonWorker)}),
    graphql: prepareBlob(${JSON.stringify(graphqlWorker)}),
  };
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: function (moduleId, label) { return workers[label]; } };
})();
${js};
YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${JSON.stringify(OPTIONS)});
`;
  const icon = Buffer.from(favicon.slice(favicon.indexOf(',') + 1), 'base64');
  const named = (content: string | Buffer, extension: string) => `${base}/graphiql.${createHash('sha256').update(content).digest('hex').slice(0, 16)}.${extension}`;
  const [scriptPath, stylePath, iconPath] = [named(script, 'js'), named(css, 'css'), named(icon, 'ico')];
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${OPTIONS.title}</title>
    <link rel="icon" href="${iconPath}" />
    <link rel="stylesheet" href="${stylePath}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script src="${scriptPath}"></script>
  </body>
</html>
`;
  const [page, scriptAsset, styleAsset, iconAsset] = await Promise.all([
    compressed(Buffer.from(html), 'text/html; charset=utf-8', 'page'),
    compressed(Buffer.from(script), 'text/javascript; charset=utf-8', 'immutable'),
    compressed(Buffer.from(css), 'text/css; charset=utf-8', 'immutable'),
    compressed(icon, 'image/x-icon', 'immutable'),
  ]);
  return { page, assets: new Map([[scriptPath, scriptAsset], [stylePath, styleAsset], [iconPath, iconAsset]]) };
}
