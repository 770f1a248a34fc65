/**
 * "Save & test": checks, in order, everything that has to be right for the dashboards to show data, and
 * stops at the first thing that is wrong with a message saying what to fix.
 *
 * @packageDocumentation
 */
import type { MeterlineOptions } from '../types';
import { databaseOf, InfluxQueryError, type InfluxClient } from './influx-client';

/** What Grafana shows after "Save & test". */
export interface HealthResult {
  status: 'success' | 'error';
  message: string;
  details?: { message?: string; verboseMessage?: string };
}

/**
 * 1. settings: a URL and a database (or bucket);
 * 2. `/ping` through the data proxy: InfluxDB reachable from Grafana's server;
 * 3. `SHOW MEASUREMENTS`: the database exists and the credentials may read it;
 * 4. the `cost` measurement exists (meterline writes there), with its latest point's time.
 */
export async function checkHealth(client: InfluxClient, settings: MeterlineOptions): Promise<HealthResult> {
  if (!settings.influxUrl)
    return fail('No InfluxDB URL is configured: set "URL" (for example http://influxdb:8086).');
  const db = databaseOf(settings);
  if (db === '') {
    return fail(
      settings.flavor === 'v1' || settings.flavor === undefined
        ? 'No database is configured: set "Database" to the one meterline writes to (influx.database in meterline.yaml).'
        : 'No bucket is configured: set "Bucket" (or "Database" to the bucket\'s v1 mapping).',
    );
  }
  let version: string;
  try {
    version = await client.ping();
  } catch (err) {
    return fail(`Cannot reach InfluxDB at ${settings.influxUrl} from Grafana's server.`, err);
  }
  let measurements: string[];
  try {
    // With SHOW RETENTION POLICIES: InfluxDB 1.x answers SHOW MEASUREMENTS of a missing database with an
    // empty list, but that one with "database not found" (second: a failed statement stops the rest).
    const [answer] = await client.query(['SHOW MEASUREMENTS', 'SHOW RETENTION POLICIES']);
    measurements = (answer?.series?.[0]?.values ?? []).map((row) => String(row[0]));
  } catch (err) {
    const e = err as InfluxQueryError;
    if (e.status === 401 || e.status === 403) {
      return fail(authHint(settings, e.status), err);
    }
    if (/database not found/i.test(e.message)) {
      return fail(
        `InfluxDB ${version} has no database "${db}". Check "Database" (or the bucket's v1 mapping).`,
        err,
      );
    }
    return fail(`InfluxDB ${version} refused to list the measurements of "${db}".`, err);
  }
  if (!measurements.includes('cost')) {
    const others =
      measurements.length === 0 ? 'it is empty' : `it has ${measurements.slice(0, 8).join(', ')}`;
    return fail(
      `Connected to InfluxDB ${version}, but database "${db}" has no "cost" measurement (${others}). ` +
        'Is meterline serve (or the in-process exporter) writing to this database?',
    );
  }
  let latest = '';
  try {
    const [answer] = await client.query(['SELECT LAST("amount_nano") FROM "cost"']);
    const t = answer?.series?.[0]?.values?.[0]?.[0];
    if (typeof t === 'number') latest = `; latest cost point at ${new Date(t).toISOString()}`;
  } catch {
    // The measurement exists; the time of its last point is only a courtesy.
  }
  const extras = ['provider_cost', 'cost_signal', 'cost_event', 'cost_exemplar'].filter(
    (m) => !measurements.includes(m),
  );
  const missing =
    extras.length === 0
      ? ''
      : `. Not written yet: ${extras.join(', ')} (${extras.map(missingHint).join('; ')})`;
  return {
    status: 'success',
    message: `Connected to InfluxDB ${version}, database "${db}"${latest}${missing}.`,
  };
}

function missingHint(measurement: string): string {
  switch (measurement) {
    case 'provider_cost':
      return 'run meterline import for provider exports';
    case 'cost_signal':
      return 'burn rate, unknown attribution and anomalies need the signals loop';
    case 'cost_event':
      return 'deploys and anomaly events appear as they happen';
    default:
      return 'costly traces appear once priced spans arrive';
  }
}

function authHint(settings: MeterlineOptions, status: number): string {
  switch (settings.auth ?? 'none') {
    case 'password':
      return `InfluxDB rejected the user "${settings.user ?? ''}" and password (HTTP ${status}): re-enter the password.`;
    case 'token':
      return `InfluxDB rejected the token (HTTP ${status}): it must be able to read the bucket; re-enter it.`;
    default:
      return `InfluxDB requires authentication (HTTP ${status}): choose "Password" or "Token" authentication.`;
  }
}

function fail(message: string, err?: unknown): HealthResult {
  if (err === undefined) return { status: 'error', message };
  const detail = err instanceof Error ? err.message : String(err);
  return { status: 'error', message, details: { message: detail, verboseMessage: detail } };
}
