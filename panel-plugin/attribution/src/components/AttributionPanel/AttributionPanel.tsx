/**
 * The panel: the unknown-attribution ratio as a big number against the target, its trend, and the top
 * unattributed sources linking to a filtered dashboard — or, when the frames cannot give any of that, what
 * is missing (no data, or which fields and which query).
 */
import { useMemo } from 'react';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { PanelProblem, checkFrames, formatField } from '@meterline/panel-shared';
import { rowHref, rowValues } from '../../links';
import {
  buildModel,
  REQUIREMENTS,
  type CurrencyRatio,
  type SourceRow,
  type SourcesTable as SourcesModel,
} from '../../model';
import { normalizeOptions, type AttributionOptions } from '../../types';
import { RatioStat, type OtherRatio } from '../RatioStat/RatioStat';
import { Sparkline } from '../Sparkline/Sparkline';
import { SourcesTable } from '../SourcesTable/SourcesTable';
import { layoutFor } from './layout';
import { getStyles } from './styles';

/** Props Grafana passes to the panel. */
export type AttributionPanelProps = PanelProps<AttributionOptions>;

/** Where the panel tells users to look when its frames are wrong. */
export const QUERY_HINT =
  'an "Unknown attribution" query of the Meterline Cost data source (the ratio over time, the top sources, or both)';

/** No value to show. */
const NONE = '—';

/** The target as typed, with a percent sign: 5 → `5%`, 2.5 → `2.5%`. */
export function targetText(percent: number): string {
  return `${Number(percent.toFixed(2))}%`;
}

function ratioText(r: CurrencyRatio, theme: GrafanaTheme2): string {
  return r.latest === undefined ? NONE : formatField(r.field, r.latest, theme);
}

/** The amount of a row: the field's money format, plus the currency code when currencies are mixed. */
function amountText(table: SourcesModel, row: SourceRow, theme: GrafanaTheme2): string {
  if (row.amount === null) return NONE;
  const text = formatField(table.amountField, row.amount, theme);
  // With several currencies the data source gives the amount no currency unit: say which one it is.
  const unit = table.amountField.config.unit;
  return table.multiCurrency && row.currency !== '' && (unit === undefined || unit === '')
    ? `${text} ${row.currency}`
    : text;
}

function shareText(table: SourcesModel, row: SourceRow, theme: GrafanaTheme2): string {
  if (row.share === null) return NONE;
  if (table.shareField !== undefined) return formatField(table.shareField, row.share, theme);
  return `${(row.share * 100).toFixed(1)}%`;
}

/** The panel component. */
export function AttributionPanel(props: AttributionPanelProps) {
  const { data, width, height, replaceVariables, timeRange } = props;
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const options = useMemo(() => normalizeOptions(props.options), [props.options]);
  const check = useMemo(() => checkFrames(data.series, REQUIREMENTS), [data.series]);
  const model = useMemo(
    () => (check.state === 'ok' ? buildModel(data.series, options) : undefined),
    [check.state, data.series, options],
  );
  if (check.state !== 'ok') return <PanelProblem check={check} queryHint={QUERY_HINT} />;
  if (model === undefined) return null; // not reached: the model exists whenever the check is ok

  const { primary, sources } = model;
  const others = model.ratios.filter((r) => r !== primary);
  const layout = layoutFor({
    width,
    height,
    hasRatio: primary !== undefined,
    hasTable: sources !== undefined,
    sparkline: options.showSparkline && (primary?.points.length ?? 0) >= 2,
    others: others.length > 0,
  });
  const target = targetText(options.targetPercent);

  let stat = null;
  if (primary !== undefined) {
    const value = ratioText(primary, theme);
    const points = primary.points;
    const first = points[0];
    const last = points[points.length - 1];
    const trendLabel =
      first !== undefined && last !== undefined
        ? `Trend of unknown attribution over the time range: from ${formatField(primary.field, first.value, theme)} to ${formatField(primary.field, last.value, theme)}; target ${target}`
        : '';
    const otherRatios: OtherRatio[] = layout.showOthers
      ? others.map((r) => ({ currency: r.currency, text: ratioText(r, theme), status: r.status }))
      : [];
    stat = (
      <div
        className={styles.statColumn}
        style={{ width: layout.table === 'side' ? layout.statWidth : undefined }}
      >
        <RatioStat
          valueText={value}
          status={primary.status}
          targetText={target}
          currency={model.ratios.length > 1 ? primary.currency || '(no currency)' : undefined}
          others={otherRatios}
          fontSize={layout.fontSize}
        />
        {layout.sparkHeight > 0 && (
          <div className={styles.spark}>
            <Sparkline
              points={points}
              target={model.target}
              status={primary.status}
              width={layout.statWidth}
              height={layout.sparkHeight}
              label={trendLabel}
            />
          </div>
        )}
      </div>
    );
  }

  let table = null;
  if (sources !== undefined && layout.table !== 'none') {
    const linkCtx = { replaceVariables, timeRange };
    const hrefOf = options.linkRows
      ? (row: SourceRow) => rowHref(options.linkTemplate, rowValues(row), linkCtx)
      : undefined;
    table =
      sources.rows.length === 0 ? (
        <p className={styles.empty}>No unattributed spend in this time range.</p>
      ) : (
        <SourcesTable
          table={sources}
          width={layout.tableWidth}
          amountText={(row) => amountText(sources, row, theme)}
          shareText={(row) => shareText(sources, row, theme)}
          hrefOf={hrefOf}
          showSku={layout.showSku}
          showResource={layout.showResource}
        />
      );
    // Without links nothing in a scrolling table takes focus: make the area itself a tab stop, so keyboard
    // users can scroll it too.
    table = options.linkRows ? (
      <div className={styles.tableArea}>{table}</div>
    ) : (
      <div className={styles.tableArea} tabIndex={0} role="region" aria-label="Top unattributed sources">
        {table}
      </div>
    );
  }

  return (
    <div
      className={layout.table === 'side' ? styles.side : styles.stacked}
      style={{ width, height }}
      data-testid="attribution-panel"
      data-layout={layout.table}
    >
      {stat}
      {table}
    </div>
  );
}
