/**
 * A harness with the real `meterline-cost-datasource` and one Meterline panel, both from their built
 * `dist/`, and the data source registered (uid `meterline`) against a real InfluxDB: what every panel's
 * browser test starts from. Fails with the build command when a `dist/module.js` is missing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './grafana-harness/shared-bundle';
import { startHarness, type Harness } from './grafana-harness';

export const DATASOURCE = 'meterline-cost-datasource';
/** uid the data source is registered under. */
export const DATASOURCE_UID = 'meterline';

export interface PanelHarnessOptions {
  /** The panel's plugin id, e.g. `meterline-anomaly-panel`. */
  panel: string;
  /** Its folder under panel-plugin/, e.g. `anomaly`. */
  folder: string;
  influxUrl: string;
  database: string;
  viewport: { width: number; height: number };
  /** uid of the Tempo data source trace links point at (optional). */
  tempoUid?: string;
}

/** Starts the harness, loads the data source as Grafana would, and registers it. The caller closes it. */
export async function startPanelHarness(o: PanelHarnessOptions): Promise<Harness> {
  const datasourceDist = join(REPO_ROOT, 'datasource-plugin', 'dist');
  const panelDist = join(REPO_ROOT, 'panel-plugin', o.folder, 'dist');
  for (const dist of [datasourceDist, panelDist]) {
    if (!existsSync(join(dist, 'module.js'))) {
      throw new Error(
        `${join(dist, 'module.js')} is missing: build the plugins first with ` +
          `\`node tools/plugin-build/build.mjs datasource-plugin panel-plugin/${o.folder}\``,
      );
    }
  }
  const h = await startHarness({
    plugins: [
      { id: DATASOURCE, distDir: datasourceDist },
      { id: o.panel, distDir: panelDist },
    ],
    theme: 'light',
    viewport: o.viewport,
  });
  // As Grafana does before it constructs a data source or renders a panel: import the plugin's module.
  await h.loadPlugin(DATASOURCE);
  await h.registerDataSource({
    uid: DATASOURCE_UID,
    type: DATASOURCE,
    name: 'Meterline',
    jsonData: {
      influxUrl: o.influxUrl,
      flavor: 'v1',
      auth: 'none',
      database: o.database,
      defaultCurrency: 'USD',
      ...(o.tempoUid ? { tempoUid: o.tempoUid } : {}),
    },
  });
  return h;
}
