/**
 * The daily spend chart of `summary.html`: an inline SVG with one bar per day of the period, day-of-month
 * labels under the bars and amount labels on the y axis. Deterministic markup: geometry is computed with
 * exact decimals and printed with two places, so the same data always gives the same bytes.
 *
 * @packageDocumentation
 */
import { D, formatAmount, fromNano, utcDay } from '@meterline/cost-model';
import { escapeHtml } from './escape';
import { moneyText } from './line-items';

const WIDTH = 760;
const HEIGHT = 260;
const LEFT = 96;
const RIGHT = 12;
const TOP = 16;
const BOTTOM = 36;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;

/** A coordinate with two places. */
function xy(value: InstanceType<typeof D> | number): string {
  return (typeof value === 'number' ? new D(value) : value).toFixed(2);
}

/** A short amount for an axis label: four significant digits, plain notation. */
function axisAmount(nano: bigint): string {
  return formatAmount(fromNano(nano).toSignificantDigits(4));
}

/**
 * Renders the chart.
 *
 * @param days every day of the period with its spend (ascending), as in the summary.
 * @param title accessible title, e.g. `Daily spend, 2026-03, USD` (escaped here).
 */
export function dailySpendSvg(
  days: readonly { dayMs: number; amountNano: bigint }[],
  currency: string,
  title: string,
): string {
  const max = days.reduce((m, d) => (d.amountNano > m ? d.amountNano : m), 0n);
  const scale = max > 0n ? new D(PLOT_H).div(max.toString()) : new D(0);
  const slot = new D(PLOT_W).div(Math.max(days.length, 1));
  const barWidth = slot.times(0.7);
  const baseline = TOP + PLOT_H;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(title)}" font-family="sans-serif" font-size="10">`,
    `<title>${escapeHtml(title)}</title>`,
    // y axis: 0, half and the largest day, with grid lines.
    ...[0n, max / 2n, max].map((nano, i) => {
      const y = new D(baseline).minus(scale.times(nano.toString()));
      const label = i === 0 ? '0' : axisAmount(nano);
      return (
        `<line x1="${LEFT}" y1="${xy(y)}" x2="${WIDTH - RIGHT}" y2="${xy(y)}" stroke="#ddd"/>` +
        `<text x="${LEFT - 6}" y="${xy(y.plus(3))}" text-anchor="end">${escapeHtml(label)} ${escapeHtml(currency)}</text>`
      );
    }),
    `<line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${baseline}" stroke="#888"/>`,
    `<line x1="${LEFT}" y1="${baseline}" x2="${WIDTH - RIGHT}" y2="${baseline}" stroke="#888"/>`,
  ];
  days.forEach((d, i) => {
    const positive = d.amountNano > 0n ? d.amountNano : 0n;
    const h = scale.times(positive.toString());
    const x = slot.times(i).plus(slot.minus(barWidth).div(2)).plus(LEFT);
    const day = utcDay(d.dayMs);
    out.push(
      `<rect x="${xy(x)}" y="${xy(new D(baseline).minus(h))}" width="${xy(barWidth)}" height="${xy(h)}" fill="#3274d9">` +
        `<title>${day}: ${moneyText(d.amountNano)} ${escapeHtml(currency)}</title></rect>`,
      `<text x="${xy(x.plus(barWidth.div(2)))}" y="${baseline + 14}" text-anchor="middle">${Number(day.slice(8))}</text>`,
    );
  });
  out.push(
    `<text x="${xy(LEFT + PLOT_W / 2)}" y="${HEIGHT - 4}" text-anchor="middle">day of month (UTC)</text>`,
    '</svg>',
  );
  return out.join('\n');
}
