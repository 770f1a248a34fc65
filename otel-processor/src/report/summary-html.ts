/**
 * `summary.html`: the report summary as one self-contained page: inline CSS, inline SVG charts, no script,
 * no external asset (a Content-Security-Policy forbids loading any), every value from the data escaped
 * ({@link escapeHtml}).
 *
 * @packageDocumentation
 */
import { utcDay } from '@meterline/cost-model';
import { dailySpendSvg } from './chart-svg';
import { escapeHtml as h } from './escape';
import { isoInstant, moneyText } from './line-items';
import type { ReportSummary } from './summary';

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:60rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.over{color:#b00020;font-weight:bold}
.none{color:#777;font-style:italic}
figure{margin:0 0 1.5rem}`;

function table(
  header: { text: string; numeric?: boolean }[],
  rows: { html: string; numeric?: boolean }[][],
): string {
  const th = header.map((c) => `<th${c.numeric ? ' class="n"' : ''}>${h(c.text)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c) => `<td${c.numeric ? ' class="n"' : ''}>${c.html}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const num = (text: string): { html: string; numeric: true } => ({ html: h(text), numeric: true });
const txt = (text: string): { html: string } => ({ html: h(text) });

/** Renders `summary.html`. */
export function summaryHtml(s: ReportSummary): string {
  const parts: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Meterline cost report ${h(s.period.label)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>Meterline cost report ${h(s.period.label)}</h1>`,
    `<p>Period: ${h(isoInstant(s.period.fromMs))} to ${h(isoInstant(s.period.toMs))} (UTC, end exclusive). ` +
      `Source: modelled telemetry cost (InfluxDB measurement <code>cost</code>), ${s.lineItemCount} line items in <code>line-items.csv</code>.</p>`,
    '<h2>Totals</h2>',
  ];
  parts.push(
    s.currencies.length === 0
      ? '<p>No cost in this period.</p>'
      : table(
          [{ text: 'Currency' }, { text: 'Total', numeric: true }, { text: 'Line items', numeric: true }],
          s.currencies.map((c) => [txt(c.currency), num(moneyText(c.totalNano)), num(String(c.lineItems))]),
        ),
  );
  parts.push(`<h2>Spend by ${h(s.by)}</h2>`);
  for (const c of s.currencies) {
    parts.push(
      table(
        [
          { text: s.by },
          { text: 'Amount', numeric: true },
          { text: 'Currency' },
          { text: 'Share', numeric: true },
        ],
        c.byDimension.map((d) => [
          d.value === '' ? { html: '<span class="none">(none)</span>' } : txt(d.value),
          num(moneyText(d.amountNano)),
          txt(c.currency),
          num(`${d.sharePercent}%`),
        ]),
      ),
    );
  }
  parts.push('<h2>Unknown attribution</h2>');
  parts.push(
    s.currencies.length === 0
      ? '<p>No cost in this period.</p>'
      : table(
          [
            { text: 'Currency' },
            { text: 'Unknown', numeric: true },
            { text: 'Total', numeric: true },
            { text: 'Share', numeric: true },
            { text: 'Target < 5%' },
          ],
          s.currencies.map((c) => [
            txt(c.currency),
            num(moneyText(c.unknownNano)),
            num(moneyText(c.totalNano)),
            num(`${c.unknownPercent}%`),
            Number(c.unknownPercent) < 5 ? txt('met') : { html: '<span class="over">missed</span>' },
          ]),
        ),
  );
  parts.push('<h2>Budgets</h2>');
  const budgetRows = s.budgets.flatMap((b) =>
    b.windows.map((w) => [
      txt(b.name),
      txt(b.scope),
      txt(`${b.period} from ${isoInstant(w.fromMs)} (${b.timezone})`),
      num(w.spentNano === undefined ? '—' : moneyText(w.spentNano)),
      num(`${moneyText(w.amountNano)} ${b.currency}`),
      num(w.usedPercent === undefined ? '—' : `${w.usedPercent}%`),
      w.status === 'over'
        ? { html: '<span class="over">over</span>' }
        : w.status === 'under'
          ? txt('under')
          : txt(`unknown: ${w.error ?? ''}`),
    ]),
  );
  if (budgetRows.length === 0) parts.push('<p>No budgets configured.</p>');
  else {
    parts.push(
      table(
        [
          { text: 'Budget' },
          { text: 'Scope' },
          { text: 'Period' },
          { text: 'Spent', numeric: true },
          { text: 'Amount', numeric: true },
          { text: 'Used', numeric: true },
          { text: 'Status' },
        ],
        budgetRows,
      ),
    );
    const notes = s.budgets.flatMap((b) =>
      b.windows.flatMap((w) =>
        w.conversions.map((c) => `<li>${h(b.name)} from ${h(isoInstant(w.fromMs))}: ${h(c)}</li>`),
      ),
    );
    if (notes.length > 0)
      parts.push(
        `<p>Converted with the catalog exchange rates at the period start:</p>\n<ul>\n${notes.join('\n')}\n</ul>`,
      );
  }
  parts.push('<h2>Reconciliation</h2>', reconcileHtml(s));
  parts.push('<h2>Daily spend</h2>');
  if (s.currencies.length === 0) parts.push('<p>No cost in this period.</p>');
  for (const c of s.currencies) {
    const title = `Daily spend, ${s.period.label}, ${c.currency}`;
    parts.push(
      `<figure>\n${dailySpendSvg(c.daily, c.currency, title)}\n<figcaption>${h(title)}; first day ${h(utcDay(s.period.fromMs))}.</figcaption>\n</figure>`,
    );
  }
  parts.push('</body>', '</html>', '');
  return parts.join('\n');
}

function reconcileHtml(s: ReportSummary): string {
  const r = s.reconcile;
  const basis = `<p>Provider bills (<code>provider_cost</code>, charges: ${h(r.charges.join(', '))}) vs modelled cost, per UTC day; threshold ${h(r.thresholdPercent)}%.</p>`;
  switch (r.state) {
    case 'error':
      return `${basis}\n<p>Status: <span class="over">not computed</span>: ${h(r.error ?? '')}</p>`;
    case 'no provider data':
      return `${basis}\n<p>Status: no provider data for this period.</p>`;
    case 'ok':
      return `${basis}\n<p>Status: ok: all ${r.rows} rows within the threshold; worst drift ${h(r.worst ?? '—')}.</p>`;
    case 'exceeded':
      return (
        `${basis}\n<p>Status: <span class="over">over the threshold</span> on ${r.daysOver.length} day${r.daysOver.length === 1 ? '' : 's'} ` +
        `(${h(r.daysOver.join(', '))}); worst drift ${h(r.worst ?? '—')}.</p>`
      );
  }
}
