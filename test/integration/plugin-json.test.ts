/**
 * Every Grafana plugin's `src/plugin.json` and built `dist/plugin.json` checked against rules taken from
 * Grafana's plugin.json schema (docs/sources/developers/plugins/plugin.schema.json in grafana/grafana:
 * required keys, no unknown keys, id pattern, version/updated patterns, logos, routes) plus what Grafana
 * needs at run time and the schema cannot say: logo files that exist, placeholders replaced in dist/, an
 * AMD module.js. Plugins are found, not listed: a new plugin folder is checked without touching this file.
 *
 * dist/ comes from `npm run build:plugins` (which `npm test` runs first).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { loadProvisioning } from '../support/alert-rules';

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD = path.join(ROOT, 'tools', 'plugin-build', 'build.mjs');

/** The minimum Grafana every Meterline plugin declares (DataSourcePicker filters, Combobox, routes). */
const GRAFANA_DEPENDENCY = '>=12.3.0';

// From the schema: plugin ids, top-level keys, info keys, route keys.
const ID_PATTERN = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/;
const TOP_LEVEL_KEYS = new Set([
  '$schema',
  'id',
  'type',
  'name',
  'info',
  'dependencies',
  'alerting',
  'annotations',
  'autoEnabled',
  'backend',
  'builtIn',
  'category',
  'enterpriseFeatures',
  'executable',
  'hideFromList',
  'includes',
  'logs',
  'metrics',
  'pascalName',
  'preload',
  'queryOptions',
  'routes',
  'skipDataQuery',
  'state',
  'streaming',
  'tracing',
]);
const BOOLEAN_KEYS = [
  'alerting',
  'annotations',
  'autoEnabled',
  'backend',
  'builtIn',
  'hideFromList',
  'logs',
  'metrics',
  'preload',
  'skipDataQuery',
  'streaming',
  'tracing',
];
const INFO_KEYS = new Set([
  'author',
  'build',
  'description',
  'keywords',
  'links',
  'logos',
  'screenshots',
  'updated',
  'version',
]);
const ROUTE_KEYS = new Set([
  'path',
  'method',
  'url',
  'reqSignedIn',
  'reqRole',
  'headers',
  'body',
  'tokenAuth',
  'jwtTokenAuth',
  'urlParams',
]);
const CATEGORIES = ['tsdb', 'logging', 'cloud', 'tracing', 'profiling', 'sql', 'enterprise', 'iot', 'other'];
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const GRAFANA_DEPENDENCY_PATTERN =
  /^(<=|>=|<|>|=|~|\^)?([0-9]+)(\.[0-9x*]+)(\.[0-9x*]+)?(\s(<=|>=|<|=>)?([0-9]+)(\.[0-9x]+)(\.[0-9x]+))?$/;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** A real calendar date in YYYY-MM-DD (2026-02-30 is not). */
function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  return new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text;
}

function isHttpUrl(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `[{ name, content }]`, as route headers and URL parameters are written. */
function checkNameContent(list: unknown, where: string, issues: string[]): void {
  if (!Array.isArray(list)) {
    issues.push(`${where} must be an array`);
    return;
  }
  list.forEach((item, i) => {
    if (!isObject(item) || !isNonEmptyString(item.name) || typeof item.content !== 'string') {
      issues.push(`${where}[${i}] must be { name, content }`);
    } else {
      for (const key of Object.keys(item)) {
        if (key !== 'name' && key !== 'content') issues.push(`${where}[${i}] has unknown key "${key}"`);
      }
    }
  });
}

/**
 * Every rule `json` breaks, as readable messages (empty = valid). `baseDir` is the folder the plugin.json is
 * in (logo paths are relative to it); `built` says whether it is the dist/ copy, whose placeholders must be
 * replaced.
 */
export function pluginJsonIssues(
  json: unknown,
  { baseDir, built }: { baseDir: string; built: boolean },
): string[] {
  const issues: string[] = [];
  if (!isObject(json)) return ['plugin.json must be a JSON object'];

  for (const key of ['type', 'name', 'id', 'info', 'dependencies']) {
    if (!(key in json)) issues.push(`"${key}" is required`);
  }
  for (const key of Object.keys(json)) {
    if (!TOP_LEVEL_KEYS.has(key)) issues.push(`unknown top-level key "${key}"`);
  }
  if (!['app', 'datasource', 'panel'].includes(json.type as string)) {
    issues.push(`"type" must be app, datasource or panel, got ${JSON.stringify(json.type)}`);
  }
  if (typeof json.id !== 'string' || !ID_PATTERN.test(json.id)) {
    issues.push(`"id" ${JSON.stringify(json.id)} does not match ${ID_PATTERN}`);
  } else if (typeof json.type === 'string' && !json.id.endsWith(`-${json.type}`)) {
    issues.push(`"id" ${json.id} must end with "-${json.type}"`);
  }
  if (!isNonEmptyString(json.name)) issues.push('"name" must be a non-empty string');
  for (const key of BOOLEAN_KEYS) {
    if (key in json && typeof json[key] !== 'boolean') issues.push(`"${key}" must be a boolean`);
  }
  if (json.alerting === true && json.backend !== true) issues.push('"alerting" requires "backend": true');
  if (json.backend === true && !isNonEmptyString(json.executable))
    issues.push('"backend": true needs "executable"');
  if ('category' in json && !CATEGORIES.includes(json.category as string)) {
    issues.push(`"category" must be one of ${CATEGORIES.join(', ')}`);
  }
  if ('queryOptions' in json) {
    if (!isObject(json.queryOptions)) issues.push('"queryOptions" must be an object');
    else
      for (const [k, v] of Object.entries(json.queryOptions)) {
        if (!['maxDataPoints', 'minInterval', 'cacheTimeout'].includes(k)) {
          issues.push(`unknown queryOptions key "${k}"`);
        }
        if (typeof v !== 'boolean') issues.push(`queryOptions.${k} must be a boolean`);
      }
  }

  const info = json.info;
  if (!isObject(info)) {
    issues.push('"info" must be an object');
  } else {
    for (const key of ['logos', 'version', 'updated', 'keywords']) {
      if (!(key in info)) issues.push(`"info.${key}" is required`);
    }
    for (const key of Object.keys(info)) {
      if (!INFO_KEYS.has(key)) issues.push(`unknown key "info.${key}"`);
    }
    if (
      !Array.isArray(info.keywords) ||
      info.keywords.length === 0 ||
      !info.keywords.every(isNonEmptyString)
    ) {
      issues.push('"info.keywords" must be a non-empty array of strings');
    }
    if (!isObject(info.author) || !isNonEmptyString(info.author.name)) {
      issues.push('"info.author.name" must be a non-empty string');
    } else {
      for (const key of Object.keys(info.author)) {
        if (!['name', 'email', 'url'].includes(key)) issues.push(`unknown key "info.author.${key}"`);
      }
      if ('url' in info.author && !isHttpUrl(info.author.url)) issues.push('"info.author.url" must be a URL');
    }
    if ('links' in info) {
      if (!Array.isArray(info.links)) issues.push('"info.links" must be an array');
      else
        info.links.forEach((link, i) => {
          if (!isObject(link) || !isNonEmptyString(link.name) || !isHttpUrl(link.url)) {
            issues.push(`"info.links[${i}]" must be { name, url } with an http(s) URL`);
          }
        });
    }
    const logos = info.logos;
    if (!isObject(logos)) {
      issues.push('"info.logos" must be an object');
    } else {
      for (const size of ['small', 'large']) {
        const logo = logos[size];
        if (!isNonEmptyString(logo)) {
          issues.push(`"info.logos.${size}" is required`);
        } else if (!logo.endsWith('.svg')) {
          issues.push(`"info.logos.${size}" must be an SVG image, got ${logo}`);
        } else if (!fs.existsSync(path.join(baseDir, logo))) {
          issues.push(`"info.logos.${size}": ${logo} does not exist in ${baseDir}`);
        }
      }
    }
    if (Array.isArray(info.screenshots)) {
      info.screenshots.forEach((s, i) => {
        if (!isObject(s) || !isNonEmptyString(s.path) || !fs.existsSync(path.join(baseDir, s.path))) {
          issues.push(`"info.screenshots[${i}]" must name an existing file`);
        }
      });
    }
    const version = info.version;
    if (typeof version !== 'string' || !(SEMVER.test(version) || (!built && version === '%VERSION%'))) {
      issues.push(
        `"info.version" must be ${built ? 'a semantic version' : 'a semantic version or %VERSION%'}, got ${JSON.stringify(version)}`,
      );
    }
    const updated = info.updated;
    if (typeof updated !== 'string' || !(isDate(updated) || (!built && updated === '%TODAY%'))) {
      issues.push(
        `"info.updated" must be ${built ? 'a YYYY-MM-DD date' : 'a YYYY-MM-DD date or %TODAY%'}, got ${JSON.stringify(updated)}`,
      );
    }
  }

  const deps = json.dependencies;
  if (!isObject(deps)) {
    issues.push('"dependencies" must be an object');
  } else {
    const g = deps.grafanaDependency;
    if (typeof g !== 'string' || !GRAFANA_DEPENDENCY_PATTERN.test(g)) {
      issues.push(`"dependencies.grafanaDependency" must be a version range, got ${JSON.stringify(g)}`);
    } else if (g !== GRAFANA_DEPENDENCY) {
      issues.push(`"dependencies.grafanaDependency" must be ${GRAFANA_DEPENDENCY}, got ${g}`);
    }
    for (const key of Object.keys(deps)) {
      if (!['grafanaDependency', 'grafanaVersion', 'plugins'].includes(key)) {
        issues.push(`unknown key "dependencies.${key}"`);
      }
    }
    if ('plugins' in deps) {
      if (!Array.isArray(deps.plugins)) issues.push('"dependencies.plugins" must be an array');
      else
        deps.plugins.forEach((p, i) => {
          if (!isObject(p) || !['id', 'name', 'type', 'version'].every((k) => isNonEmptyString(p[k]))) {
            issues.push(`"dependencies.plugins[${i}]" needs id, name, type and version`);
          }
        });
    }
  }

  if ('routes' in json) {
    if (json.type !== 'datasource') issues.push('"routes" are for data source plugins');
    if (!Array.isArray(json.routes)) {
      issues.push('"routes" must be an array');
    } else {
      const paths = new Set<string>();
      json.routes.forEach((route, i) => {
        const where = `routes[${i}]`;
        if (!isObject(route)) {
          issues.push(`${where} must be an object`);
          return;
        }
        for (const key of Object.keys(route)) {
          if (!ROUTE_KEYS.has(key)) issues.push(`${where} has unknown key "${key}"`);
        }
        if (!isNonEmptyString(route.path)) issues.push(`${where} needs a "path"`);
        else if (paths.has(route.path)) issues.push(`${where}: duplicate path "${route.path}"`);
        else paths.add(route.path);
        if (!isNonEmptyString(route.url)) issues.push(`${where} needs a "url"`);
        else if (/SecureJsonData/.test(route.url)) {
          // A secret in the URL ends up in proxy and access logs: put it in a header or a URL parameter.
          issues.push(`${where}: the url must not contain a secret`);
        }
        if ('headers' in route) checkNameContent(route.headers, `${where}.headers`, issues);
        if ('urlParams' in route) checkNameContent(route.urlParams, `${where}.urlParams`, issues);
      });
    }
  }
  return issues;
}

interface Plugin {
  dir: string;
  rel: string;
}

/** Every plugin folder of the repository: datasource-plugin/ and each panel-plugin/<name>/. */
function findPlugins(): Plugin[] {
  const dirs = [path.join(ROOT, 'datasource-plugin')];
  const panels = path.join(ROOT, 'panel-plugin');
  if (fs.existsSync(panels)) {
    for (const entry of fs.readdirSync(panels, { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(path.join(panels, entry.name));
    }
  }
  return dirs
    .filter((d) => fs.existsSync(path.join(d, 'src', 'plugin.json')))
    .map((dir) => ({ dir, rel: path.relative(ROOT, dir) }));
}

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));

const plugins = findPlugins();

describe('plugin.json rules', () => {
  const base = (): Json => ({
    type: 'panel',
    name: 'Test',
    id: 'meterline-test-panel',
    info: {
      author: { name: 'Meterline' },
      keywords: ['x'],
      logos: { small: 'img/logo.svg', large: 'img/logo.svg' },
      version: '%VERSION%',
      updated: '%TODAY%',
    },
    dependencies: { grafanaDependency: GRAFANA_DEPENDENCY, plugins: [] },
  });
  const baseDir = path.join(ROOT, 'datasource-plugin', 'src');

  it('accept a minimal valid plugin.json', () => {
    expect(pluginJsonIssues(base(), { baseDir, built: false })).toEqual([]);
  });

  it('catch what Grafana would reject or show wrongly', () => {
    const bad = base();
    bad.id = 'Meterline_Test';
    bad.extra = true;
    const info = bad.info as Json;
    info.keywords = [];
    info.logos = { small: 'img/missing.svg', large: 'img/logo.png' };
    delete info.author;
    bad.routes = [{ path: 'a' }, { path: 'a', url: 'http://x/?p={{ .SecureJsonData.password }}' }];
    (bad.dependencies as Json).grafanaDependency = '>=10.0.0';
    const issues = pluginJsonIssues(bad, { baseDir, built: false }).join('\n');
    for (const expected of [
      '"id" "Meterline_Test" does not match',
      'unknown top-level key "extra"',
      '"info.keywords" must be a non-empty array',
      'img/missing.svg does not exist',
      'must be an SVG image',
      '"info.author.name"',
      'routes[0] needs a "url"',
      'duplicate path "a"',
      'must not contain a secret',
      '"routes" are for data source plugins',
      `must be ${GRAFANA_DEPENDENCY}`,
    ]) {
      expect(issues).toContain(expected);
    }
  });

  it('require placeholders to be replaced in dist/', () => {
    const issues = pluginJsonIssues(base(), { baseDir, built: true }).join('\n');
    expect(issues).toContain('"info.version" must be a semantic version');
    expect(issues).toContain('"info.updated" must be a YYYY-MM-DD date');
    const built = base();
    Object.assign(built.info as Json, { version: '0.1.0', updated: '2026-02-30' });
    expect(pluginJsonIssues(built, { baseDir, built: true }).join('\n')).toContain('"info.updated"');
  });
});

describe.each(plugins.map((p) => [p.rel, p] as const))('%s', (_rel, plugin) => {
  const srcFile = path.join(plugin.dir, 'src', 'plugin.json');
  const dist = path.join(plugin.dir, 'dist');
  const version = (readJson(path.join(plugin.dir, 'package.json')) as { version: string }).version;

  it('src/plugin.json follows the schema rules', () => {
    expect(pluginJsonIssues(readJson(srcFile), { baseDir: path.dirname(srcFile), built: false })).toEqual([]);
  });

  it('src/plugin.json keeps %VERSION% and %TODAY% for the build to fill in', () => {
    const info = (readJson(srcFile) as { info: Json }).info;
    expect(info.version).toBe('%VERSION%');
    expect(info.updated).toBe('%TODAY%');
  });

  describe('dist/', () => {
    const built = path.join(dist, 'plugin.json');
    beforeAll(() => {
      if (!fs.existsSync(built)) {
        throw new Error(`${path.relative(ROOT, built)} is missing: run \`npm run build:plugins\` first`);
      }
    });

    it('dist/plugin.json follows the schema rules, placeholders replaced', () => {
      expect(pluginJsonIssues(readJson(built), { baseDir: dist, built: true })).toEqual([]);
      const info = (readJson(built) as { info: Json }).info;
      expect(info.version).toBe(version);
      expect(isDate(info.updated as string)).toBe(true);
    });

    it('dist/plugin.json is src/plugin.json apart from version and date', () => {
      const strip = (j: unknown) => {
        const copy = structuredClone(j) as { info: Json };
        delete copy.info.version;
        delete copy.info.updated;
        return copy;
      };
      expect(strip(readJson(built))).toEqual(strip(readJson(srcFile)));
    });

    it('dist/module.js is an AMD module that takes React and @grafana/* from Grafana', () => {
      const js = fs.readFileSync(path.join(dist, 'module.js'), 'utf8');
      expect(js.startsWith('define(')).toBe(true);
      const deps = /^define\((\[[^\]]*\])/.exec(js)?.[1];
      expect(deps).toBeDefined();
      const list = JSON.parse(deps!) as string[];
      expect(list).toEqual(expect.arrayContaining(['@grafana/data', 'react']));
      // A second React, @grafana/* or rxjs inside the bundle would break hooks, themes and `instanceof` in
      // Grafana. (react/jsx-runtime is bundled, as Grafana does not share it: it uses the external React.)
      const map = JSON.parse(fs.readFileSync(path.join(dist, 'module.js.map'), 'utf8')) as {
        sources: string[];
      };
      const shared = map.sources.filter((s) =>
        /node_modules\/(react-dom|@grafana|rxjs|lodash|@emotion)\/|node_modules\/react\/cjs\/react\./.test(s),
      );
      expect(shared).toEqual([]);
    });

    it('dist/ has the catalog files', () => {
      for (const name of ['README.md', 'CHANGELOG.md', 'img/logo.svg']) {
        expect({ name, exists: fs.existsSync(path.join(dist, name)) }).toEqual({ name, exists: true });
      }
    });
  });
});

describe('meterline-cost-datasource routes', () => {
  const json = readJson(path.join(ROOT, 'datasource-plugin', 'src', 'plugin.json')) as {
    routes: Array<{ path: string; url: string; headers?: Json[]; urlParams?: Json[] }>;
    backend: boolean;
    alerting: boolean;
  };
  const route = (p: string) => json.routes.find((r) => r.path === p);

  it('has one route per authentication method, all to the configured InfluxDB URL', () => {
    // InfluxClient calls `${instanceSettings.url}/influx-<auth>/query` (connection/influx-client.ts).
    expect(json.routes.map((r) => r.path).sort()).toEqual(['influx-none', 'influx-password', 'influx-token']);
    for (const r of json.routes) expect(r.url).toBe('{{ .JsonData.influxUrl }}');
  });

  it('injects credentials from secureJsonData only, on the server', () => {
    expect(route('influx-none')?.headers ?? []).toEqual([]);
    expect(route('influx-none')?.urlParams ?? []).toEqual([]);
    expect(route('influx-password')?.urlParams).toEqual([
      { name: 'u', content: '{{ .JsonData.user }}' },
      { name: 'p', content: '{{ .SecureJsonData.password }}' },
    ]);
    expect(route('influx-token')?.headers).toEqual([
      { name: 'Authorization', content: 'Token {{ .SecureJsonData.token }}' },
    ]);
  });

  it('is frontend-only, so it cannot serve Grafana-managed alert rules', () => {
    expect(json.backend).toBe(false);
    expect(json.alerting).toBe(false);
  });
});

describe('the provisioned Meterline data source', () => {
  const ds = loadProvisioning().datasources.find((d) => d.type === 'meterline-cost-datasource') as
    { uid: string; jsonData: Record<string, unknown>; secureJsonData: Record<string, unknown> } | undefined;

  it('exists with a stable uid and points at InfluxDB', () => {
    expect(ds?.uid).toBe('meterline-cost');
    expect(ds!.jsonData.influxUrl).toMatch(/^https?:\/\//);
    expect(ds!.jsonData.database).toBe('meterline');
  });

  it('keeps secrets in secureJsonData, from the environment', () => {
    for (const key of ['password', 'token']) {
      expect(ds!.jsonData).not.toHaveProperty(key);
      expect(ds!.secureJsonData[key]).toMatch(/^\$__env\{[A-Z_]+\}$/);
    }
  });
});

describe('tools/plugin-build/build.mjs failures', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'meterline-plugin-build-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const run = (...args: string[]) => spawnSync(process.execPath, [BUILD, ...args], { encoding: 'utf8' });

  it('names the file of a plugin.json that is not JSON', () => {
    fs.mkdirSync(path.join(tmp, 'src'));
    fs.writeFileSync(path.join(tmp, 'package.json'), '{"version":"1.2.3"}');
    fs.writeFileSync(path.join(tmp, 'src', 'plugin.json'), '{ "id": "x-y-panel", }');
    const r = run(tmp);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(path.join(tmp, 'src', 'plugin.json'));
    expect(r.stderr).toContain('not valid JSON');
  });

  it('says what is missing in a folder that is not a plugin', () => {
    const r = run(tmp);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no src\/plugin\.json/);
  });

  it('rejects an unknown placeholder', () => {
    fs.mkdirSync(path.join(tmp, 'src'));
    fs.writeFileSync(path.join(tmp, 'package.json'), '{"version":"1.2.3"}');
    fs.writeFileSync(
      path.join(tmp, 'src', 'plugin.json'),
      '{ "id": "x-y-panel", "info": { "build": "%BUILD%" } }',
    );
    const r = run(tmp);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('unknown placeholder %BUILD%');
  });

  it('prints its usage without arguments', () => {
    const r = run();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: node tools/plugin-build/build.mjs');
  });
});
