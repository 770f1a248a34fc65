import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { levelColor } from '../levels';
import type { BurnLevel } from '../../types';

const level = (theme: GrafanaTheme2, l: BurnLevel) => {
  const c = levelColor(theme, l);
  return css({ background: c.transparent, borderColor: c.border, color: c.text });
};

/** Styles of a burn-rate chip; one class per level. */
export const getStyles = (theme: GrafanaTheme2) => ({
  chip: css({
    display: 'inline-flex',
    alignItems: 'baseline',
    gap: theme.spacing(0.5),
    padding: theme.spacing(0, 0.625),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.pill,
    ...theme.typography.bodySmall,
    lineHeight: '20px',
    whiteSpace: 'nowrap',
    fontVariantNumeric: 'tabular-nums',
  }),
  compact: css({ padding: theme.spacing(0, 0.5), lineHeight: '18px' }),
  window: css({ color: theme.colors.text.secondary }),
  value: css({ fontWeight: theme.typography.fontWeightMedium }),
  word: css({ fontWeight: theme.typography.fontWeightBold, textTransform: 'uppercase', fontSize: '0.8em' }),
  ok: level(theme, 'ok'),
  ticket: level(theme, 'ticket'),
  page: level(theme, 'page'),
});
