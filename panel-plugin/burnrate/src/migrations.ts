/**
 * Panel option migrations. Grafana stores the plugin version a panel was saved with
 * (`panel.pluginVersion`) and calls the migration handler when it differs from the running one; the shape
 * check also migrates panels whose version says nothing (pasted JSON, provisioning files written by hand).
 *
 * Option shapes:
 *
 * - **v0** (the 0.0.x prototype): `{ showWindows: '1h,6h', threshold: 14.4, compact?: boolean }` — windows
 *   as a comma-separated string, one page threshold for every window, a compact switch;
 * - **current** (0.1.0): {@link Options}.
 *
 * @packageDocumentation
 */
import {
  BURN_WINDOWS,
  DEFAULT_OPTIONS,
  defaultThresholds,
  type BurnWindow,
  type Layout,
  type Options,
  type SortBy,
  type WindowThresholds,
} from './types';

/** The prototype's options (see the module notes). */
export interface OptionsV0 {
  showWindows?: string;
  threshold?: number;
  compact?: boolean;
}

const V0_KEYS = ['showWindows', 'threshold', 'compact'] as const;
const SORTS: readonly SortBy[] = ['burn', 'name', 'spend'];
const LAYOUTS: readonly Layout[] = ['auto', 'compact', 'full'];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Whether `options` are in the v0 shape: a v0 key and none of the current ones. */
export function isV0Options(options: unknown): boolean {
  if (!isObject(options)) return false;
  return V0_KEYS.some((k) => k in options) && !('windows' in options) && !('thresholds' in options);
}

/** Whether a panel saved with `pluginVersion` predates the current option shape (0.1.0). */
export function predatesCurrentShape(pluginVersion: string | undefined): boolean {
  if (pluginVersion === undefined || pluginVersion === '') return false;
  const m = /^(\d+)\.(\d+)\./.exec(pluginVersion);
  return m !== null && Number(m[1]) === 0 && Number(m[2]) === 0;
}

/** The windows of a v0 `showWindows` list, in the signals' order; unknown names are dropped. */
function v0Windows(list: unknown): BurnWindow[] {
  if (typeof list !== 'string') return [...DEFAULT_OPTIONS.windows];
  const named = new Set(list.split(',').map((s) => s.trim()));
  const windows = BURN_WINDOWS.filter((w) => named.has(w));
  return windows.length > 0 ? windows : [...DEFAULT_OPTIONS.windows];
}

/** v0 → current: the one threshold becomes every window's page threshold; ticket thresholds default. */
export function migrateV0(v0: OptionsV0): Options {
  const thresholds = defaultThresholds();
  if (isFiniteNumber(v0.threshold) && v0.threshold > 0) {
    for (const w of BURN_WINDOWS) thresholds[w] = { ...thresholds[w], page: v0.threshold };
  }
  return {
    ...DEFAULT_OPTIONS,
    windows: v0Windows(v0.showWindows),
    thresholds,
    layout: v0.compact === true ? 'compact' : 'auto',
  };
}

function thresholdsOf(value: unknown): Record<BurnWindow, WindowThresholds> {
  const out = defaultThresholds();
  if (!isObject(value)) return out;
  for (const w of BURN_WINDOWS) {
    const t = value[w];
    if (!isObject(t)) continue;
    if (isFiniteNumber(t.ticket)) out[w].ticket = t.ticket;
    if (isFiniteNumber(t.page)) out[w].page = t.page;
  }
  return out;
}

/**
 * Current-shape options with every missing or malformed value replaced by its default (a dashboard JSON
 * edited by hand, an option added in a later version). Used by the panel on every render, so a bad value
 * never breaks it.
 */
export function normalizeOptions(options: unknown): Options {
  const o = isObject(options) ? options : {};
  const windows = Array.isArray(o.windows)
    ? BURN_WINDOWS.filter((w) => (o.windows as unknown[]).some((x) => x === w))
    : [...DEFAULT_OPTIONS.windows];
  return {
    windows,
    thresholds: thresholdsOf(o.thresholds),
    sortBy: SORTS.includes(o.sortBy as SortBy) ? (o.sortBy as SortBy) : DEFAULT_OPTIONS.sortBy,
    layout: LAYOUTS.includes(o.layout as Layout) ? (o.layout as Layout) : DEFAULT_OPTIONS.layout,
    showProjection: typeof o.showProjection === 'boolean' ? o.showProjection : DEFAULT_OPTIONS.showProjection,
  };
}

/**
 * What the migration reads of Grafana's panel model (its `PanelMigrationModel`, which @grafana/data does not
 * export): the saved options and the plugin version they were saved with.
 */
export interface MigratingPanel {
  options: unknown;
  pluginVersion?: string;
}

/** Whether Grafana should run {@link migrateOptions} for this panel whatever its version says. */
export function shouldMigrate(panel: MigratingPanel): boolean {
  return isV0Options(panel.options);
}

/**
 * Grafana's migration handler: v0 options (by shape, or saved by a 0.0.x version) become current ones;
 * current ones are returned normalised.
 */
export function migrateOptions(panel: MigratingPanel): Options {
  const options: unknown = panel.options;
  const current = isObject(options) && ('windows' in options || 'thresholds' in options);
  if (isV0Options(options) || (predatesCurrentShape(panel.pluginVersion) && !current)) {
    return migrateV0(isObject(options) ? (options as OptionsV0) : {});
  }
  return normalizeOptions(options);
}
