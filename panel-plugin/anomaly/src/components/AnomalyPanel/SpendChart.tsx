/**
 * Actual spend against its expected value and band, as plain SVG scaled to the panel (Grafana does not
 * share uPlot with plugins, and a line, a dashed line and a filled band need no chart library).
 *
 * Drawn back to front: anomalous episodes (shaded), grid and value labels, the zero line when spend goes
 * below zero (credits), the band (`lower`…`upper`), the expected value (dashed), the actual spend, dots on
 * the buckets scored at or above the threshold, deploy lines, and the hover crosshair.
 */
import type { MouseEvent } from 'react';
import type { AnomalyMarker, AnomalySeries, DeployMarker } from '../../model';
import type { Formatters } from './format';
import { bandPath, linePath, niceTicks, type PanelLayout, type Scale } from './geometry';
import type { AnomalyStyles } from './styles';

export interface SpendChartProps {
  series: AnomalySeries;
  width: number;
  height: number;
  layout: PanelLayout;
  x: Scale;
  y: Scale;
  showBand: boolean;
  threshold: number;
  anomalies: readonly AnomalyMarker[];
  deploys: readonly DeployMarker[];
  /** Time of the hovered bucket, for the crosshair. */
  hoverTime?: number;
  fmt: Formatters;
  styles: AnomalyStyles;
  /** Pointer over the chart at panel x `px` (undefined: it left). */
  onHover(px: number | undefined): void;
}

export function SpendChart(props: SpendChartProps) {
  const {
    series,
    width,
    height,
    layout,
    x,
    y,
    showBand,
    threshold,
    anomalies,
    deploys,
    hoverTime,
    fmt,
    styles,
  } = props;
  const c = styles.colors;
  const pts = series.points;
  const hasActual = series.fields.actual !== undefined;
  const hasExpected = series.fields.expected !== undefined;
  const hasBand = series.fields.lower !== undefined && series.fields.upper !== undefined;
  const last = [...pts].reverse().find((p) => p.actual !== null);
  const label =
    `Actual spend of ${series.title}` +
    (hasExpected ? ' with its expected value' : '') +
    (hasBand && showBand ? ' and band' : '') +
    (last ? `; last ${fmt.money(last.actual)} at ${fmt.time(last.time)}` : '') +
    (last && last.expected !== null ? `, expected ${fmt.money(last.expected)}` : '');
  const onMove = (e: MouseEvent<SVGSVGElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    props.onHover(e.clientX - rect.left);
  };

  const visible = (t: number) => t >= x.domain[0] && t <= x.domain[1];
  if (!hasActual && !hasExpected) {
    return (
      <svg
        width={width}
        height={height}
        className={styles.svg}
        role="img"
        aria-label={`Scores only for ${series.title}`}
      >
        {height >= 14 && (
          <text
            x={width / 2}
            y={height / 2}
            textAnchor="middle"
            dominantBaseline="middle"
            className={styles.message}
          >
            Scores only: add actual and expected spend to see the band
          </text>
        )}
      </svg>
    );
  }

  // A lone point (between gaps, or the only one) is drawn across its bucket, at most 8 px either side.
  const isolated = Math.max(2, Math.min(8, (x(x.domain[0] + series.stepMs) - x(x.domain[0])) / 2));
  // Few points for the width: mark each one, as Grafana's time series does with "show points: auto".
  const showPoints = pts.filter((p) => visible(p.time)).length <= (layout.right - layout.left) / 24;
  const ticks = layout.yLabels ? niceTicks(y.domain[0], y.domain[1], height >= 160 ? 4 : 2) : [];
  const [top, bottom] = [y(y.domain[1]), y(y.domain[0])];
  return (
    <svg
      width={width}
      height={height}
      className={styles.svg}
      role="img"
      aria-label={label}
      onMouseMove={onMove}
      onMouseLeave={() => props.onHover(undefined)}
    >
      {anomalies.map((a) => {
        const x0 = Math.max(layout.left, x(a.time));
        const x1 = Math.min(layout.right, x(a.end));
        return x1 > x0 ? (
          <rect
            key={a.id}
            x={x0}
            y={top}
            width={x1 - x0}
            height={bottom - top}
            fill={c.episode}
            data-testid="episode"
          />
        ) : null;
      })}
      {ticks.map((v) => (
        <g key={v}>
          <line x1={layout.left} x2={layout.right} y1={y(v)} y2={y(v)} stroke={c.grid} strokeWidth={1} />
          <text
            x={layout.left - 4}
            y={y(v)}
            textAnchor="end"
            dominantBaseline="middle"
            className={styles.axisText}
          >
            {fmt.money(v)}
          </text>
        </g>
      ))}
      {y.domain[0] < 0 && (
        <line
          x1={layout.left}
          x2={layout.right}
          y1={y(0)}
          y2={y(0)}
          stroke={c.zero}
          strokeWidth={1}
          data-testid="zero-line"
        />
      )}
      {showBand && hasBand && (
        <path
          d={bandPath(
            pts.map((p) => [
              x(p.time),
              p.upper === null ? null : y(p.upper),
              p.lower === null ? null : y(p.lower),
            ]),
            isolated,
          )}
          fill={c.band}
          stroke="none"
          data-testid="band"
        />
      )}
      {hasExpected && (
        <path
          d={linePath(
            pts.map((p) => [x(p.time), p.expected === null ? null : y(p.expected)]),
            isolated,
          )}
          fill="none"
          stroke={c.expected}
          strokeWidth={1.5}
          strokeDasharray="6 4"
          data-testid="expected"
        />
      )}
      {hasActual && (
        <path
          d={linePath(
            pts.map((p) => [x(p.time), p.actual === null ? null : y(p.actual)]),
            isolated,
          )}
          fill="none"
          stroke={c.actual}
          strokeWidth={2}
          strokeLinejoin="round"
          data-testid="actual"
        />
      )}
      {pts.map((p) => {
        if (p.actual === null || !visible(p.time)) return null;
        if (p.score !== null && p.score >= threshold) {
          return (
            <circle
              key={p.time}
              cx={x(p.time)}
              cy={y(p.actual)}
              r={3}
              fill={c.anomaly}
              data-testid="anomalous-point"
            />
          );
        }
        return showPoints ? (
          <circle key={p.time} cx={x(p.time)} cy={y(p.actual)} r={2} fill={c.actual} />
        ) : null;
      })}
      {deploys.map((d) =>
        visible(d.time) ? (
          <line
            key={d.id}
            x1={x(d.time)}
            x2={x(d.time)}
            y1={top}
            y2={height}
            stroke={c.deploy}
            strokeWidth={1}
            strokeDasharray="3 3"
          />
        ) : null,
      )}
      {hoverTime !== undefined && visible(hoverTime) && (
        <line x1={x(hoverTime)} x2={x(hoverTime)} y1={0} y2={height} stroke={c.crosshair} strokeWidth={1} />
      )}
    </svg>
  );
}
