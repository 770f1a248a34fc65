/**
 * The anomaly score as a heat strip under the spend: one cell per scored bucket, coloured on Grafana's
 * green–yellow–red continuous scheme from the theme's visualization palette (so light and dark themes get
 * their own shades), cells at or above the threshold outlined. Each cell has an aria-label and a native
 * tooltip (`<title>`) with its time and score.
 */
import { useMemo, type MouseEvent } from 'react';
import { FieldColorModeId, FieldType, fieldColorModeRegistry, type GrafanaTheme2 } from '@grafana/data';
import type { SpendPoint } from '../../model';
import type { Formatters } from './format';
import type { Scale } from './geometry';
import type { AnomalyStyles } from './styles';

export interface ScoreStripProps {
  points: readonly SpendPoint[];
  stepMs: number;
  width: number;
  height: number;
  x: Scale;
  threshold: number;
  theme: GrafanaTheme2;
  fmt: Formatters;
  styles: AnomalyStyles;
  onHover(px: number | undefined): void;
}

/** The colour of a score in [0, 1] on the theme's continuous green–yellow–red scheme. */
export function scoreColor(theme: GrafanaTheme2): (score: number) => string {
  const mode = fieldColorModeRegistry.get(FieldColorModeId.ContinuousGrYlRd);
  // The continuous schemes colour by percent only; the field is needed by the signature, not read.
  const calc = mode.getCalculator({ name: 'score', type: FieldType.number, config: {}, values: [] }, theme);
  return (score) => calc(score, Math.min(1, Math.max(0, score)));
}

export function ScoreStrip(props: ScoreStripProps) {
  const { points, stepMs, width, height, x, threshold, theme, fmt, styles } = props;
  const color = useMemo(() => scoreColor(theme), [theme]);
  const onMove = (e: MouseEvent<SVGSVGElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    props.onHover(e.clientX - rect.left);
  };
  const [d0, d1] = x.domain;
  return (
    <svg
      width={width}
      height={height}
      className={styles.svg}
      role="group"
      aria-label={`Anomaly score per bucket, threshold ${fmt.score(threshold)}`}
      onMouseMove={onMove}
      onMouseLeave={() => props.onHover(undefined)}
    >
      {points.map((p) => {
        if (p.score === null || p.time + stepMs <= d0 || p.time > d1) return null;
        const x0 = x(Math.max(p.time, d0));
        const x1 = x(Math.min(p.time + stepMs, d1));
        const over = p.score >= threshold;
        const text = `${fmt.time(p.time)}: score ${fmt.score(p.score)}${over ? ', at or above the threshold' : ''}`;
        return (
          <rect
            key={p.time}
            x={x0}
            y={over ? 0.5 : 1}
            width={Math.max(1, x1 - x0 - (x1 - x0 > 3 ? 1 : 0))}
            height={Math.max(1, height - (over ? 1 : 2))}
            fill={color(p.score)}
            className={over ? styles.cellOver : undefined}
            role="img"
            aria-label={text}
            data-over={over ? 'true' : 'false'}
            data-score={p.score}
          >
            <title>{text}</title>
          </rect>
        );
      })}
    </svg>
  );
}
