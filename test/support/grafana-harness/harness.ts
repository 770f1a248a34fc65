/**
 * The Grafana plugin harness, test-facing API: headless Chromium (Debian's, driven by playwright-core)
 * on a page that loads our plugins' built `dist/module.js` the way Grafana does (SystemJS, AMD, the shared
 * modules), with Grafana's data source proxy emulated in front of a real upstream. See
 * docs/dev/plugin-harness.md.
 *
 * ```ts
 * const h = await startHarness({ plugins: [{ id: 'meterline-cost-datasource', distDir }], theme: 'dark' });
 * expect((await h.loadPlugin('meterline-cost-datasource')).kind).toBe('datasource');
 * await h.registerDataSource({ uid: 'ds', type: 'meterline-cost-datasource', jsonData, secureJsonData });
 * const { frames } = await h.runDataSourceQuery('ds', { targets: [{ refId: 'A' }], range });
 * await h.close();
 * ```
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type { HarnessPageApi } from './browser/runtime';
import type {
  EditorState,
  HarnessQueryRequest,
  HarnessQueryResult,
  HarnessTestResult,
  HarnessVariable,
  LoadedPlugin,
  PageDataSource,
  RenderPanelOptions,
  ThemeMode,
} from './protocol';
import { startHarnessServer, type ForwardRecord, type HarnessPluginSpec, type HarnessServer } from './server';
import { REPO_ROOT } from './shared-bundle';

export type {
  EditorState,
  ForwardRecord,
  HarnessPluginSpec,
  HarnessQueryRequest,
  HarnessQueryResult,
  HarnessTestResult,
  HarnessVariable,
  LoadedPlugin,
  RenderPanelOptions,
  ThemeMode,
};

/** Where screenshots go (gitignored). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test', 'artifacts');

/** Debian's Chromium (scripts/ensure-chromium.sh installs it); `$CHROMIUM_PATH` overrides. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export interface StartHarnessOptions {
  plugins: HarnessPluginSpec[];
  /** The boot theme (`grafanaBootData.user.theme`); default dark, Grafana's default. */
  theme?: ThemeMode;
  viewport?: { width: number; height: number };
}

export interface RegisterDataSourceOptions {
  uid: string;
  /** Plugin id. */
  type: string;
  name?: string;
  /** The data source's URL field (only used when no plugin route matches a proxied path). */
  url?: string;
  jsonData?: Record<string, unknown>;
  /** Kept by the harness server only (like Grafana's encrypted store); the page sees `secureJsonFields`. */
  secureJsonData?: Record<string, string>;
}

/** A request the page made (what a network observer between browser and Grafana would see). */
export interface PageRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  postData: string | null;
}

export interface Harness {
  readonly url: string;
  readonly page: Page;
  readonly browser: Browser;
  readonly server: HarnessServer;
  /** `System.import('/plugins/<id>/module.js')`; `kind` comes from `instanceof` checks in the page. */
  loadPlugin(id: string): Promise<LoadedPlugin>;
  /** Registers a data source on the server (with secrets) and in the page (without). */
  registerDataSource(ds: RegisterDataSourceOptions): Promise<void>;
  /** The `DataSourceInstanceSettings` the page holds for a data source (what the plugin is constructed with). */
  dataSourceInstanceSettings(uid: string): Promise<Record<string, unknown>>;
  /** Dashboard variables `getTemplateSrv()` knows. */
  setVariables(vars: HarnessVariable[]): Promise<void>;
  /** Switches `config.theme2` and re-renders what is mounted (as Grafana's theme change does). */
  setTheme(mode: ThemeMode): Promise<void>;
  /**
   * Renders the data source's ConfigEditor (`props.options` overrides fields of the DataSourceSettings) or
   * QueryEditor (`props.query`, `props.extra` extra props), holding their state like Grafana's pages do.
   */
  renderDataSourceEditor(
    kind: 'config' | 'query',
    props: {
      uid: string;
      options?: Record<string, unknown>;
      query?: Record<string, unknown>;
      extra?: Record<string, unknown>;
    },
  ): Promise<Locator>;
  /** The editor's current options/query and how often `onChange`/`onRunQuery` were called. */
  editorState(): Promise<EditorState>;
  /** `new DataSourceClass(instanceSettings).query(request)` in the page; frames as DataFrameDTO. */
  runDataSourceQuery(uid: string, request: HarnessQueryRequest): Promise<HarnessQueryResult>;
  /** `testDatasource()` in the page; a throw becomes `{ status: 'error', message, thrown: true }`. */
  testDataSource(uid: string): Promise<HarnessTestResult>;
  /** Calls any method of the data source instance (arguments and result must be serialisable). */
  callDataSource(uid: string, method: string, ...args: unknown[]): Promise<unknown>;
  /** Renders a panel plugin with PanelProps built from frames (field config applied as Grafana does). */
  renderPanel(id: string, opts: RenderPanelOptions): Promise<Locator>;
  /** Waits for in-flight requests and two animation frames. */
  settle(): Promise<void>;
  /** Screenshot to `path` (relative paths under test/artifacts/); returns the absolute path. */
  screenshot(path: string, opts?: { selector?: string; fullPage?: boolean }): Promise<string>;
  /** Console errors, page errors and failed requests so far (missing fonts filtered out). */
  consoleErrors(): string[];
  /** Every request the page made. */
  pageRequests(): PageRequest[];
  /** What the data proxy forwarded upstream (with the injected credentials). */
  forwarded(): ForwardRecord[];
  close(): Promise<void>;
}

interface HarnessWindow {
  __meterlineHarness: HarnessPageApi & { ready: Promise<boolean> };
}

const isFontNoise = (url: string | undefined) => url !== undefined && /\/public\/fonts\//.test(url);

/** Starts the server and Chromium and opens the harness page. */
export async function startHarness(opts: StartHarnessOptions): Promise<Harness> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `grafana-harness: Chromium not found at ${CHROMIUM_PATH}: run bash scripts/ensure-chromium.sh`,
    );
  }
  for (const p of opts.plugins) {
    if (!existsSync(join(p.distDir, 'module.js'))) {
      throw new Error(
        `grafana-harness: ${join(p.distDir, 'module.js')} does not exist: build plugin ${p.id} first`,
      );
    }
  }
  const server = await startHarnessServer({ plugins: opts.plugins });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    const context = await browser.newContext({
      viewport: opts.viewport ?? { width: 1200, height: 800 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    // Fail fast: a selector that does not appear within 10 s is a failure, not a slow machine.
    page.setDefaultTimeout(10_000);
    return await openPage(server, browser, page, opts.theme ?? 'dark');
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await server.close();
    throw e;
  }
}

async function openPage(
  server: HarnessServer,
  browser: Browser,
  page: Page,
  theme: ThemeMode,
): Promise<Harness> {
  const errors: string[] = [];
  const requests: PageRequest[] = [];
  let inflight = 0;
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !isFontNoise(msg.location().url)) errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.stack ?? err.message}`));
  page.on('request', (req) => {
    inflight++;
    requests.push({ method: req.method(), url: req.url(), headers: req.headers(), postData: req.postData() });
  });
  const done = () => {
    inflight = Math.max(0, inflight - 1);
  };
  page.on('requestfinished', done);
  page.on('requestfailed', (req) => {
    done();
    if (!isFontNoise(req.url()))
      errors.push(`requestfailed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    if (res.status() === 404 && !isFontNoise(res.url()))
      errors.push(`404: ${res.request().method()} ${res.url()}`);
  });

  // Fails as soon as the page throws while starting, rather than at the timeout.
  let startFailed: ((e: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    startFailed = reject;
  });
  failed.catch(() => undefined);
  const onStartError = (err: Error) => startFailed?.(err);
  page.on('pageerror', onStartError);
  try {
    await page.goto(`${server.url}/?theme=${theme}`);
    await Promise.race([
      failed,
      page
        .waitForFunction(
          () => (globalThis as unknown as Partial<HarnessWindow>).__meterlineHarness !== undefined,
          null,
          {
            timeout: 20_000,
          },
        )
        .then(() => page.evaluate(() => (globalThis as unknown as HarnessWindow).__meterlineHarness.ready)),
    ]);
  } catch (e) {
    throw new Error(`grafana-harness: the page did not start: ${(e as Error).message}\n${errors.join('\n')}`);
  } finally {
    page.off('pageerror', onStartError);
  }

  const call = async <K extends keyof HarnessPageApi>(
    name: K,
    ...args: Parameters<HarnessPageApi[K]>
  ): Promise<Awaited<ReturnType<HarnessPageApi[K]>>> =>
    (await page.evaluate(
      ([n, a]) => {
        const api = (globalThis as unknown as HarnessWindow).__meterlineHarness as unknown as Record<
          string,
          (...x: unknown[]) => unknown
        >;
        return api[n as string]?.(...(a as unknown[]));
      },
      [name, args] as const,
    )) as Awaited<ReturnType<HarnessPageApi[K]>>;

  const settle = async () => {
    const deadline = Date.now() + 15_000;
    while (inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await page.evaluate(
      () =>
        new Promise<void>((ok) => {
          const g = globalThis as unknown as { requestAnimationFrame(cb: () => void): void };
          g.requestAnimationFrame(() => g.requestAnimationFrame(() => ok()));
        }),
    );
  };

  const afterRender = async (what: string, selector: string): Promise<Locator> => {
    const state = await call('editorState');
    if (state.renderError !== undefined)
      throw new Error(`grafana-harness: ${what} threw while rendering: ${state.renderError}`);
    await settle();
    return page.locator(selector);
  };

  let nextId = 1;
  let closed = false;
  return {
    url: server.url,
    page,
    browser,
    server,
    loadPlugin: (id) => call('loadPlugin', id),
    async registerDataSource(ds) {
      server.registerDataSource({
        uid: ds.uid,
        type: ds.type,
        name: ds.name ?? ds.uid,
        ...(ds.url !== undefined ? { url: ds.url } : {}),
        jsonData: ds.jsonData ?? {},
        secureJsonData: ds.secureJsonData ?? {},
      });
      const pageDs: PageDataSource = {
        id: nextId++,
        uid: ds.uid,
        type: ds.type,
        name: ds.name ?? ds.uid,
        url: `/api/datasources/proxy/uid/${encodeURIComponent(ds.uid)}`,
        jsonData: ds.jsonData ?? {},
        secureJsonFields: Object.fromEntries(Object.keys(ds.secureJsonData ?? {}).map((k) => [k, true])),
      };
      await call('registerDataSource', pageDs);
    },
    dataSourceInstanceSettings: async (uid) =>
      (await call('instanceSettings', uid)) as Record<string, unknown>,
    setVariables: (vars) => call('setVariables', vars),
    async setTheme(mode) {
      await call('setTheme', mode);
      await settle();
    },
    async renderDataSourceEditor(kind, props) {
      if (kind === 'config') await call('renderConfigEditor', props.uid, props.options ?? {});
      else await call('renderQueryEditor', props.uid, props.query ?? {}, props.extra ?? {});
      return afterRender(`the ${kind} editor`, '#harness-root');
    },
    editorState: () => call('editorState'),
    runDataSourceQuery: (uid, request) => call('runQuery', uid, request),
    testDataSource: (uid) => call('testDatasource', uid),
    callDataSource: (uid, method, ...args) => call('callDataSource', uid, method, args),
    async renderPanel(id, o) {
      await call('renderPanel', id, o);
      return afterRender(`panel ${id}`, '[data-testid="harness-panel"]');
    },
    settle,
    async screenshot(path, o = {}) {
      const file = isAbsolute(path) ? path : resolve(ARTIFACTS_DIR, path);
      mkdirSync(dirname(file), { recursive: true });
      await settle();
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts
            .ready,
      );
      const shot = { path: file, animations: 'disabled', caret: 'hide' } as const;
      if (o.selector !== undefined) await page.locator(o.selector).screenshot(shot);
      else await page.screenshot({ ...shot, fullPage: o.fullPage ?? false });
      return file;
    },
    consoleErrors: () => [...errors],
    pageRequests: () => [...requests],
    forwarded: () => [...server.forwarded],
    async close() {
      if (closed) return;
      closed = true;
      await browser.close().catch(() => undefined);
      await server.close();
    },
  };
}
