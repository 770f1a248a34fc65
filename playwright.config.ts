/**
 * End-to-end specs against a real Grafana (`docker compose up` at the repository root, or any Grafana 12.3+
 * with this plugin installed), with @grafana/plugin-e2e. Run: `GRAFANA_URL=http://localhost:3000 npm run e2e`.
 * Without GRAFANA_URL every spec is skipped with a message saying so: there is no Grafana in CI.
 *
 * Chromium: Debian's (/usr/bin/chromium) unless PLAYWRIGHT_CHROMIUM is set; nothing is downloaded.
 */
import { defineConfig, devices } from '@playwright/test';
import type { PluginOptions } from '@grafana/plugin-e2e';

export default defineConfig<PluginOptions>({
  // Each plugin keeps its specs in its own tests/ folder (create-plugin layout).
  testDir: '.',
  testMatch: ['datasource-plugin/tests/**/*.spec.ts', 'panel-plugin/tests/**/*.spec.ts'],
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.GRAFANA_URL ?? 'http://localhost:3000',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.PLAYWRIGHT_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    },
  },
  // Without GRAFANA_URL there is nothing to log in to: only the specs run, and each skips saying why.
  projects: process.env.GRAFANA_URL
    ? [
        // plugin-e2e logs in once as admin (GRAFANA_ADMIN_USER / GRAFANA_ADMIN_PASSWORD, default admin/admin).
        {
          name: 'auth',
          testDir: require.resolve('@grafana/plugin-e2e').replace(/index\.js$/, 'auth'),
          testMatch: [/.*\.js/],
        },
        {
          name: 'run-tests',
          use: { ...devices['Desktop Chrome'], storageState: 'playwright/.auth/admin.json' },
          dependencies: ['auth'],
        },
      ]
    : [{ name: 'run-tests', use: { ...devices['Desktop Chrome'] } }],
});
