/**
 * The harness page's runtime, in the browser: what Grafana's host does before and around a plugin.
 * It registers the shared modules with SystemJS under the names plugins import (`System.set('app:'+name)`
 * plus an import map), installs BackendSrv / TemplateSrv / DataSourceSrv, initialises i18n, imports
 * plugins' `module.js` through SystemJS, and renders their components inside
 * `ThemeContext.Provider value={config.theme2}` + `<GlobalStyles/>`. The Node side drives it through
 * `window.__meterlineHarness` (see protocol.ts).
 *
 * Bundled by page.ts with every shared import mapped to `window.__meterlineShared`, so this code, the
 * shared bundle and the plugins all use the same React and the same @grafana/data classes.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import {
  AppPlugin,
  CoreApp,
  DataSourcePlugin,
  EventBusSrv,
  LoadingState,
  PanelPlugin,
  applyFieldOverrides,
  dateTime,
  getDefaultTimeRange,
  getThemeById,
  rangeUtil,
  toDataFrame,
  toDataFrameDTO,
  type DataFrame,
  type DataQueryError,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type DataSourceInstanceSettings,
  type DataSourcePluginMeta,
  type DataSourceSettings,
  type GrafanaPlugin,
  type PanelProps,
  type TimeRange,
} from '@grafana/data';
import { GlobalStyles, PanelContextProvider, ThemeContext } from '@grafana/ui';
import {
  config,
  setBackendSrv,
  setDataSourceSrv,
  setTemplateSrv,
  type DataSourceSrv,
  type TemplateSrv,
} from '@grafana/runtime';
import * as i18n from '@grafana/i18n';
import { lastValueFrom, from, isObservable, toArray, type Observable } from 'rxjs';
import { merge } from 'lodash';
import { SHARED_GLOBAL, SHARED_MODULES } from '../shared-modules';
import type {
  EditorState,
  HarnessQueryRequest,
  HarnessQueryResult,
  HarnessTestResult,
  LoadedPlugin,
  PageDataSource,
  PluginKind,
  RenderPanelOptions,
  SerializedError,
  ThemeMode,
} from '../protocol';
import { createBackendSrv } from './backend-srv';
import { registerOptionEditors } from './options-registry';
import { HarnessTemplateSrv, type HarnessVariable } from './template-srv';

interface SystemJS {
  set(id: string, ns: unknown): unknown;
  addImportMap(map: { imports: Record<string, string> }, base: string): void;
  import(id: string): Promise<Record<string, unknown>>;
}

/**
 * The browser globals this file uses (tsconfig.test.json type-checks it with Node's libs only: adding the
 * DOM lib to that program would change the types of everyone's Node code).
 */
interface PageGlobals {
  System: SystemJS;
  [SHARED_GLOBAL]: Record<string, unknown>;
  document: { getElementById(id: string): unknown };
  location: { href: string };
  __meterlineHarness?: unknown;
}
const window = globalThis as unknown as PageGlobals;

const h = React.createElement;

// 1. Shared modules → SystemJS, the way Grafana's host exposes them to plugins.
const shared = window[SHARED_GLOBAL];
const imports: Record<string, string> = {};
for (const name of SHARED_MODULES) {
  if (shared[name] === undefined)
    throw new Error(`grafana-harness: shared module ${name} missing from the bundle`);
  window.System.set(`app:${name}`, shared[name]);
  imports[name] = `app:${name}`;
}
window.System.addImportMap({ imports }, window.location.href);

// 2. Grafana services plugins reach through @grafana/runtime, and the panel option registries core fills.
registerOptionEditors();
const templateSrv = new HarnessTemplateSrv();
setTemplateSrv(templateSrv as unknown as TemplateSrv);
setBackendSrv(createBackendSrv());

interface PluginEntry {
  plugin: GrafanaPlugin;
  meta: DataSourcePluginMeta;
  kind: PluginKind;
}
const plugins = new Map<string, PluginEntry>();
const dataSources = new Map<string, PageDataSource>();
const instances = new Map<string, DataSourceApi>();

function instanceSettings(ds: PageDataSource): DataSourceInstanceSettings {
  const entry = plugins.get(ds.type);
  return {
    id: ds.id,
    uid: ds.uid,
    type: ds.type,
    name: ds.name,
    meta: (entry?.meta ?? { id: ds.type }) as DataSourcePluginMeta,
    url: ds.url,
    jsonData: ds.jsonData,
    access: 'proxy',
    readOnly: false,
  } as DataSourceInstanceSettings;
}

/** By uid, name or `{ uid }`; no reference means the default (the first registered, as no other is set). */
function dataSourceByRef(ref: unknown): PageDataSource | undefined {
  if (ref === null || ref === undefined || ref === '') return dataSources.values().next().value;
  const key = typeof ref === 'string' ? ref : (ref as { uid?: string }).uid;
  return [...dataSources.values()].find((d) => d.uid === key || d.name === key);
}

/** `DataSourceSrv.getList` filters (plugin.json capability flags, plugin id/type, a predicate). */
interface ListFilters {
  metrics?: boolean;
  tracing?: boolean;
  logs?: boolean;
  annotations?: boolean;
  alerting?: boolean;
  pluginId?: string;
  type?: string | string[];
  filter?: (ds: DataSourceInstanceSettings) => boolean;
}

function listDataSources(filters: ListFilters = {}): DataSourceInstanceSettings[] {
  const types = filters.type === undefined ? undefined : [filters.type].flat();
  return [...dataSources.values()].map(instanceSettings).filter((s) => {
    const meta = s.meta as unknown as Record<string, unknown>;
    for (const flag of ['metrics', 'tracing', 'logs', 'annotations', 'alerting'] as const) {
      if (filters[flag] && meta[flag] !== true) return false;
    }
    if (filters.pluginId !== undefined && s.type !== filters.pluginId) return false;
    if (types !== undefined && !types.includes(s.type)) return false;
    return filters.filter ? filters.filter(s) : true;
  });
}

function instance(uid: string): DataSourceApi {
  const existing = instances.get(uid);
  if (existing) return existing;
  const ds = dataSources.get(uid);
  if (!ds) throw new Error(`grafana-harness: no data source registered with uid ${uid}`);
  const entry = plugins.get(ds.type);
  if (!entry) throw new Error(`grafana-harness: plugin ${ds.type} (data source ${uid}) is not loaded`);
  if (entry.kind !== 'datasource') throw new Error(`grafana-harness: plugin ${ds.type} is not a data source`);
  const Ctor = (entry.plugin as DataSourcePlugin<DataSourceApi>).DataSourceClass as unknown as new (
    s: DataSourceInstanceSettings,
  ) => DataSourceApi;
  const api = new Ctor(instanceSettings(ds));
  instances.set(uid, api);
  return api;
}

setDataSourceSrv({
  get: async (ref: unknown) => {
    const ds = dataSourceByRef(ref);
    if (!ds) throw new Error(`Datasource ${JSON.stringify(ref)} was not found`);
    return instance(ds.uid);
  },
  getInstanceSettings: (ref: unknown) => {
    const ds = dataSourceByRef(ref);
    return ds ? instanceSettings(ds) : undefined;
  },
  getList: (filters?: ListFilters) => listDataSources(filters),
  reload: async () => undefined,
  registerRuntimeDataSource: () => undefined,
} as unknown as DataSourceSrv);

// 3. Rendering: one React root, the element wrapped like Grafana's app root wraps plugin UI.
const mountPoint = window.document.getElementById('harness-root');
if (mountPoint === null) throw new Error('grafana-harness: #harness-root missing from the page');
const root = ReactDOMClient.createRoot(mountPoint as Parameters<typeof ReactDOMClient.createRoot>[0]);
let current: (() => React.ReactElement) | undefined;
const state: EditorState = { changes: 0, runQueryCalls: 0 };
let renderCounter = 0;

class Boundary extends React.Component<{ children?: React.ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidCatch(error: Error) {
    state.renderError = `${error.name}: ${error.message}\n${error.stack ?? ''}`;
  }
  override render() {
    if (this.state.error) {
      return h('pre', { 'data-testid': 'harness-render-error' }, String(this.state.error.stack));
    }
    return this.props.children;
  }
}

function paint(): void {
  const make = current;
  ReactDOM.flushSync(() => {
    root.render(
      h(
        ThemeContext.Provider,
        { value: config.theme2 },
        h(GlobalStyles, null),
        h(Boundary, { key: renderCounter }, make ? make() : null),
      ),
    );
  });
}

function mount(make: () => React.ReactElement, kind: EditorState['kind']): void {
  renderCounter++;
  state.kind = kind;
  state.changes = 0;
  state.runQueryCalls = 0;
  delete state.renderError;
  delete state.options;
  delete state.query;
  current = make;
  paint();
}

function serializeError(e: unknown): SerializedError {
  if (e === null || typeof e !== 'object') return { message: String(e) };
  const o = e as { message?: unknown; status?: unknown; data?: { message?: unknown }; refId?: unknown };
  const dataMessage = typeof o.data?.message === 'string' ? o.data.message : undefined;
  const out: SerializedError = {
    message: typeof o.message === 'string' && o.message !== '' ? o.message : (dataMessage ?? String(e)),
  };
  if (typeof o.status === 'number') out.status = o.status;
  if (o.data !== undefined) out.data = plain(o.data);
  if (typeof o.refId === 'string') out.refId = o.refId;
  return out;
}

/** A structured-clone-safe copy (functions dropped, class instances as plain objects, cycles cut). */
function plain(v: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return v;
  if (seen.has(v)) return undefined;
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => plain(x, seen));
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const p = plain(x, seen);
    if (p !== undefined) out[k] = p;
  }
  return out;
}

function toRange(r: { from: number | string; to: number | string }): TimeRange {
  const f = dateTime(r.from);
  const t = dateTime(r.to);
  return { from: f, to: t, raw: { from: f, to: t } };
}

async function collect(result: unknown): Promise<DataQueryResponse[]> {
  const obs: Observable<DataQueryResponse> = isObservable(result)
    ? (result as Observable<DataQueryResponse>)
    : from(Promise.resolve(result as DataQueryResponse));
  return lastValueFrom(obs.pipe(toArray()));
}

const api = {
  setTheme(mode: ThemeMode): void {
    config.theme2 = getThemeById(mode);
    config.theme = config.theme2.v1;
    config.bootData.user.lightTheme = config.theme2.isLight;
    (config.bootData.user as { theme?: string }).theme = mode;
    if (current) paint();
  },

  theme(): ThemeMode {
    return config.theme2.isLight ? 'light' : 'dark';
  },

  async loadPlugin(id: string): Promise<LoadedPlugin> {
    const metaRes = await fetch(`/plugins/${encodeURIComponent(id)}/plugin.json`);
    if (!metaRes.ok) throw new Error(`grafana-harness: /plugins/${id}/plugin.json: HTTP ${metaRes.status}`);
    const json = (await metaRes.json()) as DataSourcePluginMeta & {
      info?: { logos?: Record<string, string> };
    };
    const base = `public/plugins/${id}`;
    const logos = Object.fromEntries(
      Object.entries(json.info?.logos ?? {}).map(([k, p]) => [k, `${base}/${p}`]),
    );
    const meta = { ...json, module: `${base}/module.js`, baseUrl: base, info: { ...json.info, logos } };
    const mod = await window.System.import(`/plugins/${id}/module.js`);
    const plugin = mod['plugin'] as GrafanaPlugin | undefined;
    const kind: PluginKind =
      plugin instanceof DataSourcePlugin
        ? 'datasource'
        : plugin instanceof PanelPlugin
          ? 'panel'
          : plugin instanceof AppPlugin
            ? 'app'
            : 'unknown';
    if (plugin) {
      plugin.meta = meta as unknown as DataSourcePluginMeta;
      plugins.set(id, { plugin, meta: meta as unknown as DataSourcePluginMeta, kind });
    }
    let components: string[] = [];
    if (plugin instanceof DataSourcePlugin) {
      components = Object.keys(plugin.components).filter(
        (k) => (plugin.components as Record<string, unknown>)[k] !== undefined,
      );
    } else if (plugin instanceof PanelPlugin) {
      components = ['panel', 'editor'].filter((k) => (plugin as unknown as Record<string, unknown>)[k]);
    }
    for (const ds of dataSources.values()) if (ds.type === id) instances.delete(ds.uid);
    return {
      id,
      kind,
      exports: Object.keys(mod),
      type: String(json.type),
      name: String(json.name),
      components,
    };
  },

  registerDataSource(ds: PageDataSource): void {
    dataSources.set(ds.uid, ds);
    instances.delete(ds.uid);
    (config.datasources as Record<string, unknown>)[ds.name] = instanceSettings(ds);
  },

  instanceSettings(uid: string): unknown {
    const ds = dataSources.get(uid);
    if (!ds) throw new Error(`grafana-harness: no data source registered with uid ${uid}`);
    return plain(instanceSettings(ds));
  },

  setVariables(vars: HarnessVariable[]): void {
    templateSrv.setVariables(vars);
  },

  renderConfigEditor(uid: string, overrides: Record<string, unknown> = {}): void {
    const ds = dataSources.get(uid);
    if (!ds) throw new Error(`grafana-harness: no data source registered with uid ${uid}`);
    const entry = plugins.get(ds.type);
    const Editor = (entry?.plugin as DataSourcePlugin<DataSourceApi> | undefined)?.components.ConfigEditor;
    if (!Editor) throw new Error(`grafana-harness: plugin ${ds.type} has no ConfigEditor`);
    const initial = {
      id: ds.id,
      uid: ds.uid,
      orgId: 1,
      name: ds.name,
      type: ds.type,
      typeName: entry?.meta.name ?? ds.type,
      typeLogoUrl: entry?.meta.info?.logos?.small ?? '',
      access: 'proxy',
      url: '',
      user: '',
      database: '',
      basicAuth: false,
      basicAuthUser: '',
      withCredentials: false,
      isDefault: false,
      jsonData: ds.jsonData,
      secureJsonFields: ds.secureJsonFields,
      readOnly: false,
      version: 1,
      ...overrides,
    } as unknown as DataSourceSettings;
    function Host() {
      const [options, setOptions] = React.useState(initial);
      state.options = plain(options) as Record<string, unknown>;
      return h(Editor as unknown as React.ComponentType<Record<string, unknown>>, {
        options,
        onOptionsChange: (next: DataSourceSettings) => {
          state.changes++;
          state.options = plain(next) as Record<string, unknown>;
          setOptions(next);
        },
      });
    }
    mount(() => h(Host), 'config');
  },

  renderQueryEditor(uid: string, query: Record<string, unknown>, extra: Record<string, unknown> = {}): void {
    const ds = instance(uid);
    const entry = plugins.get(dataSources.get(uid)?.type ?? '');
    const Editor = (entry?.plugin as DataSourcePlugin<DataSourceApi> | undefined)?.components.QueryEditor;
    if (!Editor) throw new Error(`grafana-harness: plugin of ${uid} has no QueryEditor`);
    const initial = { refId: 'A', ...query };
    function Host() {
      const [q, setQ] = React.useState<Record<string, unknown>>(initial);
      state.query = plain(q) as Record<string, unknown>;
      return h(Editor as unknown as React.ComponentType<Record<string, unknown>>, {
        datasource: ds,
        query: q,
        queries: [q],
        onChange: (next: Record<string, unknown>) => {
          state.changes++;
          state.query = plain(next) as Record<string, unknown>;
          setQ(next);
        },
        onRunQuery: () => {
          state.runQueryCalls++;
        },
        range: getDefaultTimeRange(),
        app: CoreApp.PanelEditor,
        ...extra,
      });
    }
    mount(() => h(Host), 'query');
  },

  renderPanel(id: string, opts: RenderPanelOptions): void {
    const entry = plugins.get(id);
    if (!entry || !(entry.plugin instanceof PanelPlugin)) {
      throw new Error(`grafana-harness: ${id} is not a loaded panel plugin`);
    }
    const plugin = entry.plugin;
    const Panel = plugin.panel;
    if (!Panel) throw new Error(`grafana-harness: panel plugin ${id} has no panel component`);
    const width = opts.width ?? 600;
    const height = opts.height ?? 300;
    const timeRange = opts.timeRange ? toRange(opts.timeRange) : getDefaultTimeRange();
    const options = merge({}, plugin.defaults, opts.options ?? {});
    const pluginFieldDefaults = plugin.fieldConfigDefaults;
    const fieldConfig = {
      defaults: merge({}, pluginFieldDefaults.defaults, opts.fieldConfig?.defaults ?? {}),
      overrides: (opts.fieldConfig?.overrides ?? pluginFieldDefaults.overrides) as never[],
    };
    const eventBus = new EventBusSrv();
    const replaceVariables = (
      s: string,
      scopedVars?: Record<string, { text?: unknown; value: unknown }>,
      f?: string,
    ) => templateSrv.replace(s, scopedVars, f);
    function Host() {
      // Grafana applies field config (with the theme) before the panel sees the frames.
      const series = applyFieldOverrides({
        data: opts.frames.map((f) => toDataFrame(f)) as DataFrame[],
        fieldConfig,
        fieldConfigRegistry: plugin.fieldConfigRegistry,
        replaceVariables: replaceVariables as never,
        theme: config.theme2,
        timeZone: 'utc',
      });
      // Annotation frames (deploys, anomalies…) reach panels beside the series, as Grafana's panel query
      // runner delivers the dashboard's annotation queries.
      const annotations = (opts.annotations ?? []).map((f) => toDataFrame(f)) as DataFrame[];
      const props = {
        id: 1,
        data: { state: LoadingState.Done, series, annotations, timeRange },
        timeRange,
        timeZone: 'utc',
        options,
        fieldConfig,
        transparent: false,
        width,
        height,
        renderCounter,
        title: opts.title ?? '',
        eventBus,
        onOptionsChange: () => state.changes++,
        onFieldConfigChange: () => state.changes++,
        replaceVariables,
        onChangeTimeRange: () => undefined,
      } as unknown as PanelProps;
      return h(
        PanelContextProvider,
        { value: { eventsScope: 'global', eventBus } as never },
        h(
          'div',
          {
            'data-testid': 'harness-panel',
            style: { width, height, position: 'relative', overflow: 'hidden' },
          },
          h(Panel as React.ComponentType<PanelProps>, props),
        ),
      );
    }
    mount(() => h(Host), 'panel');
  },

  unmount(): void {
    current = undefined;
    paint();
  },

  editorState(): EditorState {
    return plain(state) as EditorState;
  },

  async runQuery(uid: string, req: HarnessQueryRequest): Promise<HarnessQueryResult> {
    const ds = instance(uid);
    const range = toRange(req.range);
    const maxDataPoints = req.maxDataPoints ?? 1000;
    const computed = rangeUtil.calculateInterval(range, maxDataPoints);
    const intervalMs = req.intervalMs ?? computed.intervalMs;
    const interval =
      req.intervalMs !== undefined ? rangeUtil.secondsToHms(intervalMs / 1000) : computed.interval;
    templateSrv.updateTimeRange(range);
    const request = {
      app: req.app ?? CoreApp.Dashboard,
      requestId: `harness-${Date.now()}`,
      timezone: 'utc',
      range,
      rangeRaw: range.raw,
      interval,
      intervalMs,
      maxDataPoints,
      targets: req.targets.map((t) => ({ datasource: { uid, type: ds.type }, ...t })),
      scopedVars: {
        __interval: { text: interval, value: interval },
        __interval_ms: { text: String(intervalMs), value: intervalMs },
        ...(req.scopedVars ?? {}),
      },
      ...(req.filters !== undefined ? { filters: req.filters } : {}),
      startTime: Date.now(),
    } as unknown as DataQueryRequest;
    let responses: DataQueryResponse[];
    try {
      responses = await collect(ds.query(request));
    } catch (e) {
      const err = serializeError(e);
      throw new Error(
        `query() failed: ${err.message}${err.status !== undefined ? ` (HTTP ${err.status})` : ''}` +
          (err.data !== undefined ? ` ${JSON.stringify(err.data)}` : ''),
      );
    }
    const last = responses[responses.length - 1];
    const frames = (last?.data ?? []).map((f: unknown) => plain(toDataFrameDTO(toDataFrame(f))));
    const result: HarnessQueryResult = {
      frames: frames as HarnessQueryResult['frames'],
      emissions: responses.length,
    };
    if (last?.state !== undefined) result.state = last.state;
    if (last?.error) result.error = serializeError(last.error as DataQueryError);
    if (last?.errors) result.errors = last.errors.map((e) => serializeError(e));
    return result;
  },

  async testDatasource(uid: string): Promise<HarnessTestResult> {
    const ds = instance(uid);
    try {
      const r = (await ds.testDatasource()) as { status?: string; message?: string; details?: unknown };
      const out: HarnessTestResult = { status: String(r.status), message: String(r.message ?? '') };
      if (r.details !== undefined) out.details = plain(r.details);
      return out;
    } catch (e) {
      // Grafana's data source settings page shows the thrown error's data.message, else its message.
      const err = serializeError(e);
      const dataMessage = (err.data as { message?: unknown } | undefined)?.message;
      return {
        status: 'error',
        message: typeof dataMessage === 'string' ? dataMessage : err.message,
        thrown: true,
      };
    }
  },

  /** Calls any method of a data source instance with serialisable arguments (escape hatch for tests). */
  async callDataSource(uid: string, method: string, args: unknown[]): Promise<unknown> {
    const ds = instance(uid) as unknown as Record<string, (...a: unknown[]) => unknown>;
    const fn = ds[method];
    if (typeof fn !== 'function')
      throw new Error(`grafana-harness: data source ${uid} has no method ${method}`);
    const out = fn.apply(ds, args);
    return plain(isObservable(out) ? await lastValueFrom(out) : await out);
  },
};

export type HarnessPageApi = typeof api;

// 4. Ready once translations are set up, as Grafana's host initialises i18n (en-US, the `grafana`
// namespace, no resources: components fall back to their default messages) before rendering anything.
window.__meterlineHarness = Object.assign(api, {
  ready: i18n.initPluginTranslations('grafana', []).then(() => true),
});
