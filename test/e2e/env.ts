import { test } from '@grafana/plugin-e2e';

/** InfluxDB as Grafana's server reaches it, and the database meterline writes to (docker compose defaults). */
export const INFLUX_URL = process.env.E2E_INFLUX_URL ?? 'http://influxdb:8086';
export const INFLUX_DB = process.env.E2E_INFLUX_DB ?? 'meterline';
/** uid of the provisioned Meterline data source (provisioning/datasources). */
export const PROVISIONED_UID = process.env.E2E_DATASOURCE_UID ?? 'meterline-cost';

/** Skips the calling file's specs, saying why, when no Grafana is configured. */
export function requireGrafana(): void {
  test.skip(!process.env.GRAFANA_URL, SKIP_REASON);
}

const SKIP_REASON =
  'GRAFANA_URL is not set: these specs need a running Grafana with meterline-cost-datasource installed ' +
  '(docker compose up, then GRAFANA_URL=http://localhost:3000 npm run e2e)';

// Reporters do not print skip reasons: say it once per run so a skipped run is never mistaken for a pass.
if (!process.env.GRAFANA_URL) console.warn(`meterline e2e: skipping every spec. ${SKIP_REASON}`);
