/**
 * Styles and colours of the anomaly panel, from the theme only (light and dark follow Grafana's theme):
 * used through `useStyles2(getStyles)`, which memoises them per theme.
 *
 * @packageDocumentation
 */
import { css } from '@emotion/css';
import { colorManipulator, type GrafanaTheme2 } from '@grafana/data';

/** Colours the SVG parts draw with (SVG attributes, not classes: they also end up in screenshots). */
export interface AnomalyColors {
  actual: string;
  expected: string;
  band: string;
  anomaly: string;
  episode: string;
  deploy: string;
  grid: string;
  zero: string;
  text: string;
  crosshair: string;
}

export function getColors(theme: GrafanaTheme2): AnomalyColors {
  return {
    actual: theme.visualization.getColorByName('blue'),
    expected: theme.colors.text.secondary,
    band: colorManipulator.alpha(theme.colors.text.primary, theme.isDark ? 0.12 : 0.09),
    anomaly: theme.colors.error.main,
    episode: colorManipulator.alpha(theme.colors.error.main, 0.12),
    deploy: theme.visualization.getColorByName('purple'),
    grid: theme.colors.border.weak,
    zero: theme.colors.border.strong,
    text: theme.colors.text.secondary,
    crosshair: theme.colors.text.disabled,
  };
}

export const getStyles = (theme: GrafanaTheme2) => ({
  colors: getColors(theme),
  root: css({
    position: 'relative',
    display: 'flex',
    flexDirection: 'column',
    overflow: 'hidden',
    color: theme.colors.text.primary,
    fontFamily: theme.typography.fontFamily,
  }),
  header: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    minWidth: 0,
    padding: theme.spacing(0, 1),
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  title: css({
    fontWeight: theme.typography.fontWeightMedium,
    color: theme.colors.text.primary,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  legend: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5) }),
  swatch: css({ display: 'inline-block', width: 12, height: 8, borderRadius: 1 }),
  note: css({ overflow: 'hidden', textOverflow: 'ellipsis' }),
  svg: css({ display: 'block', overflow: 'visible', userSelect: 'none' }),
  axisText: css({ fontSize: 10, fill: theme.colors.text.secondary, fontFamily: theme.typography.fontFamily }),
  message: css({ fontSize: 11, fill: theme.colors.text.secondary, fontFamily: theme.typography.fontFamily }),
  lane: css({ position: 'relative', flex: 'none' }),
  marker: css({
    position: 'absolute',
    top: 1,
    width: 16,
    height: 16,
    padding: 0,
    border: 'none',
    background: 'transparent',
    cursor: 'pointer',
    borderRadius: theme.shape.radius.default,
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    '&:focus-visible': {
      outline: `2px solid ${theme.colors.primary.main}`,
      outlineOffset: 1,
    },
    '&:hover': { transform: 'scale(1.15)' },
  }),
  cellOver: css({ stroke: theme.colors.text.primary, strokeWidth: 1 }),
  tooltip: css({
    zIndex: theme.zIndex.tooltip,
    pointerEvents: 'none',
    maxWidth: 320,
    padding: theme.spacing(0.75, 1),
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.elevated,
    border: `1px solid ${theme.colors.border.weak}`,
    boxShadow: theme.shadows.z2,
    color: theme.colors.text.primary,
    fontSize: theme.typography.bodySmall.fontSize,
    lineHeight: theme.typography.bodySmall.lineHeight,
  }),
  tooltipTitle: css({ fontWeight: theme.typography.fontWeightMedium, marginBottom: theme.spacing(0.25) }),
  tooltipRow: css({ display: 'flex', justifyContent: 'space-between', gap: theme.spacing(2) }),
  tooltipLabel: css({ color: theme.colors.text.secondary }),
  tooltipAlert: css({ color: theme.colors.error.text }),
  menuEmpty: css({ fontSize: theme.typography.bodySmall.fontSize }),
});

export type AnomalyStyles = ReturnType<typeof getStyles>;
