/**
 * The harness's HTTP server (node:http on 127.0.0.1, a free port): the page, the shared and runtime
 * bundles, SystemJS, @grafana/ui's icons under `/public/build/`, each plugin's `dist/` under
 * `/plugins/<id>/` (and `/public/plugins/<id>/`, where Grafana serves them and where webpack's publicPath
 * points), and Grafana's data source proxy `/api/datasources/proxy/uid/<uid>/…` (data-proxy.ts) forwarding
 * to the real upstream with credentials that only this server knows. Every forward is recorded.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { resolveProxyTarget, type PluginRoute, type ServerDataSource } from './data-proxy';
import { harnessHtml, runtimeBundle } from './page';
import type { ThemeMode } from './protocol';
import { REPO_ROOT, sharedBundlePath } from './shared-bundle';

export type { ServerDataSource };

/** A plugin the harness serves: its id (plugin.json `id`) and its built `dist/` directory. */
export interface HarnessPluginSpec {
  id: string;
  distDir: string;
}

/** One request the data proxy emulation forwarded. */
export interface ForwardRecord {
  uid: string;
  method: string;
  /** The proxied path (after `/api/datasources/proxy/uid/<uid>/`), with the browser's query string. */
  path: string;
  /** The matched route's `path`, or undefined when the data source URL was used. */
  route?: string;
  /** The upstream URL (with injected parameters, so with secrets: never shown to the page). */
  target: string;
  injectedParams: Record<string, string>;
  injectedHeaders: Record<string, string>;
  /** Upstream status, once it answered. */
  status?: number;
  /**
   * The status the browser got: the upstream's, except that an upstream 401 becomes Grafana's 400
   * "Authentication to data source failed"; 502 when the upstream could not be reached.
   */
  sentStatus?: number;
  /** Why the proxy failed (no route, bad template, upstream unreachable). */
  error?: string;
}

export interface HarnessServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Registers (or replaces) a data source; its `secureJsonData` stays here. */
  registerDataSource(ds: ServerDataSource): void;
  /** plugin.json of a served plugin. */
  pluginJson(id: string): Record<string, unknown>;
  readonly forwarded: ForwardRecord[];
  /** Requests answered 404 (except fonts, which Grafana's packages do not ship). */
  readonly notFound: string[];
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** Request headers Grafana's proxy drops or replaces before forwarding. */
const DROPPED_REQUEST_HEADERS = new Set([
  'cookie',
  'origin',
  'referer',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-grafana-org-id',
  'x-grafana-device-id',
  'x-ds-authorization',
  'sec-fetch-site',
  'sec-fetch-mode',
  'sec-fetch-dest',
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
]);

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Serves `rel` from `root` (never outside it); false when there is no such file. */
function serveFile(res: ServerResponse, root: string, rel: string, method: string): boolean {
  const base = resolve(root);
  const file = resolve(base, `.${sep}${decodeURIComponent(rel)}`);
  if (file !== base && !file.startsWith(base + sep)) return false;
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return false;
    size = st.size;
  } catch {
    return false;
  }
  res.writeHead(200, {
    'content-type': MIME[extname(file)] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-store',
  });
  if (method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}

/** Starts the server. */
export async function startHarnessServer(opts: { plugins: HarnessPluginSpec[] }): Promise<HarnessServer> {
  const plugins = new Map(opts.plugins.map((p) => [p.id, resolve(p.distDir)]));
  const dataSources = new Map<string, ServerDataSource>();
  const forwarded: ForwardRecord[] = [];
  const notFound: string[] = [];
  const [sharedPath, runtimeJs] = await Promise.all([sharedBundlePath(), runtimeBundle()]);
  const systemjsDir = join(REPO_ROOT, 'node_modules/systemjs/dist');
  const iconsDir = join(REPO_ROOT, 'node_modules/@grafana/ui/dist/public');
  const grafanaVersion = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/@grafana/runtime/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

  const pluginJson = (id: string): Record<string, unknown> => {
    const dir = plugins.get(id);
    if (dir === undefined) throw new Error(`grafana-harness: plugin ${id} is not served by this harness`);
    const file = join(dir, 'plugin.json');
    if (!existsSync(file)) throw new Error(`grafana-harness: ${file} is missing (is the plugin built?)`);
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  };

  const proxy = (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    proxyPath: string,
    search: string,
  ) => {
    const method = req.method ?? 'GET';
    const ds = dataSources.get(uid);
    if (ds === undefined) {
      sendJson(res, 404, { message: 'Data source not found' });
      return;
    }
    const record: ForwardRecord = {
      uid,
      method,
      path: proxyPath + search,
      target: '',
      injectedParams: {},
      injectedHeaders: {},
    };
    forwarded.push(record);
    let target;
    try {
      const routes = (pluginJson(ds.type)['routes'] ?? []) as PluginRoute[];
      target = resolveProxyTarget(ds, routes, method, proxyPath, search);
    } catch (e) {
      record.error = (e as Error).message;
      record.sentStatus = (e as { status?: number }).status ?? 500;
      sendJson(res, record.sentStatus, { message: record.error });
      req.resume();
      return;
    }
    if (target.route !== undefined) record.route = target.route;
    record.target = target.url.toString();
    record.injectedParams = target.injectedParams;

    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k) && !DROPPED_REQUEST_HEADERS.has(k)) headers[k] = v;
    }
    headers['user-agent'] = `Grafana/${grafanaVersion}`;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
    const injected: Record<string, string> = {};
    const dsAuth = req.headers['x-ds-authorization'];
    if (typeof dsAuth === 'string' && dsAuth !== '') injected['Authorization'] = dsAuth;
    Object.assign(injected, target.injectedHeaders);
    for (const [name, value] of Object.entries(injected)) {
      for (const k of Object.keys(headers)) if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
      headers[name] = value;
    }
    record.injectedHeaders = injected;

    const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstream = send(target.url, { method, headers }, (up) => {
      record.status = up.statusCode ?? 502;
      if (record.status === 401) {
        // Grafana turns an upstream 401 into a 400 (so the browser does not log its user out of Grafana)
        // with this text body and no headers (pkg/api/pluginproxy/ds_proxy.go, modifyResponse).
        up.resume();
        const msg = 'Authentication to data source failed';
        record.sentStatus = 400;
        res.writeHead(400, 'Bad Request', { 'content-length': Buffer.byteLength(msg) });
        res.end(msg);
        return;
      }
      const out: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(up.headers)) {
        if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'set-cookie' && k !== 'www-authenticate')
          out[k] = v;
      }
      record.sentStatus = record.status;
      res.writeHead(record.status, out);
      up.pipe(res);
    });
    upstream.on('error', (e) => {
      record.error = `upstream ${target.url.origin}: ${e.message}`;
      if (!res.headersSent) {
        record.sentStatus = 502;
        sendJson(res, 502, { message: 'Bad Gateway' });
      } else res.destroy(e);
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://harness.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    try {
      const proxied = /^\/api\/datasources\/proxy\/uid\/([^/]+)\/?(.*)$/.exec(path);
      if (proxied) {
        proxy(req, res, decodeURIComponent(proxied[1] as string), proxied[2] as string, url.search);
        return;
      }
      if (path === '/' || path === '/index.html') {
        const theme: ThemeMode = url.searchParams.get('theme') === 'light' ? 'light' : 'dark';
        const html = harnessHtml(theme, REPO_ROOT);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(html);
        return;
      }
      if (path === '/harness/shared.js' && serveFile(res, dirname(sharedPath), basename(sharedPath), method))
        return;
      if (path === '/harness/runtime.js') {
        res.writeHead(200, { 'content-type': MIME['.js'] as string, 'cache-control': 'no-store' });
        res.end(runtimeJs);
        return;
      }
      if (
        path.startsWith('/systemjs/') &&
        serveFile(res, systemjsDir, path.slice('/systemjs/'.length), method)
      )
        return;
      if (
        path.startsWith('/public/build/') &&
        serveFile(res, iconsDir, path.slice('/public/build/'.length), method)
      ) {
        return;
      }
      const plugin = /^\/(?:public\/)?plugins\/([^/]+)\/(.+)$/.exec(path);
      if (plugin) {
        const dir = plugins.get(decodeURIComponent(plugin[1] as string));
        if (dir !== undefined && serveFile(res, dir, plugin[2] as string, method)) return;
      }
      if (!path.startsWith('/public/fonts/') && path !== '/favicon.ico') notFound.push(`${method} ${path}`);
      if (path.startsWith('/api/')) sendJson(res, 404, { message: 'Not found' });
      else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, { message: (e as Error).message });
      else res.destroy(e as Error);
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    registerDataSource(ds) {
      dataSources.set(ds.uid, {
        ...ds,
        jsonData: { ...ds.jsonData },
        secureJsonData: { ...ds.secureJsonData },
      });
    },
    pluginJson,
    forwarded,
    notFound,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
