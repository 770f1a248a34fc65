/**
 * The top unattributed sources: where the unknown spend comes from, costliest first, each row a link to a
 * dashboard filtered to it. A real `<table>` (caption, column headers, the service as row header) so screen
 * readers can navigate it; the links are ordinary anchors, reachable with Tab.
 */
import { useStyles2 } from '@grafana/ui';
import type { SourceRow, SourcesTable as SourcesTableModel } from '../../model';
import { getStyles } from './styles';

/** The caption: what the table is, and how much of it is shown when it is cut to the top N. */
export function captionText(table: Pick<SourcesTableModel, 'rows' | 'total'>): string {
  const shown = table.rows.length;
  return table.total > shown
    ? `Top unattributed sources (top ${shown} of ${table.total})`
    : 'Top unattributed sources';
}

/** Column widths in pixels, in column order (service, [SKU], [resource], amount, share). */
export function columnWidths(width: number, showSku: boolean, showResource: boolean): number[] {
  // The numbers always fit ("-1.23K GBP credit", "100.0%"); the text columns share the rest and cut their
  // text with an ellipsis (the full text stays in the DOM for screen readers, and in the title).
  const amount = 128;
  const share = 64;
  const rest = Math.max(0, width - amount - share);
  const split =
    showSku && showResource ? [0.4, 0.25, 0.35] : showSku ? [0.6, 0.4] : showResource ? [0.55, 0.45] : [1];
  return [...split.map((f) => Math.floor(rest * f)), amount, share];
}

/** Props of {@link SourcesTable}. */
export interface SourcesTableProps {
  table: SourcesTableModel;
  /** Width available to the table in pixels (columns are sized from it; the table fills its box). */
  width: number;
  /** The amount of a row as text (money, formatted with the amount field's config). */
  amountText: (row: SourceRow) => string;
  /** The share of a row as text (`12.3%`), `—` when it has none. */
  shareText: (row: SourceRow) => string;
  /** The link of a row, if rows link anywhere. */
  hrefOf?: (row: SourceRow) => string | undefined;
  /** Narrow panels drop the SKU and resource columns (the link still filters by them). */
  showSku: boolean;
  showResource: boolean;
}

/** What a link does, for its title and accessible description. */
export function linkTitle(row: SourceRow): string {
  const parts = [`service ${row.service || '(none)'}`];
  if (row.sku !== '') parts.push(`SKU ${row.sku}`);
  if (row.resource !== '') parts.push(row.resource);
  return `Open the dashboard filtered to ${parts.join(', ')}`;
}

/** The table of top unattributed sources. */
export function SourcesTable({
  table,
  width,
  amountText,
  shareText,
  hrefOf,
  showSku,
  showResource,
}: SourcesTableProps) {
  const styles = useStyles2(getStyles);
  // Room for a vertical scrollbar, should the rows not fit: the table then still has no horizontal one.
  const widths = columnWidths(width - 16, showSku, showResource);
  return (
    <table className={styles.table} data-testid="attribution-sources">
      <caption className={styles.caption}>{captionText(table)}</caption>
      <colgroup>
        {widths.map((w, i) => (
          <col key={i} style={{ width: w }} />
        ))}
      </colgroup>
      <thead>
        <tr>
          <th scope="col" className={styles.th}>
            Service
          </th>
          {showSku && (
            <th scope="col" className={styles.th}>
              SKU
            </th>
          )}
          {showResource && (
            <th scope="col" className={styles.th}>
              Resource
            </th>
          )}
          <th scope="col" className={styles.thNumber}>
            Amount
          </th>
          <th scope="col" className={styles.thNumber}>
            Share
          </th>
        </tr>
      </thead>
      <tbody>
        {table.rows.map((row) => {
          const href = hrefOf?.(row);
          const service = row.service === '' ? '(none)' : row.service;
          const credit = row.amount !== null && row.amount < 0;
          return (
            <tr key={row.key} className={styles.tr} data-testid="attribution-source-row">
              <th scope="row" className={styles.rowHeader} title={service}>
                {href !== undefined ? (
                  <a className={styles.link} href={href} title={linkTitle(row)}>
                    {service}
                  </a>
                ) : (
                  service
                )}
              </th>
              {showSku && (
                <td className={styles.td} title={row.sku}>
                  {row.sku}
                </td>
              )}
              {showResource && (
                <td className={styles.td} title={row.resource}>
                  {row.resource}
                  {row.source === 'export' ? <span className={styles.badge}> bill</span> : null}
                </td>
              )}
              <td className={styles.tdNumber}>
                {amountText(row)}
                {credit ? <span className={styles.badge}> credit</span> : null}
              </td>
              <td className={styles.tdNumber}>{shareText(row)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
