/**
 * Meterline's Grafana dashboards (`dashboards/*.json`) as data, for the tests that check them statically
 * (test/integration/dashboards.test.ts) and run their queries against a real InfluxDB
 * (test/plugins/dashboards-data.test.ts):
 *
 * - {@link loadDashboards}: the three dashboards, parsed;
 * - {@link panelsOf} / {@link meterlineTargets}: every panel (rows' collapsed panels included) and every
 *   target of the Meterline data source, with its panel;
 * - {@link panelTimeRange}: the time range a panel queries, the way Grafana applies the dashboard's relative
 *   range and the panel's `timeFrom` / `timeShift` overrides to a given "now";
 * - {@link panelIntervalMs}: the `$__interval` Grafana would pass for that range;
 * - {@link variableRefs}: the template variables a string uses (`$x`, `${x}`, `${x:format}`, `[[x]]`).
 *
 * Plain Node (fs and JSON only): loadable from the integration and the plugins projects alike.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..');
/** Where the dashboard JSON lives (docker compose mounts it at the dashboard provider's path). */
export const DASHBOARD_DIR = join(REPO_ROOT, 'dashboards');
/** The Meterline data source plugin id. */
export const METERLINE_DS_TYPE = 'meterline-cost-datasource';

/** The dashboards and their stable uids, by file. */
export const DASHBOARD_UIDS: Readonly<Record<string, string>> = {
  'executive.json': 'meterline-executive',
  'on-call.json': 'meterline-oncall',
  'debug.json': 'meterline-debug',
};

export interface DataSourceRef {
  type?: string;
  uid?: string;
}

/** A dashboard target: a Meterline query (or another data source's), as the JSON holds it. */
export type Target = Record<string, unknown> & { refId: string; datasource?: DataSourceRef };

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource?: DataSourceRef;
  targets?: Target[];
  options?: Record<string, unknown>;
  fieldConfig?: { defaults?: Record<string, unknown>; overrides?: Array<Record<string, unknown>> };
  transformations?: Array<{ id: string; options?: Record<string, unknown> }>;
  links?: Array<{ title?: string; url: string }>;
  timeFrom?: string;
  timeShift?: string;
  maxDataPoints?: number;
  /** A row's collapsed panels. */
  panels?: Panel[];
  [key: string]: unknown;
}

export interface Variable {
  type: string;
  name: string;
  label?: string;
  query?: unknown;
  datasource?: DataSourceRef;
  current?: { text?: unknown; value?: unknown };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  [key: string]: unknown;
}

export interface Annotation {
  name: string;
  datasource?: DataSourceRef;
  enable?: boolean;
  iconColor?: string;
  target?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface DashboardLink {
  title: string;
  type: 'link' | 'dashboards';
  url?: string;
  tags?: string[];
  includeVars?: boolean;
  keepTime?: boolean;
  [key: string]: unknown;
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  time: { from: string; to: string };
  templating: { list: Variable[] };
  annotations: { list: Annotation[] };
  links: DashboardLink[];
  panels: Panel[];
  [key: string]: unknown;
}

export interface LoadedDashboard {
  /** File name in `dashboards/`. */
  file: string;
  dashboard: Dashboard;
}

/** Every `*.json` of `dashboards/`, parsed (throws naming the file on invalid JSON). */
export function loadDashboards(dir: string = DASHBOARD_DIR): LoadedDashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      try {
        return { file, dashboard: JSON.parse(text) as Dashboard };
      } catch (err) {
        throw new Error(`dashboards/${file}: ${(err as Error).message}`);
      }
    });
}

/** The dashboard with `uid`; throws when there is none. */
export function dashboardByUid(all: readonly LoadedDashboard[], uid: string): Dashboard {
  const found = all.find((d) => d.dashboard.uid === uid);
  if (found === undefined) throw new Error(`no dashboard with uid ${uid}`);
  return found.dashboard;
}

/** Every panel, rows and the panels of collapsed rows included, in document order. */
export function panelsOf(dashboard: Dashboard): Panel[] {
  const out: Panel[] = [];
  for (const p of dashboard.panels ?? []) {
    out.push(p);
    for (const inner of p.panels ?? []) out.push(inner);
  }
  return out;
}

/** The data source of a target: its own, else its panel's. */
export function targetDataSource(panel: Panel, target: Target): DataSourceRef | undefined {
  return target.datasource ?? panel.datasource;
}

/** Every target of the Meterline data source, with its panel. */
export function meterlineTargets(dashboard: Dashboard): Array<{ panel: Panel; target: Target }> {
  const out: Array<{ panel: Panel; target: Target }> = [];
  for (const panel of panelsOf(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (targetDataSource(panel, target)?.type === METERLINE_DS_TYPE) out.push({ panel, target });
    }
  }
  return out;
}

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds of a Grafana duration such as `1h`, `30d`, `1w` (no months or years: they vary). */
export function grafanaDurationMs(text: string): number {
  const m = /^(\d+)([smhdw])$/.exec(text.trim());
  if (m === null) throw new Error(`not a Grafana duration (number and s, m, h, d or w): '${text}'`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** A relative time of a dashboard (`now`, `now-6h`) at `nowMs`. */
export function relativeTimeMs(text: string, nowMs: number): number {
  if (text === 'now') return nowMs;
  const m = /^now-(\d+[smhdw])$/.exec(text);
  if (m === null)
    throw new Error(`not a relative time this test understands (now or now-<duration>): '${text}'`);
  return nowMs - grafanaDurationMs(m[1]!);
}

/**
 * The time range a panel queries at `nowMs`, as Grafana computes it: the dashboard's range; a panel
 * `timeFrom` replaces it by the last `timeFrom` (`now-timeFrom` to `now`); a `timeShift` then moves both
 * ends back by the shift.
 */
export function panelTimeRange(
  dashboard: Dashboard,
  panel: Panel,
  nowMs: number,
): { fromMs: number; toMs: number } {
  let fromMs = relativeTimeMs(dashboard.time.from, nowMs);
  let toMs = relativeTimeMs(dashboard.time.to, nowMs);
  if (panel.timeFrom) {
    toMs = nowMs;
    fromMs = nowMs - grafanaDurationMs(panel.timeFrom);
  }
  if (panel.timeShift) {
    const shift = grafanaDurationMs(panel.timeShift);
    fromMs -= shift;
    toMs -= shift;
  }
  return { fromMs, toMs };
}

/**
 * `$__interval` in ms for a range, the way Grafana derives it: the range over the panel's max data points
 * (its pixel width when unset; 1000 here), at least a second, in whole seconds. The data source rounds it up
 * to whole minutes itself.
 */
export function panelIntervalMs(panel: Panel, fromMs: number, toMs: number): number {
  const points = panel.maxDataPoints ?? 1000;
  return Math.max(1_000, Math.ceil((toMs - fromMs) / points / 1_000) * 1_000);
}

/** Template variable references in a string: `$x`, `${x}`, `${x:fmt}`, `${x.path}`, `[[x]]`, `[[x:fmt]]`. */
export function variableRefs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\$\{([\w.]+)(?::[\w-]+)?\}|\$(\w+)|\[\[(\w+)(?::[\w-]+)?\]\]/g)) {
    out.push((m[1] ?? m[2] ?? m[3])!);
  }
  return out;
}

/** Every string in a JSON value, with its path (`panels[3].targets[0].rawQuery`). */
export function stringsOf(value: unknown, path = ''): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsOf(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => stringsOf(v, path === '' ? k : `${path}.${k}`));
  }
  return [];
}
