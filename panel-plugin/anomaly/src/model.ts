/**
 * What the anomaly panel shows, read from the frames it was given (pure: no React, no theme).
 *
 * The frames are those of `meterline-cost-datasource` (datasource-plugin `queries/anomalies.ts` and
 * `queries/annotations.ts`), recognised by their fields rather than by query, so one panel can combine
 * several queries and other data sources with the same fields work too:
 *
 * - **series**: numeric fields named `score`, `expected`, `lower`, `upper`, `actual` with a time field, one
 *   series per label set (`team`/`service`/`tenant` + `currency`), whether each field is its own frame (as
 *   the data source makes them) or they share one wide frame;
 * - **events table** (`anomaly events`): rows with `kind` `anomaly` (score, `trace_ids`, `deploys`) or
 *   `deploy` (`version`, `previous_version`, `service`);
 * - **annotations** (`time`, `title`, `text`, `tags`; in `data.annotations` in Grafana, or in the series
 *   with `meta.dataTopic: 'annotations'`): tag `deploy` → deploy marker (versions from the title,
 *   `checkout 1.0.0 → 1.1.0`, as `meterline serve` writes it), tag `anomaly` → anomaly marker (trace IDs
 *   from the `Traces: …` line of the text);
 * - **exemplars** (`trace_id` with a time and a value, e.g. the `exemplar` frame): the costliest span per
 *   interval, used for anomalies that carry no trace IDs of their own.
 *
 * Anomaly markers come from the events table, else from anomaly annotations, else — when no event source
 * was queried at all — from the score series itself (each run of buckets at or above the threshold).
 *
 * @packageDocumentation
 */
import { FieldType, type DataFrame, type Field, type Labels } from '@grafana/data';
import { fieldNamed, numberNamed, timeFieldOf, type FieldRequirement } from '@meterline/panel-shared';
import type { AnomalyOptions } from './types';

/** The numeric fields of one scored series. */
export const SERIES_PARTS = ['score', 'expected', 'lower', 'upper', 'actual'] as const;
export type SeriesPart = (typeof SERIES_PARTS)[number];

/** Tags a series is scored by (`meterline signals` scores one series per value of each). */
export const DIMENSIONS = ['team', 'service', 'tenant'] as const;

/** How many trace IDs an anomaly offers: as many as `meterline signals` puts in an event. */
export const TOP_TRACES = 5;
/** Deploys this long before an anomaly count as "just before it" (`signals.deployLookbackMs`' default). */
export const DEPLOY_LOOKBACK_MS = 2 * 3_600_000;
/** The detector's bucket, used when a series has a single point to measure it from. */
export const DEFAULT_STEP_MS = 5 * 60_000;

/**
 * What the panel needs, for the "wrong frames" state: a score series, or actual and expected spend (any
 * one group is enough).
 */
export const REQUIREMENTS: ReadonlyArray<readonly FieldRequirement[]> = [
  [{ description: 'score (number 0–1, labels team, service or tenant)', match: seriesField('score') }],
  [
    { description: 'actual (number: spend per bucket)', match: seriesField('actual') },
    { description: 'expected (number: expected spend per bucket)', match: seriesField('expected') },
  ],
];

/**
 * A numeric field of a series: named so, in a frame with a time field that is not the events table (whose
 * `score` column is an event's, not a series').
 */
function seriesField(name: SeriesPart): FieldRequirement['match'] {
  const named = numberNamed(name);
  return (field, frame) => named(field) && frameKind(frame) === 'series' && timeFieldOf(frame) !== undefined;
}

/** One bucket of a series; `null` where the frames have no value. */
export interface SpendPoint {
  time: number;
  score: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  actual: number | null;
}

/** One scored series (a team, service or tenant in one currency). */
export interface AnomalySeries {
  /** `currency=USD,service=checkout`: the labels, sorted; the value of the "Series" option. */
  key: string;
  /** `checkout · USD`. */
  title: string;
  labels: Labels;
  /** Oldest first. */
  points: SpendPoint[];
  /** The fields read, for display (unit, decimals, currency) through their field config. */
  fields: Partial<Record<SeriesPart, Field>>;
  /** The usual distance between points (the detector's bucket). */
  stepMs: number;
}

/** A deploy: a `service.version` change. */
export interface DeployMarker {
  kind: 'deploy';
  id: string;
  time: number;
  service: string;
  team: string;
  env: string;
  version: string;
  previousVersion: string;
  title: string;
  text: string;
}

/** An anomaly event (or, without events, a run of anomalous buckets). */
export interface AnomalyMarker {
  kind: 'anomaly';
  id: string;
  /** Start of the episode (an event's time is its first anomalous bucket). */
  time: number;
  /** End of the episode: the first bucket back under the threshold, or one bucket after the last one. */
  end: number;
  score: number | null;
  title: string;
  text: string;
  /** The costliest traces of the episode: the event's own, else the exemplars inside the episode. */
  traceIds: string[];
  /** Where the trace IDs link to: the Tempo data source of the trace field's internal link. */
  tempoUid?: string;
  /** Deploys from {@link DEPLOY_LOOKBACK_MS} before the episode to its end, oldest first. */
  deploys: DeployMarker[];
  /** The event's own `deploys` text (`checkout 1.1.0 (from 1.0.0) at …`), when it has one. */
  deploysText: string;
  /** Where it came from. */
  source: 'events' | 'annotations' | 'scores';
}

/** Everything the panel draws. */
export interface AnomalyModel {
  /** Every series found, in frame order. */
  series: AnomalySeries[];
  /** The one shown. */
  selected?: AnomalySeries;
  /** Anomaly markers of the selected series at or above the threshold, oldest first. */
  anomalies: AnomalyMarker[];
  /** Events of the selected series hidden because their score is below the threshold. */
  hiddenAnomalies: number;
  /** Deploys of the selected series, oldest first (none when `showDeploys` is off). */
  deploys: DeployMarker[];
}

// ------------------------------------------------------------------------------------------ values

function numberAt(field: Field | undefined, i: number): number | null {
  const v = field?.values[i] as unknown;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function stringAt(field: Field | undefined, i: number): string {
  const v = field?.values[i] as unknown;
  return v === null || v === undefined ? '' : String(v);
}

/** Epoch ms of a time value: numbers as they are, strings (ISO) parsed. */
function timeAt(field: Field | undefined, i: number): number | null {
  const v = field?.values[i] as unknown;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v !== '') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  if (v instanceof Date) return v.getTime();
  return null;
}

/** A list cell: an array, or comma-separated text (both occur: `trace_ids`, `tags`). */
function listAt(field: Field | undefined, i: number): string[] {
  const v = field?.values[i] as unknown;
  const items = Array.isArray(v) ? v.map((x) => String(x)) : typeof v === 'string' ? v.split(',') : [];
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function fieldIn(frame: DataFrame, ...names: string[]): Field | undefined {
  const named = fieldNamed(...names);
  return frame.fields.find(named);
}

/** The Tempo data source a trace field links to (its first internal link), if any. */
export function tempoUidOf(field: Field | undefined): string | undefined {
  const uid = field?.config.links?.find((l) => l.internal?.datasourceUid)?.internal?.datasourceUid;
  return uid === undefined || uid === '' ? undefined : uid;
}

// ------------------------------------------------------------------------------------------ frames

type FrameKind = 'series' | 'events' | 'annotations' | 'exemplars' | 'other';

function partOf(field: Field): SeriesPart | undefined {
  return SERIES_PARTS.find((p) => field.type === FieldType.number && field.name.toLowerCase() === p);
}

/** What a frame holds (see the module doc). */
export function frameKind(frame: DataFrame): FrameKind {
  const has = (...names: string[]) => fieldIn(frame, ...names) !== undefined;
  const custom = frame.meta?.custom as { resultType?: unknown } | undefined;
  if (has('kind') && has('time')) return 'events';
  if (custom?.resultType === 'exemplar' || (has('trace_id') && !has('title'))) return 'exemplars';
  if (frame.fields.some((f) => partOf(f) !== undefined)) return 'series';
  if (has('title', 'text') && has('tags') && (has('time') || timeFieldOf(frame) !== undefined))
    return 'annotations';
  return 'other';
}

/** The frames the panel draws series from: not annotations, events or exemplars (for "no data" checks). */
export function dataFrames(frames: readonly DataFrame[]): DataFrame[] {
  return frames.filter((f) => {
    const kind = frameKind(f);
    return kind === 'series' || kind === 'other';
  });
}

/** `currency=USD,service=checkout`: labels sorted by name (empty for none). */
export function seriesKey(labels: Labels | undefined): string {
  return Object.entries(labels ?? {})
    .filter(([, v]) => v !== undefined && v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** `checkout · USD`: the dimension values, other labels, then the currency. */
export function seriesTitle(labels: Labels | undefined): string {
  const l = labels ?? {};
  const dims = DIMENSIONS.filter((d) => l[d]).map((d) => l[d]!);
  const others = Object.keys(l)
    .filter((k) => !(DIMENSIONS as readonly string[]).includes(k) && k !== 'currency' && l[k])
    .sort()
    .map((k) => l[k]!);
  const parts = [...dims, ...others, ...(l.currency ? [l.currency] : [])];
  return parts.length === 0 ? 'Spend' : parts.join(' · ');
}

/** The median distance between consecutive times (the bucket), or the default for fewer than two. */
function stepOf(times: readonly number[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return DEFAULT_STEP_MS;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}

/** Every scored series in `frames`, in the order their first field appears. */
export function readSeries(frames: readonly DataFrame[]): AnomalySeries[] {
  const groups = new Map<
    string,
    { labels: Labels; fields: AnomalySeries['fields']; byTime: Map<number, SpendPoint> }
  >();
  for (const frame of frames) {
    if (frameKind(frame) !== 'series') continue;
    const time = timeFieldOf(frame);
    if (time === undefined) continue;
    for (const field of frame.fields) {
      const part = partOf(field);
      if (part === undefined) continue;
      const key = seriesKey(field.labels);
      let g = groups.get(key);
      if (g === undefined) {
        g = { labels: { ...(field.labels ?? {}) }, fields: {}, byTime: new Map() };
        groups.set(key, g);
      }
      g.fields[part] ??= field;
      for (let i = 0; i < frame.length; i++) {
        const t = timeAt(time, i);
        if (t === null) continue;
        let p = g.byTime.get(t);
        if (p === undefined) {
          p = { time: t, score: null, expected: null, lower: null, upper: null, actual: null };
          g.byTime.set(t, p);
        }
        const v = numberAt(field, i);
        if (v !== null) p[part] = v;
      }
    }
  }
  return [...groups].map(([key, g]) => {
    const points = [...g.byTime.values()].sort((a, b) => a.time - b.time);
    return {
      key,
      title: seriesTitle(g.labels),
      labels: g.labels,
      points,
      fields: g.fields,
      stepMs: stepOf(points.map((p) => p.time)),
    };
  });
}

/** Choices for the "Series" option: every series in the frames. */
export function seriesChoices(
  frames: readonly DataFrame[] | undefined,
): Array<{ value: string; label: string }> {
  return readSeries(frames ?? []).map((s) => ({ value: s.key, label: s.title }));
}

function maxScore(s: AnomalySeries): number {
  let max = -Infinity;
  for (const p of s.points) if (p.score !== null && p.score > max) max = p.score;
  return max;
}

/**
 * The series to show: the one the option names (its key, or its title), else the one with the highest
 * score, else the first.
 */
export function selectSeries(series: readonly AnomalySeries[], wanted: string): AnomalySeries | undefined {
  if (series.length === 0) return undefined;
  const w = wanted.trim();
  if (w !== '') {
    const chosen = series.find((s) => s.key === w) ?? series.find((s) => s.title === w);
    if (chosen !== undefined) return chosen;
  }
  let best = series[0]!;
  for (const s of series) if (maxScore(s) > maxScore(best)) best = s;
  return best;
}

// ------------------------------------------------------------------------------------------ events

interface Scope {
  team: string;
  service: string;
  tenant: string;
  currency: string;
}

interface RawAnomaly extends Scope {
  time: number;
  score: number | null;
  title: string;
  text: string;
  traceIds: string[];
  tempoUid?: string;
  deploysText: string;
  source: 'events' | 'annotations';
}

interface Exemplar {
  time: number;
  traceId: string;
  value: number;
  service: string;
  tenant: string;
  tempoUid?: string;
}

interface Sources {
  anomalies: RawAnomaly[];
  /** Whether any event source (events table, anomaly annotations) was given, even an empty one. */
  hasEventSource: boolean;
  deploys: Array<DeployMarker & { tenant: string }>;
  exemplars: Exemplar[];
}

/** `checkout 1.0.0 → 1.1.0` (as serve titles deploys) → service and both versions. */
export function parseDeployTitle(
  title: string,
): { service: string; previousVersion: string; version: string } | undefined {
  const m = /^\s*(\S+)\s+(\S*)\s*(?:→|->)\s*(\S+)\s*$/.exec(title);
  if (m === null) return undefined;
  return { service: m[1]!, previousVersion: m[2]!, version: m[3]! };
}

/** `Traces: a, b` in an annotation's text (as the data source appends them) → `['a', 'b']`. */
export function tracesInText(text: string): string[] {
  const m = /(?:^|\n)Traces:\s*(.*)$/m.exec(text);
  return m === null
    ? []
    : m[1]!
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
}

function readEventsTable(frame: DataFrame, out: Sources): void {
  const f = (name: string) => fieldIn(frame, name);
  const time = f('time') ?? timeFieldOf(frame);
  const kind = f('kind');
  const traceId = f('trace_id');
  const traceIds = f('trace_ids');
  const tempoUid = tempoUidOf(traceId);
  out.hasEventSource = true;
  for (let i = 0; i < frame.length; i++) {
    const t = timeAt(time, i);
    if (t === null) continue;
    const scope: Scope = {
      team: stringAt(f('team'), i),
      service: stringAt(f('service'), i),
      tenant: stringAt(f('tenant'), i),
      currency: stringAt(f('currency'), i),
    };
    const k = stringAt(kind, i);
    if (k === 'anomaly') {
      const ids = listAt(traceIds, i);
      const first = stringAt(traceId, i);
      out.anomalies.push({
        ...scope,
        time: t,
        score: numberAt(f('score'), i),
        title: stringAt(f('title'), i),
        text: stringAt(f('text'), i),
        traceIds: ids.length > 0 ? ids : first === '' ? [] : [first],
        ...(tempoUid === undefined ? {} : { tempoUid }),
        deploysText: stringAt(f('deploys'), i),
        source: 'events',
      });
    } else if (k === 'deploy') {
      const title = stringAt(f('title'), i);
      const parsed = parseDeployTitle(title);
      out.deploys.push({
        kind: 'deploy',
        id: '',
        time: t,
        service: scope.service || parsed?.service || '',
        team: scope.team,
        tenant: '',
        env: stringAt(f('env'), i),
        version: stringAt(f('version'), i) || parsed?.version || '',
        previousVersion: stringAt(f('previous_version'), i) || parsed?.previousVersion || '',
        title,
        text: stringAt(f('text'), i),
      });
    }
  }
}

function readAnnotations(frame: DataFrame, out: Sources): void {
  const time = fieldIn(frame, 'time') ?? timeFieldOf(frame);
  const title = fieldIn(frame, 'title');
  const text = fieldIn(frame, 'text');
  const tags = fieldIn(frame, 'tags');
  for (let i = 0; i < frame.length; i++) {
    const t = timeAt(time, i);
    if (t === null) continue;
    const list = listAt(tags, i);
    const tag = (key: string) => list.find((x) => x.startsWith(`${key}:`))?.slice(key.length + 1) ?? '';
    const scope: Scope = { team: tag('team'), service: tag('service'), tenant: tag('tenant'), currency: '' };
    const titleText = stringAt(title, i);
    const body = stringAt(text, i);
    if (list.includes('deploy')) {
      const parsed = parseDeployTitle(titleText);
      out.deploys.push({
        kind: 'deploy',
        id: '',
        time: t,
        service: scope.service || parsed?.service || '',
        team: scope.team,
        tenant: '',
        env: tag('env'),
        version: parsed?.version ?? '',
        previousVersion: parsed?.previousVersion ?? '',
        title: titleText,
        text: body,
      });
    } else if (list.includes('anomaly')) {
      out.hasEventSource = true;
      out.anomalies.push({
        ...scope,
        time: t,
        score: null,
        title: titleText,
        text: body.replace(/\n?Traces:.*$/m, ''),
        traceIds: tracesInText(body),
        deploysText: '',
        source: 'annotations',
      });
    }
  }
}

function readExemplars(frame: DataFrame, out: Sources): void {
  const time = timeFieldOf(frame) ?? fieldIn(frame, 'time');
  const trace = fieldIn(frame, 'trace_id');
  const value = frame.fields.find((f) => f.type === FieldType.number);
  const tempoUid = tempoUidOf(trace);
  for (let i = 0; i < frame.length; i++) {
    const t = timeAt(time, i);
    const id = stringAt(trace, i);
    if (t === null || id === '') continue;
    out.exemplars.push({
      time: t,
      traceId: id,
      value: numberAt(value, i) ?? 0,
      service: stringAt(fieldIn(frame, 'service'), i),
      tenant: stringAt(fieldIn(frame, 'tenant'), i),
      ...(tempoUid === undefined ? {} : { tempoUid }),
    });
  }
}

function readSources(frames: readonly DataFrame[]): Sources {
  const out: Sources = { anomalies: [], hasEventSource: false, deploys: [], exemplars: [] };
  for (const frame of frames) {
    const kind = frameKind(frame);
    if (kind === 'events') readEventsTable(frame, out);
    else if (kind === 'annotations') readAnnotations(frame, out);
    else if (kind === 'exemplars') readExemplars(frame, out);
  }
  return out;
}

// ------------------------------------------------------------------------------------------ matching

/**
 * Whether an anomaly event is about `labels`' series: no dimension or currency disagrees, and when both
 * name dimensions they share one (an event about tenant `acme` is not about service `checkout`'s series).
 */
export function anomalyMatches(e: Partial<Scope>, labels: Labels): boolean {
  const keys = [...DIMENSIONS, 'currency'] as const;
  if (keys.some((k) => labels[k] && e[k] && labels[k] !== e[k])) return false;
  const ours = DIMENSIONS.filter((d) => labels[d]);
  const theirs = DIMENSIONS.filter((d) => e[d]);
  return ours.length === 0 || theirs.length === 0 || ours.some((d) => e[d]);
}

/** Whether a deploy is about `labels`' series: its service and team do not disagree (deploys have no tenant). */
export function deployMatches(d: { service: string; team: string }, labels: Labels): boolean {
  if (labels.service && d.service && labels.service !== d.service) return false;
  if (labels.team && d.team && labels.team !== d.team) return false;
  return true;
}

function exemplarMatches(x: Exemplar, labels: Labels): boolean {
  if (labels.service && x.service && labels.service !== x.service) return false;
  if (labels.tenant && x.tenant && labels.tenant !== x.tenant) return false;
  return true;
}

// ------------------------------------------------------------------------------------------ episodes

/**
 * End of the episode starting at `time`: the first point after it whose score is below the threshold, or
 * one step after the last point (a series still anomalous at its end, or no scores at all).
 */
export function episodeEnd(series: AnomalySeries | undefined, time: number, threshold: number): number {
  const step = series?.stepMs ?? DEFAULT_STEP_MS;
  const points = series?.points.filter((p) => p.score !== null) ?? [];
  const after = points.filter((p) => p.time > time);
  const back = after.find((p) => p.score! < threshold);
  if (back !== undefined) return back.time;
  const last = after[after.length - 1];
  return last === undefined ? time + step : last.time + step;
}

/** Runs of consecutive scored points at or above the threshold: `[start, end)` and the highest score. */
export function anomalousRuns(
  series: AnomalySeries,
  threshold: number,
): Array<{ start: number; end: number; score: number }> {
  const runs: Array<{ start: number; end: number; score: number }> = [];
  let current: { start: number; end: number; score: number } | undefined;
  for (const p of series.points) {
    if (p.score === null) continue;
    if (p.score >= threshold) {
      if (current === undefined) current = { start: p.time, end: p.time + series.stepMs, score: p.score };
      else {
        current.end = p.time + series.stepMs;
        current.score = Math.max(current.score, p.score);
      }
    } else if (current !== undefined) {
      current.end = p.time;
      runs.push(current);
      current = undefined;
    }
  }
  if (current !== undefined) runs.push(current);
  return runs;
}

/** The {@link TOP_TRACES} costliest distinct traces among exemplars in `[from, to)`. */
function topTraces(
  exemplars: readonly Exemplar[],
  from: number,
  to: number,
): { ids: string[]; tempoUid?: string } {
  const inside = exemplars.filter((x) => x.time >= from && x.time < to).sort((a, b) => b.value - a.value);
  const ids: string[] = [];
  for (const x of inside) {
    if (!ids.includes(x.traceId)) ids.push(x.traceId);
    if (ids.length === TOP_TRACES) break;
  }
  const tempoUid = inside.find((x) => x.tempoUid !== undefined)?.tempoUid;
  return tempoUid === undefined ? { ids } : { ids, tempoUid };
}

// ------------------------------------------------------------------------------------------ model

/**
 * The model of `series` + `annotations` (`PanelData.series` and `.annotations`) under `options`: the series
 * shown, its anomaly markers at or above the threshold and its deploys, each with ids stable across renders.
 */
export function buildModel(
  seriesFrames: readonly DataFrame[],
  annotationFrames: readonly DataFrame[] | undefined,
  options: Pick<AnomalyOptions, 'threshold' | 'series' | 'showDeploys'>,
): AnomalyModel {
  const frames = [...seriesFrames, ...(annotationFrames ?? [])];
  const series = readSeries(frames);
  const selected = selectSeries(series, options.series);
  const labels = selected?.labels ?? {};
  const sources = readSources(frames);
  const threshold = options.threshold;

  // Deploys: one per (time, service); the events table's versions win over a title parsed from an annotation.
  const deploysByKey = new Map<string, DeployMarker>();
  for (const d of sources.deploys) {
    if (!deployMatches(d, labels)) continue;
    const key = `${d.time}|${d.service}`;
    const seen = deploysByKey.get(key);
    const { tenant: _tenant, ...marker } = d;
    if (seen === undefined) deploysByKey.set(key, { ...marker, id: `deploy-${d.time}-${d.service}` });
    else {
      seen.version ||= d.version;
      seen.previousVersion ||= d.previousVersion;
      seen.env ||= d.env;
      seen.team ||= d.team;
    }
  }
  const allDeploys = [...deploysByKey.values()].sort(
    (a, b) => a.time - b.time || (a.service < b.service ? -1 : 1),
  );
  const exemplars = sources.exemplars.filter((x) => exemplarMatches(x, labels));
  const deploysAround = (from: number, to: number) =>
    allDeploys.filter((d) => d.time >= from - DEPLOY_LOOKBACK_MS && d.time <= to);

  const anomalies: AnomalyMarker[] = [];
  let hidden = 0;
  if (sources.hasEventSource) {
    // One per (time, title): the events table (with its score) wins over the same event as an annotation.
    const seen = new Set<string>();
    const ordered = [...sources.anomalies].sort((a, b) =>
      a.source === b.source ? 0 : a.source === 'events' ? -1 : 1,
    );
    for (const e of ordered) {
      if (!anomalyMatches(e, labels)) continue;
      const key = `${e.time}|${e.title}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (e.score !== null && e.score < threshold) {
        hidden++;
        continue;
      }
      const end = episodeEnd(selected, e.time, threshold);
      const fallback = e.traceIds.length === 0 ? topTraces(exemplars, e.time, end) : undefined;
      const tempoUid = e.tempoUid ?? fallback?.tempoUid ?? exemplars.find((x) => x.tempoUid)?.tempoUid;
      anomalies.push({
        kind: 'anomaly',
        id: `anomaly-${e.time}-${anomalies.length}`,
        time: e.time,
        end,
        score: e.score,
        title: e.title,
        text: e.text,
        traceIds: fallback?.ids ?? e.traceIds,
        ...(tempoUid === undefined ? {} : { tempoUid }),
        deploys: deploysAround(e.time, end),
        deploysText: e.deploysText,
        source: e.source,
      });
    }
  } else if (selected !== undefined) {
    // No event source queried: the runs of anomalous buckets are the events.
    for (const run of anomalousRuns(selected, threshold)) {
      const traces = topTraces(exemplars, run.start, run.end);
      anomalies.push({
        kind: 'anomaly',
        id: `anomaly-${run.start}-${anomalies.length}`,
        time: run.start,
        end: run.end,
        score: run.score,
        title: `Cost anomaly: ${selected.title}`,
        text: '',
        traceIds: traces.ids,
        ...(traces.tempoUid === undefined ? {} : { tempoUid: traces.tempoUid }),
        deploys: deploysAround(run.start, run.end),
        deploysText: '',
        source: 'scores',
      });
    }
  }
  anomalies.sort((a, b) => a.time - b.time);
  return {
    series,
    ...(selected === undefined ? {} : { selected }),
    anomalies,
    hiddenAnomalies: hidden,
    deploys: options.showDeploys ? allDeploys : [],
  };
}

/** `1.0.0 → 1.1.0` (or just the version when the previous one is unknown). */
export function versionChange(d: Pick<DeployMarker, 'version' | 'previousVersion'>): string {
  return d.previousVersion === '' ? d.version : `${d.previousVersion} → ${d.version}`;
}
