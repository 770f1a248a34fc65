import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import type { AlertState } from '../../budgets';
import { levelColor } from '../levels';

const solid = (theme: GrafanaTheme2, state: AlertState) => {
  const c = levelColor(theme, state);
  return css({ background: c.main, color: c.contrastText, borderColor: c.main });
};

/** Styles of the state word; one class per state. */
export const getStyles = (theme: GrafanaTheme2) => ({
  badge: css({
    display: 'inline-block',
    flexShrink: 0,
    minWidth: theme.spacing(6),
    padding: theme.spacing(0, 0.75),
    border: '1px solid transparent',
    borderRadius: theme.shape.radius.default,
    ...theme.typography.bodySmall,
    lineHeight: '20px',
    fontWeight: theme.typography.fontWeightBold,
    textAlign: 'center',
    textTransform: 'uppercase',
  }),
  page: solid(theme, 'page'),
  ticket: solid(theme, 'ticket'),
  ok: (() => {
    const c = levelColor(theme, 'ok');
    return css({ background: c.transparent, color: c.text, borderColor: c.border });
  })(),
  unknown: css({ color: theme.colors.text.secondary, borderColor: theme.colors.border.medium }),
});
