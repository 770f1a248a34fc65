/**
 * An emulation of Grafana's data source proxy (`/api/datasources/proxy/uid/<uid>/<path>`, Grafana's
 * `pkg/api/pluginproxy`) for plugins whose `plugin.json` declares `routes`: the route whose `path` prefixes
 * the proxied path (first match, optional `method`), its `url`, `urlParams` and `headers` rendered from the
 * data source's `jsonData` and `secureJsonData` (Go template syntax `{{ .JsonData.x }}`,
 * `{{ .SecureJsonData.x }}`, with Grafana's `orEmpty`), the rest of the path appended to the route URL, the
 * browser's query string kept and the route's parameters added, cookies dropped, `X-DS-Authorization`
 * turned into `Authorization`, `Set-Cookie` removed from the answer.
 *
 * What it does not emulate (and refuses, rather than silently skipping): `tokenAuth`, `jwtTokenAuth` and
 * `body` on a route, basic auth / OAuth pass-through on the data source. Role checks (`reqRole`,
 * `reqAction`) are ignored: the harness's user is an admin.
 */

/** A `routes[]` entry of plugin.json. */
export interface PluginRoute {
  path: string;
  method?: string;
  url?: string;
  reqRole?: string;
  reqAction?: string;
  urlParams?: Array<{ name: string; content: string }>;
  headers?: Array<{ name: string; content: string }>;
  body?: unknown;
  tokenAuth?: unknown;
  jwtTokenAuth?: unknown;
}

/** A data source as the Grafana server holds it: `secureJsonData` never leaves the server. */
export interface ServerDataSource {
  uid: string;
  /** Plugin id. */
  type: string;
  name: string;
  /** The data source's own URL field (used only when no route matches). */
  url?: string;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

/** The values templates see. */
interface TemplateData {
  JsonData: Record<string, unknown>;
  SecureJsonData: Record<string, string>;
}

/** Thrown for a template the emulation cannot render (Grafana would log and send the request unchanged). */
export class RouteTemplateError extends Error {
  override name = 'RouteTemplateError';
}

/** Go's `fmt.Sprint` of a JSON value, as `text/template` prints it. */
function goPrint(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  return `map[${entries.map(([k, x]) => `${k}:${goPrint(x)}`).join(' ')}]`;
}

/**
 * Renders a route template the way Grafana's `interpolateString` does, for the subset plugins use:
 * `{{ .JsonData.a.b }}`, `{{ .SecureJsonData.k }}`, `{{ .JsonData.k | orEmpty }}`, `{{- … -}}`. A missing
 * key prints `<no value>` (Go's default), exactly as Grafana would send it.
 *
 * @throws RouteTemplateError for anything else (functions, conditionals, ranges…).
 */
export function renderRouteTemplate(text: string, data: TemplateData): string {
  let out = '';
  let rest = text;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) return out + rest;
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new RouteTemplateError(`could not parse template ${text}`);
    let before = rest.slice(0, open);
    let action = rest.slice(open + 2, close);
    let after = rest.slice(close + 2);
    if (action.startsWith('- ')) {
      before = before.trimEnd();
      action = action.slice(1);
    }
    if (action.endsWith(' -')) {
      after = after.trimStart();
      action = action.slice(0, -1);
    }
    const [expr, ...pipes] = action.split('|').map((s) => s.trim());
    const m = /^\.(JsonData|SecureJsonData)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/.exec(expr ?? '');
    if (m === null || pipes.some((p) => p !== 'orEmpty')) {
      throw new RouteTemplateError(
        `data proxy emulation: unsupported template action {{${action}}} in ${JSON.stringify(text)}`,
      );
    }
    let value: unknown = data[m[1] as keyof TemplateData];
    for (const key of (m[2] as string).slice(1).split('.')) {
      value =
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
    if (pipes.includes('orEmpty') && (value === undefined || value === null)) value = '';
    out += before + goPrint(value);
    rest = after;
  }
}

/** Grafana's `util.CleanRelativePath`-like normalisation: no leading slash, `.`/`..` resolved. */
function cleanRelative(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

/** The first route whose method allows `method` and whose path prefixes `proxyPath`. */
export function matchRoute(
  routes: readonly PluginRoute[],
  proxyPath: string,
  method: string,
): PluginRoute | undefined {
  const path = cleanRelative(proxyPath);
  return routes.find(
    (r) =>
      (r.method === undefined || r.method === '' || r.method === '*' || r.method === method) &&
      path.startsWith(cleanRelative(r.path)),
  );
}

/** Go's `util.JoinURLFragments`. */
function joinURLFragments(a: string, b: string): string {
  if (b === '') return a;
  const aslash = a.endsWith('/');
  const bslash = b.startsWith('/');
  if (aslash && bslash) return a + b.slice(1);
  if (!aslash && !bslash) return `${a}/${b}`;
  return a + b;
}

/** Go's `url.Values.Encode`: keys sorted, values in order, `application/x-www-form-urlencoded`. */
function goEncode(params: Array<[string, string]>): string {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of params) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  const esc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return [...byKey.keys()]
    .sort()
    .flatMap((k) => (byKey.get(k) ?? []).map((v) => `${esc(k)}=${esc(v)}`))
    .join('&');
}

/** Where a proxied request goes and what the proxy added to it. */
export interface ProxyTarget {
  /** The matched route's `path`, or undefined when the data source URL was used. */
  route: string | undefined;
  /** The upstream URL, with the injected parameters. */
  url: URL;
  /** Query parameters the route added (rendered, so secrets in clear). */
  injectedParams: Record<string, string>;
  /** Headers the route (or `X-DS-Authorization`) set (rendered, so secrets in clear). */
  injectedHeaders: Record<string, string>;
}

/**
 * Resolves a proxied request: `proxyPath` is what follows `/api/datasources/proxy/uid/<uid>/`, `search`
 * the browser's query string (with `?` or empty).
 *
 * @throws Error (with an HTTP status in `status`) when there is nowhere to send it or a route uses
 *   something the emulation does not support.
 */
export function resolveProxyTarget(
  ds: ServerDataSource,
  routes: readonly PluginRoute[],
  method: string,
  proxyPath: string,
  search: string,
): ProxyTarget {
  const route = matchRoute(routes, proxyPath, method);
  const data: TemplateData = { JsonData: ds.jsonData, SecureJsonData: ds.secureJsonData };
  const incoming = [...new URLSearchParams(search)];
  if (route === undefined) {
    if (ds.url === undefined || ds.url === '') {
      throw Object.assign(
        new Error(
          `data proxy: no route of plugin ${ds.type} matches ${JSON.stringify(proxyPath)} (${method}) ` +
            `and data source ${ds.uid} has no URL`,
        ),
        { status: 502 },
      );
    }
    const base = new URL(ds.url);
    base.pathname = joinURLFragments(base.pathname, cleanRelative(proxyPath));
    base.search = goEncode(incoming);
    return { route: undefined, url: base, injectedParams: {}, injectedHeaders: {} };
  }
  for (const unsupported of ['tokenAuth', 'jwtTokenAuth', 'body'] as const) {
    if (route[unsupported] !== undefined) {
      throw Object.assign(
        new Error(`data proxy emulation: route ${route.path}: ${unsupported} is not emulated`),
        { status: 501 },
      );
    }
  }
  const rendered = renderRouteTemplate(route.url ?? '', data);
  let routeUrl: URL;
  try {
    routeUrl = new URL(rendered);
  } catch {
    throw Object.assign(
      new Error(`data proxy: route ${route.path}: url ${JSON.stringify(rendered)} is not a valid URL`),
      { status: 502 },
    );
  }
  const rest = cleanRelative(proxyPath).slice(cleanRelative(route.path).length);
  const target = new URL(routeUrl.origin);
  target.pathname = joinURLFragments(routeUrl.pathname, rest);
  const injectedParams: Record<string, string> = {};
  for (const p of route.urlParams ?? []) {
    const name = renderRouteTemplate(p.name, data);
    const value = renderRouteTemplate(p.content, data);
    incoming.push([name, value]);
    injectedParams[name] = value;
  }
  target.search = goEncode(incoming);
  const injectedHeaders: Record<string, string> = {};
  for (const h of route.headers ?? []) injectedHeaders[h.name] = renderRouteTemplate(h.content, data);
  return { route: route.path, url: target, injectedParams, injectedHeaders };
}
