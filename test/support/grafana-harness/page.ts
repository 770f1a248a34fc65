/**
 * The harness page: the HTML (boot data stub, then the shared bundle, then SystemJS + its AMD extra, then
 * the runtime: docs/dev/plugin-harness.md explains why in that order) and the runtime bundle
 * (browser/runtime.ts, built with esbuild, its shared imports read from the shared bundle's window object).
 */
import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ThemeMode } from './protocol';
import { SHARED_GLOBAL, SHARED_MODULES } from './shared-modules';

/** The installed @grafana/runtime version, reported as the "Grafana" version in the boot data. */
function grafanaVersion(root: string): string {
  try {
    const file = join(root, 'node_modules/@grafana/runtime/package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/**
 * `window.grafanaBootData` as Grafana's index.html sets it, with what `@grafana/runtime`'s `config` reads
 * when its module loads (hence before the shared bundle).
 */
export function bootData(theme: ThemeMode, root: string): Record<string, unknown> {
  const version = grafanaVersion(root);
  return {
    assets: { dark: '', light: '' },
    settings: {
      appSubUrl: '',
      appUrl: 'http://localhost:3000/',
      buildInfo: {
        version,
        commit: 'harness',
        env: 'production',
        edition: 'Open Source',
        latestVersion: version,
      },
      featureToggles: {},
      datasources: {},
      panels: {},
      apps: {},
      defaultDatasource: '',
      minRefreshInterval: '5s',
      dateFormats: undefined,
      unifiedAlertingEnabled: false,
    },
    user: {
      id: 1,
      uid: 'harness-admin',
      login: 'admin',
      name: 'admin',
      email: 'admin@localhost',
      orgId: 1,
      orgName: 'Main Org.',
      orgRole: 'Admin',
      isGrafanaAdmin: true,
      isSignedIn: true,
      theme,
      lightTheme: theme === 'light',
      timezone: 'utc',
      weekStart: 'monday',
      locale: 'en-US',
      language: 'en-US',
      permissions: {},
    },
    navTree: [],
  };
}

/** The harness page for a theme. Scripts load in order (no async/defer). */
export function harnessHtml(theme: ThemeMode, root: string): string {
  const boot = JSON.stringify(bootData(theme, root)).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<base href="/">
<title>Meterline plugin harness</title>
<link rel="icon" href="data:,">
<script>window.grafanaBootData = ${boot};</script>
<script src="/harness/shared.js"></script>
<script src="/systemjs/system.js"></script>
<script src="/systemjs/extras/amd.js"></script>
</head>
<body class="theme-${theme}">
<div id="harness-root"></div>
<script src="/harness/runtime.js"></script>
</body>
</html>
`;
}

/** An esbuild plugin resolving each shared module to the namespace the shared bundle published. */
const sharedFromWindow: Plugin = {
  name: 'meterline-shared-from-window',
  setup(b) {
    const names = new Set<string>(SHARED_MODULES);
    b.onResolve({ filter: /^[@a-z]/ }, (args) =>
      names.has(args.path) ? { path: args.path, namespace: 'meterline-shared' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'meterline-shared' }, (args) => ({
      contents: `module.exports = window[${JSON.stringify(SHARED_GLOBAL)}][${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
  },
};

let runtimeJs: Promise<string> | undefined;

/** The runtime bundle (built once per process, ~50 ms). */
export function runtimeBundle(): Promise<string> {
  runtimeJs ??= build({
    entryPoints: [join(__dirname, 'browser', 'runtime.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    sourcemap: 'inline',
    logLevel: 'silent',
    plugins: [sharedFromWindow],
    define: { 'process.env.NODE_ENV': '"production"' },
  }).then(
    (r) => r.outputFiles[0]?.text ?? '',
    (e: unknown) => {
      runtimeJs = undefined;
      throw new Error(`grafana-harness: building the page runtime failed: ${(e as Error).message}`);
    },
  );
  return runtimeJs;
}
