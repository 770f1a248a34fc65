/**
 * The panel's tooltip: a small card next to the pointer or the focused marker, with rows of label and value
 * (the bucket's spend, expected value and band, score; an anomaly's score and traces; a deploy's versions).
 * Pointer-transparent, and the element the hovered marker's `aria-describedby` points to.
 *
 * Rendered in Grafana's portal with fixed positioning, like Grafana's own tooltips: in a 4×3 grid cell the
 * card is taller than the chart, and the panel clips what overflows it.
 */
import type { ReactNode } from 'react';
import { Portal } from '@grafana/ui';
import type { AnomalyStyles } from './styles';

/** One line of a tooltip. */
export interface TooltipRow {
  label: string;
  value: ReactNode;
  /** Shown in the error colour (a score at or above the threshold). */
  alert?: boolean;
}

export interface TooltipProps {
  id: string;
  title: string;
  rows: TooltipRow[];
  /** Where the panel is in the viewport (its bounding rectangle's left and top). */
  origin: { left: number; top: number };
  /** Anchor x in the panel (px); the card goes right of it, or left when it would not fit. */
  x: number;
  /** Where the card's top (or, with `anchor: 'bottom'`, its bottom) is in the panel (px). */
  y: number;
  /** `bottom`: the card ends at `y` (above the markers, leaving the chart's peaks visible). */
  anchor?: 'top' | 'bottom';
  styles: AnomalyStyles;
}

/** Width the card is assumed to take when deciding on which side of the anchor it goes. */
const ASSUMED_WIDTH = 240;
const GAP = 12;

export function Tooltip({ id, title, rows, origin, x, y, anchor = 'top', styles }: TooltipProps) {
  const ax = origin.left + x;
  const ay = origin.top + y;
  const right = ax + GAP + ASSUMED_WIDTH <= window.innerWidth;
  const horizontal = right ? { left: ax + GAP } : { right: Math.max(0, window.innerWidth - ax + GAP) };
  const vertical = anchor === 'top' ? { top: ay } : { bottom: Math.max(0, window.innerHeight - ay) };
  return (
    <Portal>
      <div
        id={id}
        role="tooltip"
        className={styles.tooltip}
        style={{ position: 'fixed', ...vertical, ...horizontal }}
      >
        <div className={styles.tooltipTitle}>{title}</div>
        {rows.map((r, i) => (
          <div key={`${i}-${r.label}`} className={styles.tooltipRow}>
            <span className={styles.tooltipLabel}>{r.label}</span>
            <span className={r.alert ? styles.tooltipAlert : undefined}>{r.value}</span>
          </div>
        ))}
      </div>
    </Portal>
  );
}
