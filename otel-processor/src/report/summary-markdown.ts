/**
 * `summary.md`: the report summary as GitHub-flavoured Markdown tables. Every value from the data is
 * escaped ({@link escapeMarkdown}); amounts are exact decimal text.
 *
 * @packageDocumentation
 */
import { utcDay } from '@meterline/cost-model';
import { escapeMarkdown as md } from './escape';
import { isoInstant, moneyText } from './line-items';
import type { ReportSummary } from './summary';

function table(header: string[], align: ('l' | 'r')[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${align.map((a) => (a === 'r' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** `(none)` for an empty dimension value, else the escaped value. */
export function dimensionCell(value: string): string {
  return value === '' ? '_(none)_' : md(value);
}

/** Renders `summary.md`. */
export function summaryMarkdown(s: ReportSummary): string {
  const out: string[] = [
    `# Meterline cost report ${s.period.label}`,
    '',
    `Period: ${isoInstant(s.period.fromMs)} to ${isoInstant(s.period.toMs)} (UTC, end exclusive). ` +
      `Source: modelled telemetry cost (InfluxDB measurement \`cost\`), ${s.lineItemCount} line items in \`line-items.csv\`.`,
    '',
    '## Totals',
    '',
  ];
  if (s.currencies.length === 0) out.push('No cost in this period.');
  else
    out.push(
      ...table(
        ['Currency', 'Total', 'Line items'],
        ['l', 'r', 'r'],
        s.currencies.map((c) => [md(c.currency), moneyText(c.totalNano), String(c.lineItems)]),
      ),
    );
  out.push('', `## Spend by ${s.by}`, '');
  for (const c of s.currencies) {
    out.push(
      ...table(
        [s.by, 'Amount', 'Currency', 'Share'],
        ['l', 'r', 'l', 'r'],
        c.byDimension.map((d) => [
          dimensionCell(d.value),
          moneyText(d.amountNano),
          md(c.currency),
          `${d.sharePercent}%`,
        ]),
      ),
      '',
    );
  }
  out.push('## Unknown attribution', '');
  if (s.currencies.length === 0) out.push('No cost in this period.', '');
  else
    out.push(
      ...table(
        ['Currency', 'Unknown', 'Total', 'Share', 'Target < 5%'],
        ['l', 'r', 'r', 'r', 'l'],
        s.currencies.map((c) => [
          md(c.currency),
          moneyText(c.unknownNano),
          moneyText(c.totalNano),
          `${c.unknownPercent}%`,
          Number(c.unknownPercent) < 5 ? 'met' : '**missed**',
        ]),
      ),
      '',
    );
  out.push('## Budgets', '');
  const budgetRows = s.budgets.flatMap((b) =>
    b.windows.map((w) => [
      md(b.name),
      md(b.scope),
      `${b.period} from ${isoInstant(w.fromMs)} (${md(b.timezone)})`,
      w.spentNano === undefined ? '—' : moneyText(w.spentNano),
      `${moneyText(w.amountNano)} ${md(b.currency)}`,
      w.usedPercent === undefined ? '—' : `${w.usedPercent}%`,
      w.status === 'over' ? '**over**' : w.status === 'under' ? 'under' : `unknown: ${md(w.error ?? '')}`,
    ]),
  );
  if (budgetRows.length === 0) out.push('No budgets configured.', '');
  else {
    out.push(
      ...table(
        ['Budget', 'Scope', 'Period', 'Spent', 'Amount', 'Used', 'Status'],
        ['l', 'l', 'l', 'r', 'r', 'r', 'l'],
        budgetRows,
      ),
      '',
    );
    const notes = s.budgets.flatMap((b) =>
      b.windows.flatMap((w) =>
        w.conversions.map((c) => `- ${md(b.name)} from ${isoInstant(w.fromMs)}: ${md(c)}`),
      ),
    );
    if (notes.length > 0)
      out.push('Converted with the catalog exchange rates at the period start:', '', ...notes, '');
  }
  out.push('## Reconciliation', '', ...reconcileLines(s), '');
  out.push('## Daily spend', '', 'Chart: see `summary.html`.', '');
  for (const c of s.currencies) {
    out.push(
      ...table(
        ['Day', 'Amount', 'Currency'],
        ['l', 'r', 'l'],
        c.daily.map((d) => [utcDay(d.dayMs), moneyText(d.amountNano), md(c.currency)]),
      ),
      '',
    );
  }
  return out.join('\n');
}

function reconcileLines(s: ReportSummary): string[] {
  const r = s.reconcile;
  const basis = `Provider bills (\`provider_cost\`, charges: ${r.charges.map(md).join(', ')}) vs modelled cost, per UTC day; threshold ${r.thresholdPercent}%.`;
  switch (r.state) {
    case 'error':
      return [basis, '', `Status: **not computed**: ${md(r.error ?? '')}`];
    case 'no provider data':
      return [basis, '', 'Status: no provider data for this period.'];
    case 'ok':
      return [
        basis,
        '',
        `Status: ok: all ${r.rows} rows within the threshold; worst drift ${md(r.worst ?? '—')}.`,
      ];
    case 'exceeded':
      return [
        basis,
        '',
        `Status: **over the threshold** on ${r.daysOver.length} day${r.daysOver.length === 1 ? '' : 's'} ` +
          `(${r.daysOver.join(', ')}); worst drift ${md(r.worst ?? '—')}.`,
      ];
  }
}
