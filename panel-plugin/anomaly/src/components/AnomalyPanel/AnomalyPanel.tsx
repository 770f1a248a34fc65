/**
 * The `meterline-anomaly-panel` panel: a series' actual spend against its expected band, its anomaly score as
 * a heat strip underneath, and anomaly events and deploys as markers on the time axis, each opening a menu
 * with the costliest traces in Tempo and the deploy. Built for the on-call dashboard's "Anomalies" row and
 * the `meterline-cost-anomaly` runbook's first checks: which series, since when, which deploy, which traces.
 *
 * Rows, top to bottom: a header (title, legend, latest values; only from ~360×180), the chart, the marker
 * lane, the score strip, the time axis (from 110 px high). A 4×3 grid cell keeps chart, markers and strip.
 */
import { useCallback, useId, useMemo, useRef, useState, type ReactElement } from 'react';
import type { PanelProps } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { PanelProblem, checkFrames, type FrameCheck } from '@meterline/panel-shared';
import { deployLink, traceLinks, type DeployLinkContext } from '../../links';
import {
  REQUIREMENTS,
  buildModel,
  dataFrames,
  versionChange,
  type AnomalyMarker,
  type AnomalySeries,
  type DeployMarker,
  type SpendPoint,
} from '../../model';
import { DEFAULT_OPTIONS, type AnomalyOptions } from '../../types';
import { makeFormatters, type Formatters } from './format';
import { layoutFor, linearScale, nearestIndex, timeTicks, valueDomain, type Scale } from './geometry';
import type { MenuSection } from './MarkerMenu';
import { Markers, type Marker } from './Markers';
import { ScoreStrip } from './ScoreStrip';
import { SpendChart } from './SpendChart';
import { getStyles, type AnomalyStyles } from './styles';
import { Tooltip, type TooltipRow } from './Tooltip';

/** What the "no data" and "wrong frames" states name as the query to use. */
export const QUERY_HINT =
  'an "Anomalies" query of Meterline Cost (series view; add its events view and deploy annotations for markers)';

type Hover = { kind: 'point'; px: number } | { kind: 'marker'; marker: Marker; px: number };

/** `no-data`, `wrong-frames` or `ok` for everything the panel was given. */
export function checkAnomalyFrames(props: Pick<PanelProps, 'data'>): FrameCheck {
  const all = [...props.data.series, ...(props.data.annotations ?? [])];
  const candidates = dataFrames(all);
  // Only events or annotations (rows, but no series): "wrong frames", naming the score the panel needs.
  return checkFrames(candidates.length > 0 ? candidates : all, REQUIREMENTS);
}

/** The visible time range: the query's, unless it holds none of the points (then the data's own extent). */
function timeDomain(props: PanelProps<AnomalyOptions>, series: AnomalySeries): [number, number] {
  const range = props.data.timeRange ?? props.timeRange;
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const times = series.points.map((p) => p.time);
  const first = times[0] ?? from;
  const last = (times[times.length - 1] ?? to) + series.stepMs;
  if (to > from && times.some((t) => t >= from && t <= to)) return [from, to];
  return [first, last > first ? last : first + series.stepMs];
}

function pointRows(
  p: SpendPoint,
  series: AnomalySeries,
  deploys: readonly DeployMarker[],
  threshold: number,
  fmt: Formatters,
): TooltipRow[] {
  const rows: TooltipRow[] = [];
  if (series.fields.actual) rows.push({ label: 'Actual', value: fmt.money(p.actual) });
  if (series.fields.expected) rows.push({ label: 'Expected', value: fmt.money(p.expected) });
  if (series.fields.lower && series.fields.upper) {
    rows.push({ label: 'Band', value: `${fmt.money(p.lower)} – ${fmt.money(p.upper)}` });
  }
  if (series.fields.score) {
    rows.push({ label: 'Score', value: fmt.score(p.score), alert: p.score !== null && p.score >= threshold });
  }
  for (const d of deploys) {
    if (d.time >= p.time && d.time < p.time + series.stepMs) {
      rows.push({ label: 'Deploy', value: `${d.service} ${versionChange(d)}`.trim() });
    }
  }
  return rows;
}

function anomalyRows(
  a: AnomalyMarker,
  series: AnomalySeries,
  threshold: number,
  fmt: Formatters,
): TooltipRow[] {
  const at = series.points.find((p) => p.time === a.time);
  const rows: TooltipRow[] = [{ label: 'From', value: `${fmt.when(a.time)} to ${fmt.time(a.end)}` }];
  if (a.score !== null) rows.push({ label: 'Score', value: fmt.score(a.score), alert: a.score >= threshold });
  if (at?.actual !== null && at?.actual !== undefined)
    rows.push({ label: 'Actual', value: fmt.money(at.actual) });
  if (at?.expected !== null && at?.expected !== undefined)
    rows.push({ label: 'Expected', value: fmt.money(at.expected) });
  rows.push({ label: 'Traces', value: a.traceIds.length === 0 ? 'none' : String(a.traceIds.length) });
  for (const d of a.deploys) {
    rows.push({ label: 'Deploy', value: `${d.service} ${versionChange(d)} at ${fmt.time(d.time)}`.trim() });
  }
  if (a.deploys.length === 0 && a.deploysText !== '') rows.push({ label: 'Deploys', value: a.deploysText });
  return rows;
}

function deployRows(d: DeployMarker, fmt: Formatters): TooltipRow[] {
  const rows: TooltipRow[] = [
    { label: 'Version', value: versionChange(d) || '–' },
    { label: 'At', value: fmt.when(d.time) },
  ];
  if (d.env !== '') rows.push({ label: 'Environment', value: d.env });
  if (d.team !== '') rows.push({ label: 'Team', value: d.team });
  return rows;
}

function Legend({
  styles,
  showBand,
  series,
}: {
  styles: AnomalyStyles;
  showBand: boolean;
  series: AnomalySeries;
}) {
  const c = styles.colors;
  const item = (label: string, swatch: ReactElement) => (
    <span className={styles.legend} key={label}>
      {swatch}
      {label}
    </span>
  );
  return (
    <>
      {series.fields.actual &&
        item('Actual', <span className={styles.swatch} style={{ height: 3, background: c.actual }} />)}
      {series.fields.expected &&
        item(
          'Expected',
          <span className={styles.swatch} style={{ height: 0, borderTop: `2px dashed ${c.expected}` }} />,
        )}
      {showBand &&
        series.fields.lower &&
        series.fields.upper &&
        item('Band', <span className={styles.swatch} style={{ background: c.band }} />)}
    </>
  );
}

/** The panel component Grafana renders (see the module doc). */
export function AnomalyPanel(props: PanelProps<AnomalyOptions>) {
  const { data, width, height, timeZone, replaceVariables } = props;
  const options = useMemo(() => ({ ...DEFAULT_OPTIONS, ...props.options }), [props.options]);
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const tooltipId = useId();
  const [hover, setHover] = useState<Hover | undefined>();
  const rootRef = useRef<HTMLDivElement>(null);

  const check = useMemo(() => checkAnomalyFrames({ data }), [data]);
  const model = useMemo(
    () => buildModel(data.series, data.annotations, options),
    [data.series, data.annotations, options],
  );

  const onMarkerHover = useCallback((marker: Marker | undefined, px?: number) => {
    setHover(marker === undefined ? undefined : { kind: 'marker', marker, px: px ?? 0 });
  }, []);
  const onPlotHover = useCallback((px: number | undefined) => {
    setHover(px === undefined ? undefined : { kind: 'point', px });
  }, []);

  const series = model.selected;
  if (check.state !== 'ok' || series === undefined) {
    const problem: Exclude<FrameCheck, { state: 'ok' }> =
      check.state !== 'ok'
        ? check
        : {
            state: 'wrong-frames',
            missing: [{ description: 'time (a time field beside the numbers)', match: () => false }],
          };
    return (
      <div style={{ width, height }}>
        <PanelProblem check={problem} queryHint={QUERY_HINT} />
      </div>
    );
  }

  const hasChart = series.fields.actual !== undefined || series.fields.expected !== undefined;
  const hasScores = series.points.some((p) => p.score !== null);
  const layout = layoutFor(width, height, { hasChart, hasScores });
  const [d0, d1] = timeDomain(props, series);
  const x: Scale = linearScale(d0, d1, layout.left, layout.right);
  const visible = series.points.filter((p) => p.time + series.stepMs >= d0 && p.time <= d1);
  const values: number[] = [];
  for (const p of visible) {
    for (const v of [p.actual, p.expected, ...(options.showBand ? [p.lower, p.upper] : [])])
      if (v !== null) values.push(v);
  }
  const [v0, v1] = valueDomain(values);
  const y = linearScale(v0, v1, Math.max(4, layout.chart - 4), 4);
  const fmt = makeFormatters(series, theme, timeZone, d1 - d0);

  const location: DeployLinkContext['location'] = {
    pathname: window.location.pathname,
    search: window.location.search,
  };
  const linkCtx: DeployLinkContext = {
    template: options.deployLinkTemplate,
    replaceVariables: (t) => replaceVariables(t),
    location,
  };
  const deployItem = (d: DeployMarker) => `${d.service} ${versionChange(d)}`.trim();
  const sectionsFor = (m: Marker): MenuSection[] => {
    if (m.kind === 'deploy') {
      return [{ label: 'Deploy', links: [deployLink(m, linkCtx)], descriptions: [deployItem(m)] }];
    }
    const traces = traceLinks(m);
    const sections: MenuSection[] = [
      {
        label: 'Open top traces',
        links: traces,
        labels: traces.length > 0 ? m.traceIds : undefined,
        // Trace IDs but no Tempo data source to open them in: still worth reading (and copying).
        inert:
          traces.length === 0 && m.traceIds.length > 0
            ? m.traceIds.map((id) => `${id} (no Tempo data source linked)`)
            : undefined,
        empty: 'No traces for this anomaly',
      },
    ];
    if (m.deploys.length > 0) {
      sections.push({
        label: 'Deploys before it',
        links: m.deploys.map((d) => deployLink(d, linkCtx)),
        descriptions: m.deploys.map(deployItem),
      });
    }
    return sections;
  };

  // The tooltip: the hovered bucket, or the hovered/focused marker.
  let tooltip: { title: string; rows: TooltipRow[]; px: number; marker: boolean } | undefined;
  let hoverTime: number | undefined;
  if (hover?.kind === 'point' && hover.px >= layout.left && hover.px <= layout.right) {
    const i = nearestIndex(
      series.points.map((p) => p.time),
      x.invert(hover.px),
    );
    const p = series.points[i];
    if (p !== undefined && p.time >= d0 && p.time <= d1) {
      hoverTime = p.time;
      tooltip = {
        title: fmt.when(p.time),
        rows: pointRows(p, series, model.deploys, options.threshold, fmt),
        px: x(p.time),
        marker: false,
      };
    }
  } else if (hover?.kind === 'marker') {
    const m = hover.marker;
    tooltip =
      m.kind === 'anomaly'
        ? {
            title: m.title || 'Anomaly',
            rows: anomalyRows(m, series, options.threshold, fmt),
            px: hover.px,
            marker: true,
          }
        : { title: `Deploy ${m.service}`.trim(), rows: deployRows(m, fmt), px: hover.px, marker: true };
  }

  const last = [...series.points].reverse().find((p) => p.actual !== null || p.score !== null);
  const index = model.series.indexOf(series);
  // Labels are centred on their tick: one too close to an edge would be cut off, so it is left out.
  const halfLabel = d1 - d0 > 86_400_000 ? 32 : 16;
  const ticks =
    layout.axis > 0
      ? timeTicks(d0, d1, Math.max(2, Math.floor((layout.right - layout.left) / 90))).filter(
          (t) => x(t) >= halfLabel && x(t) <= width - halfLabel,
        )
      : [];
  return (
    <div
      ref={rootRef}
      className={styles.root}
      style={{ width, height }}
      role="group"
      aria-label={`Anomalies of ${series.title}: ${model.anomalies.length} anomal${model.anomalies.length === 1 ? 'y' : 'ies'}, ${model.deploys.length} deploy${model.deploys.length === 1 ? '' : 's'}`}
    >
      {layout.header > 0 && (
        <div className={styles.header} style={{ height: layout.header }} data-testid="anomaly-header">
          <span className={styles.title}>
            {series.title}
            {model.series.length > 1 && ` (${index + 1} of ${model.series.length} series)`}
          </span>
          <Legend styles={styles} showBand={options.showBand} series={series} />
          {last && width >= 560 && (
            <span className={styles.note}>
              {last.actual !== null && `last ${fmt.money(last.actual)}`}
              {last.expected !== null && ` · expected ${fmt.money(last.expected)}`}
              {last.score !== null && ` · score ${fmt.score(last.score)}`}
            </span>
          )}
          {model.hiddenAnomalies > 0 && (
            <span className={styles.note}>
              {model.hiddenAnomalies} event{model.hiddenAnomalies === 1 ? '' : 's'} below{' '}
              {fmt.score(options.threshold)} hidden
            </span>
          )}
        </div>
      )}
      {layout.chart > 0 && (
        <SpendChart
          series={series}
          width={width}
          height={layout.chart}
          layout={layout}
          x={x}
          y={y}
          showBand={options.showBand}
          threshold={options.threshold}
          anomalies={model.anomalies}
          deploys={model.deploys}
          hoverTime={hoverTime}
          fmt={fmt}
          styles={styles}
          onHover={onPlotHover}
        />
      )}
      <Markers
        anomalies={model.anomalies}
        deploys={model.deploys}
        x={x}
        width={width}
        height={layout.lane}
        fmt={fmt}
        styles={styles}
        tooltipId={tooltipId}
        describedId={hover?.kind === 'marker' ? hover.marker.id : undefined}
        onHover={onMarkerHover}
        sectionsFor={sectionsFor}
      />
      {layout.strip > 0 && (
        <ScoreStrip
          points={series.points}
          stepMs={series.stepMs}
          width={width}
          height={layout.strip}
          x={x}
          threshold={options.threshold}
          theme={theme}
          fmt={fmt}
          styles={styles}
          onHover={onPlotHover}
        />
      )}
      {layout.axis > 0 && (
        <svg width={width} height={layout.axis} className={styles.svg} aria-hidden="true">
          {ticks.map((t) => (
            <text key={t} x={x(t)} y={11} textAnchor="middle" className={styles.axisText}>
              {fmt.time(t)}
            </text>
          ))}
        </svg>
      )}
      {tooltip && (
        <Tooltip
          id={tooltipId}
          title={tooltip.title}
          rows={tooltip.rows}
          // Read when shown only (after a pointer or focus event): where the panel is now, scrolled or not.
          origin={rootRef.current?.getBoundingClientRect() ?? { left: 0, top: 0 }}
          x={tooltip.px}
          // A marker's card sits just above the marker lane; a bucket's at the top of the chart.
          y={tooltip.marker ? layout.header + layout.chart - 2 : layout.header + 4}
          anchor={tooltip.marker ? 'bottom' : 'top'}
          styles={styles}
        />
      )}
    </div>
  );
}
