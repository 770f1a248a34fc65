/**
 * The data proxy emulation's rules, without a browser: route matching, Go-template rendering and where a
 * proxied request goes (Grafana's pkg/api/pluginproxy behaviour).
 */
import {
  RouteTemplateError,
  matchRoute,
  renderRouteTemplate,
  resolveProxyTarget,
  type PluginRoute,
  type ServerDataSource,
} from '../support/grafana-harness/data-proxy';

const data = {
  JsonData: {
    influxUrl: 'http://influx:8086',
    user: 'reader',
    nested: { port: 8086, on: true },
    empty: null,
  },
  SecureJsonData: { password: 'p@ss word', token: 't0k' },
};

describe('renderRouteTemplate', () => {
  it('renders JsonData and SecureJsonData fields, nested keys and whitespace trimming', () => {
    expect(renderRouteTemplate('{{ .JsonData.influxUrl }}/x', data)).toBe('http://influx:8086/x');
    expect(renderRouteTemplate('Token {{.SecureJsonData.token}}', data)).toBe('Token t0k');
    expect(renderRouteTemplate('{{ .JsonData.nested.port }}:{{ .JsonData.nested.on }}', data)).toBe(
      '8086:true',
    );
    expect(renderRouteTemplate('a  {{- .JsonData.user -}}  b', data)).toBe('areaderb');
    expect(renderRouteTemplate('no template', data)).toBe('no template');
  });

  it("prints Go's <no value> for a missing key, and orEmpty turns it into an empty string", () => {
    expect(renderRouteTemplate('{{ .SecureJsonData.missing }}', data)).toBe('<no value>');
    expect(renderRouteTemplate('{{ .JsonData.empty }}', data)).toBe('<no value>');
    expect(renderRouteTemplate('[{{ .JsonData.missing | orEmpty }}]', data)).toBe('[]');
  });

  it('refuses what it does not emulate instead of sending something wrong', () => {
    expect(() => renderRouteTemplate('{{ if .JsonData.user }}x{{ end }}', data)).toThrow(RouteTemplateError);
    expect(() => renderRouteTemplate('{{ .JsonData.user | printf "%s" }}', data)).toThrow(/unsupported/);
    expect(() => renderRouteTemplate('{{ .URL }}', data)).toThrow(/unsupported/);
    expect(() => renderRouteTemplate('{{ .JsonData.user', data)).toThrow(/could not parse/);
  });
});

const routes: PluginRoute[] = [
  { path: 'influx-none', url: '{{ .JsonData.influxUrl }}' },
  {
    path: 'influx-password',
    url: '{{ .JsonData.influxUrl }}/base/',
    urlParams: [
      { name: 'u', content: '{{ .JsonData.user }}' },
      { name: 'p', content: '{{ .SecureJsonData.password }}' },
    ],
  },
  { path: 'influx', method: 'POST', url: 'http://other:1' },
  {
    path: 'influx-token',
    url: '{{ .JsonData.influxUrl }}',
    headers: [{ name: 'Authorization', content: 'Token {{ .SecureJsonData.token }}' }],
  },
];

const ds: ServerDataSource = {
  uid: 'u1',
  type: 'p',
  name: 'n',
  jsonData: data.JsonData,
  secureJsonData: data.SecureJsonData,
};

describe('matchRoute', () => {
  it('takes the first route whose path prefixes the proxied path and whose method fits', () => {
    expect(matchRoute(routes, 'influx-none/query', 'GET')?.path).toBe('influx-none');
    expect(matchRoute(routes, '/influx-password/query', 'GET')?.path).toBe('influx-password');
    // A plain string prefix, as in Grafana: "influx" (POST only) prefixes "influx-token" too.
    expect(matchRoute(routes, 'influx-token/query', 'POST')?.path).toBe('influx');
    expect(matchRoute(routes, 'influx-token/query', 'GET')?.path).toBe('influx-token');
    expect(matchRoute(routes, 'other', 'GET')).toBeUndefined();
  });
});

describe('resolveProxyTarget', () => {
  it('appends the rest of the path to the route URL and adds the route parameters (Go-encoded, sorted)', () => {
    const t = resolveProxyTarget(ds, routes, 'GET', 'influx-password/query', '?q=SELECT+1&db=x');
    expect(t.route).toBe('influx-password');
    expect(t.url.toString()).toBe('http://influx:8086/base/query?db=x&p=p%40ss+word&q=SELECT+1&u=reader');
    expect(t.injectedParams).toEqual({ u: 'reader', p: 'p@ss word' });
    expect(t.injectedHeaders).toEqual({});
  });

  it('renders route headers', () => {
    const t = resolveProxyTarget(ds, routes, 'GET', 'influx-token/ping', '');
    expect(t.url.toString()).toBe('http://influx:8086/ping');
    expect(t.injectedHeaders).toEqual({ Authorization: 'Token t0k' });
  });

  it('uses the data source URL when no route matches, and says why when there is none', () => {
    expect(
      resolveProxyTarget(
        { ...ds, url: 'http://fallback:9/api' },
        routes,
        'GET',
        'x/y',
        '?a=1',
      ).url.toString(),
    ).toBe('http://fallback:9/api/x/y?a=1');
    expect(() => resolveProxyTarget(ds, routes, 'GET', 'x/y', '')).toThrow(
      /no route of plugin p matches "x\/y"/,
    );
  });

  it('rejects a route URL that does not render to a URL, and routes it cannot emulate', () => {
    const noUrl = { ...ds, jsonData: {} };
    expect(() => resolveProxyTarget(noUrl, routes, 'GET', 'influx-none/query', '')).toThrow(
      /url "<no value>" is not a valid URL/,
    );
    const token: PluginRoute[] = [{ path: 'api', url: 'http://x', tokenAuth: { url: 'http://idp' } }];
    expect(() => resolveProxyTarget(ds, token, 'GET', 'api/q', '')).toThrow(/tokenAuth is not emulated/);
  });
});
