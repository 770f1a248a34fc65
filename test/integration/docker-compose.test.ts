/**
 * The Docker stack without Docker: `docker-compose.yml` validated against the Compose Specification's JSON
 * schema (vendored in test/fixtures/compose-spec/), and checked against the repository it runs: mounted files
 * exist, plugin mounts are named after the plugin ids, dependencies wait for health checks that exist, the
 * collector exports to Meterline's port, Meterline forwards to Tempo and writes to the InfluxDB database the
 * Grafana data sources read, deploy/meterline.yaml passes Meterline's own validation, the FOCUS export the
 * `demo-import` service generates imports without a rejected row, and the image copies no secrets.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

import { Attributor, type MeterlineConfig } from '@meterline/cost-model';
import { parseConfig } from '../../otel-processor/src/config/load';
import { EXPORT_FORMATS } from '../../otel-processor/src/exports/formats/registry';
import { importExports } from '../../otel-processor/src/exports/import';
import { loadProvisioning } from '../support/alert-rules';

const ROOT = resolve(__dirname, '..', '..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const SCHEMA_FILE = join(ROOT, 'test', 'fixtures', 'compose-spec', 'compose-spec.json');
/** SHA-256 of the schema's JSON.stringify: see test/fixtures/compose-spec/README.md. */
const SCHEMA_FINGERPRINT = 'b2dc5daa8ce86f3b6a82dfe17afa0b5428b21d51a18bfb6e1ef304cf88e933ae';

/** Our Grafana plugins, by folder: each folder's src/plugin.json holds the id. */
const PLUGIN_FOLDERS = [
  'datasource-plugin',
  'panel-plugin/burnrate',
  'panel-plugin/attribution',
  'panel-plugin/anomaly',
];
const PLUGIN_IDS = [
  'meterline-cost-datasource',
  'meterline-burnrate-panel',
  'meterline-attribution-panel',
  'meterline-anomaly-panel',
];

/**
 * Services without an in-container health check, and why. Anything else must have one, so a new service
 * forces a decision here.
 */
const NO_HEALTHCHECK: Record<string, string> = {
  'otel-collector': 'image built FROM scratch: no shell or HTTP client to run a probe with',
  tempo: 'distroless image without a shell or HTTP client',
  demo: 'a traffic generator: nothing serves',
  'demo-import': 'a one-shot job',
};

// --------------------------------------------------------------------------------------------- types

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target?: number | string; published?: number | string })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: Healthcheck;
  depends_on?: string[] | Record<string, { condition: string; required?: boolean }>;
  restart?: string;
  pull_policy?: string;
}
interface Compose {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}
interface Mount {
  service: string;
  source: string;
  target: string;
  readOnly: boolean;
  bind: boolean;
}

// ------------------------------------------------------------------------------------------- helpers

const read = (path: string): string => readFileSync(path, 'utf8');
const readYaml = <T>(path: string): T => parseYaml(read(path)) as T;

function mountsOf(name: string, service: Service): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') {
      const source = v.source ?? '';
      return { service: name, source, target: v.target ?? '', readOnly: false, bind: v.type === 'bind' };
    }
    const [source = '', target = '', mode = ''] = v.split(':');
    const bind = source.startsWith('.') || source.startsWith('/');
    return { service: name, source, target, readOnly: mode.split(',').includes('ro'), bind };
  });
}

function envOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((e) => {
        const i = e.indexOf('=');
        return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
      }),
    );
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** `${NAME:-default}` / `${NAME-default}` as Compose expands them with NAME unset; plain text stays. */
function composeDefault(value: string): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
    (_m, _name, def?: string) => def ?? '',
  );
}

function dependsOn(service: Service): Record<string, { condition: string }> {
  const d = service.depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((n) => [n, { condition: 'service_started' }])) : d;
}

function hasHealthcheck(service: Service): boolean {
  const h = service.healthcheck;
  if (h === undefined || h.disable === true) return false;
  const test = Array.isArray(h.test) ? h.test : [h.test];
  return test.length > 0 && test[0] !== 'NONE' && test[0] !== undefined;
}

/** `host:port` or `http://host:port/…` → { host, port }. */
function hostPort(text: string): { host: string; port: number } {
  const url = new URL(/^[a-z]+:\/\//.test(text) ? text : `tcp://${text}`);
  return { host: url.hostname, port: Number(url.port) };
}

/** Published `host:container` port pairs of a service (container ports only when not published). */
function containerPorts(service: Service): number[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'number') return p;
    if (typeof p === 'string') return Number(p.split(':').at(-1)!.split('/')[0]);
    return Number(p.target);
  });
}

interface AjvError {
  instancePath?: string;
  dataPath?: string;
  message?: string;
  params?: unknown;
}
type ValidateFunction = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
type AjvConstructor = new (options: Record<string, unknown>) => {
  compile(schema: object): ValidateFunction;
};

/**
 * ajv (a devDependency, 8.x; the code keeps to what 6.x shares too, so a hoisting change cannot break it):
 * both validate draft-07, and this uses only what they share.
 */
function loadAjv(): AjvConstructor {
  const mod = createRequire(__filename)('ajv') as AjvConstructor & { default?: AjvConstructor };
  return mod.default ?? mod;
}

// --------------------------------------------------------------------------------------------- setup

const compose = readYaml<Compose>(COMPOSE_FILE);
const services = compose.services;
const mounts = Object.entries(services).flatMap(([name, s]) => mountsOf(name, s));

function mountedFile(service: string, target: string): string {
  const m = mounts.find((x) => x.service === service && x.target === target && x.bind);
  if (m === undefined) throw new Error(`${service}: nothing is mounted at ${target}`);
  return join(ROOT, m.source);
}

const meterlineConfigPath = mountedFile('meterline', '/etc/meterline/meterline.yaml');
/** deploy/meterline.yaml as `meterline serve` reads it in the container (no MET_* variables set). */
const meterlineConfig: MeterlineConfig = parseConfig(read(meterlineConfigPath), meterlineConfigPath, {});

// --------------------------------------------------------------------------------------------- tests

describe('docker-compose.yml against the Compose Specification schema', () => {
  const schema = JSON.parse(read(SCHEMA_FILE)) as Record<string, unknown>;

  it('uses the vendored schema unchanged', () => {
    const digest = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
    expect(digest).toBe(SCHEMA_FINGERPRINT);
    expect(schema.$schema).toMatch(/draft-07/);
  });

  it('is valid', () => {
    const Ajv = loadAjv();
    // ajv knows draft-07 by its canonical id (http, with #); the schema names it https without #.
    const validate = new Ajv({ allErrors: true, strict: false }).compile({
      ...schema,
      $schema: 'http://json-schema.org/draft-07/schema#',
    });
    const ok = validate(compose);
    const errors = (validate.errors ?? []).map(
      (e) => `${e.instancePath ?? e.dataPath ?? ''}: ${e.message ?? ''} ${JSON.stringify(e.params ?? {})}`,
    );
    expect(errors).toEqual([]);
    expect(ok).toBe(true);
  });

  it('rejects what Compose rejects (the validator is live)', () => {
    const Ajv = loadAjv();
    const validate = new Ajv({ allErrors: true, strict: false }).compile({
      ...schema,
      $schema: 'http://json-schema.org/draft-07/schema#',
    });
    expect(validate({ services: { a: { image: 'x', depends_on: { b: { condition: 'healthy' } } } } })).toBe(
      false,
    );
    expect(validate({ services: { a: { imagee: 'x' } } })).toBe(false);
  });
});

describe('services', () => {
  it('are the stack the docs describe', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['demo', 'demo-import', 'grafana', 'influxdb', 'meterline', 'otel-collector', 'tempo'].sort(),
    );
  });

  it('pin every image to a version (no latest, no untagged image)', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.image === undefined) continue;
      if (s.image === 'meterline:local') continue; // built here
      expect({ name, image: s.image }).toEqual({ name, image: expect.stringMatching(/:\d[\w.-]*$/) });
    }
  });

  it('have a health check, except the ones that cannot or need not', () => {
    const without = Object.entries(services)
      .filter(([, s]) => !hasHealthcheck(s))
      .map(([name]) => name)
      .sort();
    expect(without).toEqual(Object.keys(NO_HEALTHCHECK).sort());
  });

  it('depend only on defined services, and wait for health only where a health check exists', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(dependsOn(s))) {
        expect({ name, dep, defined: dep in services }).toEqual({ name, dep, defined: true });
        if (condition === 'service_healthy')
          expect({ name, dep, healthcheck: hasHealthcheck(services[dep]!) }).toEqual({
            name,
            dep,
            healthcheck: true,
          });
        if (condition === 'service_completed_successfully')
          expect({ name, dep, restart: services[dep]!.restart ?? 'no' }).toEqual({
            name,
            dep,
            restart: 'no',
          });
      }
    }
  });

  it('start in an order without cycles, the data path after its stores', () => {
    const order: string[] = [];
    const visiting = new Set<string>();
    const visit = (n: string): void => {
      if (order.includes(n)) return;
      if (visiting.has(n)) throw new Error(`depends_on cycle through ${n}`);
      visiting.add(n);
      for (const dep of Object.keys(dependsOn(services[n]!))) visit(dep);
      visiting.delete(n);
      order.push(n);
    };
    for (const n of Object.keys(services)) visit(n);
    expect(dependsOn(services.meterline!).influxdb?.condition).toBe('service_healthy');
    expect(dependsOn(services.grafana!).influxdb?.condition).toBe('service_healthy');
    expect(dependsOn(services['otel-collector']!).meterline?.condition).toBe('service_healthy');
    expect(dependsOn(services['demo-import']!).influxdb?.condition).toBe('service_healthy');
    expect(order.indexOf('meterline')).toBeLessThan(order.indexOf('otel-collector'));
  });

  it('use only named volumes that are declared, and declare none that is unused', () => {
    const named = mounts.filter((m) => !m.bind).map((m) => m.source);
    expect([...new Set(named)].sort()).toEqual(Object.keys(compose.volumes ?? {}).sort());
  });

  it('share one image for meterline, demo and demo-import, built once from deploy/Dockerfile', () => {
    const build = services.meterline!.build;
    expect(build).toEqual({ context: '.', dockerfile: 'deploy/Dockerfile' });
    for (const name of ['demo', 'demo-import']) {
      expect(services[name]!.image).toBe(services.meterline!.image);
      expect(services[name]!.build).toBeUndefined();
      expect(services[name]!.pull_policy).toBe('never'); // the image is local: never pulled
    }
  });
});

describe('mounted files', () => {
  it('exist in the repository (plugin dist/ folders: their plugin folder and src/plugin.json)', () => {
    for (const m of mounts.filter((x) => x.bind)) {
      const source = join(ROOT, m.source);
      expect(source.startsWith(ROOT + '/') || source === ROOT).toBe(true);
      if (basename(source) === 'dist') {
        // Written by `npm run build`: the plugin folder and its plugin.json must be there.
        const folder = dirname(source);
        expect({ mount: m.source, pluginJson: existsSync(join(folder, 'src', 'plugin.json')) }).toEqual({
          mount: m.source,
          pluginJson: true,
        });
      } else {
        expect({ mount: m.source, exists: existsSync(source) }).toEqual({ mount: m.source, exists: true });
      }
    }
  });

  it('are read-only for configuration and plugins', () => {
    for (const m of mounts.filter((x) => x.bind))
      expect({ mount: `${m.service}:${m.source}`, ro: m.readOnly }).toEqual({
        mount: `${m.service}:${m.source}`,
        ro: true,
      });
  });

  it('put every plugin in a folder named after its id', () => {
    const pluginMounts = mounts.filter((m) => m.service === 'grafana' && basename(m.source) === 'dist');
    const byFolder = new Map(pluginMounts.map((m) => [dirname(m.source).replace(/^\.\//, ''), m]));
    expect([...byFolder.keys()].sort()).toEqual([...PLUGIN_FOLDERS].sort());
    for (const folder of PLUGIN_FOLDERS) {
      const id = (JSON.parse(read(join(ROOT, folder, 'src', 'plugin.json'))) as { id: string }).id;
      expect(byFolder.get(folder)!.target).toBe(`/var/lib/grafana/plugins/${id}`);
    }
  });
});

describe('grafana', () => {
  const grafana = services.grafana!;
  const env = envOf(grafana);

  it('runs a Grafana the plugins support', () => {
    const [, version = ''] = grafana.image!.split(':');
    const [major = 0, minor = 0] = version.split('.').map(Number);
    for (const folder of PLUGIN_FOLDERS) {
      const plugin = JSON.parse(read(join(ROOT, folder, 'src', 'plugin.json'))) as {
        dependencies: { grafanaDependency: string };
      };
      const m = /^>=(\d+)\.(\d+)/.exec(plugin.dependencies.grafanaDependency);
      expect(m).not.toBeNull();
      expect(major * 1000 + minor).toBeGreaterThanOrEqual(Number(m![1]) * 1000 + Number(m![2]));
    }
  });

  it('allows exactly our four plugin ids unsigned', () => {
    const allowed = (env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS ?? '').split(',').map((s) => s.trim());
    expect([...allowed].sort()).toEqual([...PLUGIN_IDS].sort());
    const ids = PLUGIN_FOLDERS.map(
      (f) => (JSON.parse(read(join(ROOT, f, 'src', 'plugin.json'))) as { id: string }).id,
    );
    expect([...ids].sort()).toEqual([...PLUGIN_IDS].sort());
  });

  it('takes the admin credentials from the environment, with defaults', () => {
    expect(env.GF_SECURITY_ADMIN_USER).toMatch(/^\$\{GRAFANA_ADMIN_USER:-.+\}$/);
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:-.+\}$/);
  });

  it('mounts provisioning/ and the dashboards folder where provisioning expects them', () => {
    expect(mountedFile('grafana', '/etc/grafana/provisioning')).toBe(join(ROOT, 'provisioning'));
    expect(mountedFile('grafana', '/var/lib/grafana/dashboards')).toBe(join(ROOT, 'dashboards'));
  });

  it('mounts the dashboards where the dashboard providers look for them', () => {
    const dir = join(ROOT, 'provisioning', 'dashboards');
    const targets = mounts.filter((m) => m.service === 'grafana').map((m) => m.target);
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : [];
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const doc = readYaml<{ providers?: { options?: { path?: string } }[] }>(join(dir, f));
      for (const p of doc.providers ?? []) expect(targets).toContain(p.options?.path);
    }
  });

  it('sets every environment variable provisioning/ refers to, non-empty where Grafana requires it', () => {
    const dir = join(ROOT, 'provisioning');
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ya?ml|json)$/.test(e)) files.push(p);
      }
    };
    walk(dir);
    const referenced = new Set<string>();
    // Values only (parsed), not comments: comments may mention `$__env{NAME}` as an example.
    for (const f of files)
      for (const m of JSON.stringify(parseYaml(read(f))).matchAll(/\$__env\{([A-Za-z_][A-Za-z0-9_]*)\}/g))
        referenced.add(m[1]!);
    expect(referenced.size).toBeGreaterThan(0);
    for (const name of referenced) expect({ name, set: name in env }).toEqual({ name, set: true });
    // An empty webhook URL makes Grafana refuse the contact point file (provisioning/README.md).
    for (const name of ['METERLINE_ONCALL_WEBHOOK_URL', 'METERLINE_TICKET_WEBHOOK_URL'])
      expect(() => new URL(composeDefault(env[name] ?? ''))).not.toThrow();
  });

  it('has data sources that read the database Meterline writes, at the influxdb service', () => {
    const prov = loadProvisioning();
    const core = prov.datasources.find((d) => d.uid === 'meterline-influxdb') as unknown as {
      url: string;
      jsonData: { dbName: string };
    };
    expect(core.url).toBe(meterlineConfig.influx!.url);
    expect(core.jsonData.dbName).toBe(meterlineConfig.influx!.database);
    expect(hostPort(core.url).host).toBe('influxdb');
    expect(envOf(services.influxdb!).INFLUXDB_DB).toBe(meterlineConfig.influx!.database);
  });

  it('is checked on /api/health', () => {
    expect(JSON.stringify(grafana.healthcheck!.test)).toContain('localhost:3000/api/health');
    expect(containerPorts(grafana)).toContain(3000);
  });
});

describe('influxdb', () => {
  it('is InfluxDB 1.8, checked on /ping, with a volume', () => {
    const influx = services.influxdb!;
    expect(influx.image).toMatch(/^influxdb:1\.8(\.\d+)?$/);
    expect(JSON.stringify(influx.healthcheck!.test)).toContain(':8086/ping');
    expect(mounts.find((m) => m.service === 'influxdb' && m.target === '/var/lib/influxdb')?.bind).toBe(
      false,
    );
  });
});

describe('otel-collector', () => {
  const collector = services['otel-collector']!;
  const configArg = JSON.stringify(collector.command).match(/--config=([^"\s]+)/)?.[1];
  const config = readYaml<{
    extensions?: Record<string, { endpoint?: string } | null>;
    receivers: { otlp: { protocols: { grpc?: { endpoint: string }; http?: { endpoint: string } } } };
    processors?: Record<string, unknown>;
    exporters: Record<
      string,
      {
        endpoint?: string;
        retry_on_failure?: { enabled?: boolean };
        sending_queue?: { enabled?: boolean };
      }
    >;
    service: {
      extensions?: string[];
      pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
    };
  }>(mountedFile('otel-collector', configArg ?? '(no --config)'));

  it('is the contrib distribution (health_check lives there)', () => {
    expect(collector.image).toMatch(/^otel\/opentelemetry-collector-contrib:\d/);
  });

  it('receives OTLP on 4317 and 4318 on all interfaces, published', () => {
    expect(config.receivers.otlp.protocols.grpc!.endpoint).toBe('0.0.0.0:4317');
    expect(config.receivers.otlp.protocols.http!.endpoint).toBe('0.0.0.0:4318');
    expect(containerPorts(collector)).toEqual(expect.arrayContaining([4317, 4318]));
  });

  it("exports every pipeline to the meterline service's OTLP/HTTP port, with batching, retries and a queue", () => {
    const { port } = hostPort(meterlineConfig.serve!.listen);
    const toMeterline = Object.entries(config.exporters).filter(
      ([id, e]) => /^(otlp_http|otlphttp)(\/|$)/.test(id) && e.endpoint !== undefined,
    );
    expect(toMeterline).toHaveLength(1);
    const [id, exporter] = toMeterline[0]!;
    expect(hostPort(exporter.endpoint!)).toEqual({ host: 'meterline', port });
    expect(exporter.retry_on_failure?.enabled).toBe(true);
    expect(exporter.sending_queue?.enabled).toBe(true);
    expect(Object.keys(config.service.pipelines).sort()).toEqual(['metrics', 'traces']);
    for (const p of Object.values(config.service.pipelines)) {
      expect(p.receivers).toEqual(['otlp']);
      expect(p.processors).toContain('batch');
      expect(p.exporters).toEqual([id]);
    }
    for (const p of Object.values(config.service.pipelines))
      for (const proc of p.processors ?? []) expect(config.processors).toHaveProperty([proc]);
  });

  it('runs the health_check extension, published', () => {
    expect(config.service.extensions).toContain('health_check');
    const { port } = hostPort(config.extensions!.health_check!.endpoint!);
    expect(containerPorts(collector)).toContain(port);
  });
});

describe('meterline', () => {
  const meterline = services.meterline!;

  it('passes the project config validation, with InfluxDB, forwarding and serve wired to the services', () => {
    expect(meterlineConfig.influx).toMatchObject({ url: 'http://influxdb:8086', database: 'meterline' });
    expect(meterlineConfig.forward.map((f) => f.endpoint)).toEqual(['http://tempo:4318']);
    expect(meterlineConfig.serve?.listen).toBe('0.0.0.0:4318');
    expect(meterlineConfig.budgets.length).toBeGreaterThan(0);
    expect(meterlineConfig.attribution.rules.length).toBeGreaterThan(0);
    expect(meterlineConfig.signals?.enabled).not.toBe(false);
  });

  it("forwards to tempo's OTLP/HTTP receiver", () => {
    const tempoConfig = readYaml<{
      server: { http_listen_port: number };
      distributor: { receivers: { otlp: { protocols: { http: { endpoint: string } } } } };
    }>(mountedFile('tempo', '/etc/tempo.yaml'));
    const forward = hostPort(meterlineConfig.forward[0]!.endpoint);
    expect(forward.host).toBe('tempo');
    expect(forward.port).toBe(hostPort(tempoConfig.distributor.receivers.otlp.protocols.http.endpoint).port);
    expect(containerPorts(services.tempo!)).toContain(tempoConfig.server.http_listen_port);
  });

  it('keeps its WAL in a named volume and is checked on /readyz', () => {
    const wal = mounts.find((m) => m.service === 'meterline' && m.target === meterlineConfig.serve?.walDir);
    expect(wal?.bind).toBe(false);
    const test = JSON.stringify(meterline.healthcheck!.test);
    expect(test).toContain(`:${hostPort(meterlineConfig.serve!.listen).port}/readyz`);
  });

  it('runs `serve --config` on the mounted config', () => {
    expect(meterline.command).toEqual(['serve', '--config', '/etc/meterline/meterline.yaml']);
  });
});

describe('demo-import', () => {
  it('imports a generated FOCUS export without a rejected row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meterline-focus-export-'));
    try {
      const file = join(dir, 'focus-demo.csv');
      const script = JSON.stringify(services['demo-import']!.command);
      expect(script).toContain('deploy/focus-export.mjs');
      expect(script).toContain('import --config /etc/meterline/meterline.yaml --format focus');
      const gen = spawnSync(
        process.execPath,
        [join(ROOT, 'deploy', 'focus-export.mjs'), '--out', file, '--today', '2026-03-15'],
        { encoding: 'utf8' },
      );
      expect(gen.status).toBe(0);
      const summary = await importExports({
        paths: [file],
        formats: EXPORT_FORMATS,
        format: 'focus',
        attributor: Attributor.compile(meterlineConfig.attribution),
      });
      expect(summary.rejectedCount).toBe(0);
      expect(summary.files[0]!.format).toMatch(/^FOCUS /);
      // February (28 days) and 1–14 March, six lines a day.
      expect(summary.rows).toBe((28 + 14) * 6);
      expect(new Date(summary.chargeSpan!.from).toISOString()).toBe('2026-02-01T00:00:00.000Z');
      expect(new Date(summary.chargeSpan!.to).toISOString()).toBe('2026-03-14T00:00:00.000Z');
      // The same day gives the same file: re-imports replace, never add.
      const again = spawnSync(
        process.execPath,
        [join(ROOT, 'deploy', 'focus-export.mjs'), '--today', '2026-03-15'],
        { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      );
      expect(again.stdout).toBe(read(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = read(join(ROOT, 'deploy', 'Dockerfile'));
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const copies = instructions.filter((l) => /^(COPY|ADD)\s/i.test(l));

  it('builds on node:20-bookworm-slim with npm ci and runs `meterline serve` as a non-root user', () => {
    expect(instructions[0]).toBe('FROM node:20-bookworm-slim');
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/npx tsc -b/);
    expect(instructions.filter((l) => l.startsWith('USER ')).at(-1)).toBe('USER node');
    expect(instructions).toContain('ENTRYPOINT ["node", "/app/otel-processor/dist/cli.js"]');
    expect(instructions).toContain('CMD ["serve", "--config", "/etc/meterline/meterline.yaml"]');
  });

  it('copies no node_modules, .env, keys or secrets, and every file it copies exists', () => {
    for (const line of copies) {
      const args = line
        .split(/\s+/)
        .slice(1)
        .filter((a) => !a.startsWith('--'));
      const sources = args.slice(0, -1);
      for (const src of sources) {
        expect(src).not.toMatch(/node_modules|(^|\/)\.env|\.pem$|\.key$|secret/i);
        if (src !== '.') expect({ src, exists: existsSync(join(ROOT, src)) }).toEqual({ src, exists: true });
      }
    }
  });

  it("copies every workspace's package.json before npm ci (or npm ci fails in the image)", () => {
    const workspaces = (JSON.parse(read(join(ROOT, 'package.json'))) as { workspaces: string[] }).workspaces;
    const copied = copies.flatMap((l) => l.split(/\s+/).slice(1, -1));
    for (const ws of workspaces) expect(copied).toContain(`${ws}/package.json`);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
  });

  it('has a .dockerignore that keeps node_modules, builds, git and secrets out of the context', () => {
    const ignore = read(join(ROOT, '.dockerignore'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore).toEqual(
      expect.arrayContaining(['**/node_modules', '**/dist', '.git', '.env', '**/*.pem', '**/*.key']),
    );
    // What the image needs must not be ignored.
    for (const needed of ['deploy', 'otel-processor', 'cost-model', 'package-lock.json'])
      expect(ignore).not.toContain(needed);
  });
});
