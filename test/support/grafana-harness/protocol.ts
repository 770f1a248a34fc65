/**
 * What the Node side and the page exchange (serialisable values only): the in-page API lives on
 * `window.__meterlineHarness` (browser/runtime.ts), the Node side drives it (harness.ts).
 */
import type { DataFrameDTO } from '@grafana/data';
import type { HarnessVariable } from './browser/template-srv';

export type { HarnessVariable };

/** The window property holding the in-page API. */
export const HARNESS_GLOBAL = '__meterlineHarness';

export type ThemeMode = 'light' | 'dark';

/** What a plugin's `plugin` export is, checked with `instanceof` against the shared @grafana/data. */
export type PluginKind = 'datasource' | 'panel' | 'app' | 'unknown';

export interface LoadedPlugin {
  id: string;
  kind: PluginKind;
  /** The module's export names. */
  exports: string[];
  /** plugin.json `type`. */
  type: string;
  name: string;
  /** Components a data source plugin provides (`ConfigEditor`, `QueryEditor`, …); panel: `panel`, `editor`… */
  components: string[];
}

/** A data source as the page sees it: no secrets, only which secure fields are set. */
export interface PageDataSource {
  id: number;
  uid: string;
  type: string;
  name: string;
  url: string;
  jsonData: Record<string, unknown>;
  secureJsonFields: Record<string, boolean>;
}

/** A query request from a test; the page turns it into Grafana's `DataQueryRequest`. */
export interface HarnessQueryRequest {
  targets: Array<Record<string, unknown> & { refId: string }>;
  /** Epoch ms or anything `dateTime()` parses (ISO strings). */
  range: { from: number | string; to: number | string };
  /** Default: Grafana's `rangeUtil.calculateInterval(range, maxDataPoints)`. */
  intervalMs?: number;
  maxDataPoints?: number;
  scopedVars?: Record<string, { text?: unknown; value: unknown }>;
  /** Ad-hoc filters (`request.filters`, as Grafana passes the dashboard's ad-hoc variable). */
  filters?: Array<{ key: string; operator: string; value: string }>;
  app?: string;
}

/** Errors are flattened to what tests need. */
export interface SerializedError {
  message: string;
  status?: number;
  data?: unknown;
  refId?: string;
}

export interface HarnessQueryResult {
  frames: DataFrameDTO[];
  state?: string;
  error?: SerializedError;
  errors?: SerializedError[];
  /** How many responses the query's Observable emitted (1 for a plain Promise). */
  emissions: number;
}

export interface HarnessTestResult {
  status: string;
  message: string;
  details?: unknown;
  /** True when `testDatasource()` threw/rejected instead of resolving (Grafana shows the same message). */
  thrown?: boolean;
}

export interface EditorState {
  kind?: 'config' | 'query' | 'panel';
  /** Config editor: the `options` last passed to `onOptionsChange` (or the initial ones). */
  options?: Record<string, unknown>;
  /** Query editor: the query last passed to `onChange` (or the initial one). */
  query?: Record<string, unknown>;
  changes: number;
  runQueryCalls: number;
  /** A render error caught by the harness's error boundary. */
  renderError?: string;
}

export interface RenderPanelOptions {
  /** Frames as DataFrameDTO (what `runDataSourceQuery` returns) or DataFrame-like objects. */
  frames: DataFrameDTO[];
  /** Annotation frames (time, title, text, tags…), delivered as `data.annotations`. */
  annotations?: DataFrameDTO[];
  options?: Record<string, unknown>;
  fieldConfig?: { defaults?: Record<string, unknown>; overrides?: unknown[] };
  width?: number;
  height?: number;
  title?: string;
  timeRange?: { from: number | string; to: number | string };
}
