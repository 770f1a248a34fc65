/**
 * Anomaly events and deploys as `<button>`s on the time axis, in a lane between the chart and the score
 * strip. A click, Enter or Space opens the marker's context menu ({@link MarkerMenu}); Escape closes it and
 * puts focus back on the marker. Hover and focus show the tooltip (the button is described by it).
 */
import { useCallback, useRef, useState, type MouseEvent } from 'react';
import { versionChange, type AnomalyMarker, type DeployMarker } from '../../model';
import type { Formatters } from './format';
import type { Scale } from './geometry';
import { MarkerMenu, type MenuSection } from './MarkerMenu';
import type { AnomalyStyles } from './styles';

export type Marker = AnomalyMarker | DeployMarker;

export interface MarkersProps {
  anomalies: readonly AnomalyMarker[];
  deploys: readonly DeployMarker[];
  x: Scale;
  width: number;
  height: number;
  fmt: Formatters;
  styles: AnomalyStyles;
  /** Id of the tooltip element, for `aria-describedby` of the marker it describes. */
  tooltipId: string;
  /** The marker the tooltip currently describes. */
  describedId?: string;
  /** Pointer or focus on a marker at panel x `px` (undefined: left it). */
  onHover(marker: Marker | undefined, px?: number): void;
  /** The menu of a marker. */
  sectionsFor(marker: Marker): MenuSection[];
}

/** `Anomaly at 10:35, score 0.99, 3 traces` / `Deploy checkout 1.0.0 → 1.1.0 at 10:15`. */
export function markerLabel(m: Marker, fmt: Formatters): string {
  if (m.kind === 'deploy') {
    const what = [m.service, versionChange(m)].filter((s) => s !== '').join(' ');
    return `Deploy ${what === '' ? m.title : what} at ${fmt.time(m.time)}`;
  }
  const n = m.traceIds.length;
  const score = m.score === null ? '' : `, score ${fmt.score(m.score)}`;
  return `Anomaly at ${fmt.time(m.time)}${score}, ${n === 0 ? 'no' : n} trace${n === 1 ? '' : 's'}`;
}

const SIZE = 16;

function AnomalyIcon({ color }: { color: string }) {
  return (
    <svg width={SIZE} height={SIZE} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d="M8 1.5 15 14.5H1Z" fill={color} />
      <path d="M8 6v4.2M8 12v.6" stroke="#fff" strokeWidth={1.6} strokeLinecap="round" />
    </svg>
  );
}

function DeployIcon({ color }: { color: string }) {
  return (
    <svg width={SIZE} height={SIZE} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <rect x={1.5} y={1.5} width={13} height={13} rx={3} fill={color} />
      <path
        d="M8 12V4.5M5 7.3 8 4.3l3 3"
        fill="none"
        stroke="#fff"
        strokeWidth={1.6}
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

interface OpenMenu {
  marker: Marker;
  x: number;
  y: number;
}

export function Markers(props: MarkersProps) {
  const { anomalies, deploys, x, width, height, fmt, styles, tooltipId, describedId, onHover, sectionsFor } =
    props;
  const [open, setOpen] = useState<OpenMenu | undefined>();
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const c = styles.colors;

  // The open menu is also kept in a ref: closing must know which marker to refocus, and Escape can reach
  // both our listener and the menu's own handler in the same event.
  const openRef = useRef<OpenMenu | undefined>(undefined);
  const onClose = useCallback((reason: 'escape' | 'other') => {
    const current = openRef.current;
    openRef.current = undefined;
    setOpen(undefined);
    if (current !== undefined && reason === 'escape') buttons.current.get(current.marker.id)?.focus();
  }, []);

  const openMenu = (marker: Marker, e: MouseEvent<HTMLButtonElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    onHover(undefined);
    openRef.current = { marker, x: rect.left + rect.width / 2, y: rect.bottom };
    setOpen(openRef.current);
  };

  const [d0, d1] = x.domain;
  // Left to right, so Tab moves along the time axis.
  const shown: Marker[] = [...deploys, ...anomalies]
    .filter((m) => m.time >= d0 && m.time <= d1)
    .sort((a, b) => a.time - b.time);
  return (
    <div className={styles.lane} style={{ width, height }}>
      {shown.map((m) => {
        const px = x(m.time);
        const left = Math.min(Math.max(0, px - SIZE / 2), width - SIZE);
        const isOpen = open?.marker.id === m.id;
        return (
          <button
            key={m.id}
            ref={(el) => {
              if (el) buttons.current.set(m.id, el);
              else buttons.current.delete(m.id);
            }}
            type="button"
            className={styles.marker}
            // An anomaly stays on top of a deploy drawn at the same place.
            style={{ left, zIndex: m.kind === 'anomaly' ? 2 : 1 }}
            aria-label={markerLabel(m, fmt)}
            aria-haspopup="menu"
            aria-expanded={isOpen}
            aria-describedby={describedId === m.id ? tooltipId : undefined}
            data-kind={m.kind}
            onClick={(e) => openMenu(m, e)}
            onMouseEnter={() => !open && onHover(m, px)}
            onMouseLeave={() => onHover(undefined)}
            onFocus={() => !open && onHover(m, px)}
            onBlur={() => onHover(undefined)}
          >
            {m.kind === 'anomaly' ? <AnomalyIcon color={c.anomaly} /> : <DeployIcon color={c.deploy} />}
          </button>
        );
      })}
      {open !== undefined && (
        <MarkerMenu sections={sectionsFor(open.marker)} x={open.x} y={open.y} onClose={onClose} />
      )}
    </div>
  );
}
