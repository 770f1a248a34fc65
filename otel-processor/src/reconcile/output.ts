/**
 * What `meterline reconcile` prints: an aligned table for people, or JSON for machines. Pure functions of
 * the {@link DriftReport}; amounts are exact decimal text from nano-units.
 *
 * @packageDocumentation
 */
import { driftPercent, fromNano, utcDay, type DriftReport, type DriftRow } from '@meterline/cost-model';
import type { TimeRange } from './query';

/** Exact decimal text of nano-units with all nine places, so amounts line up. */
export function nanoText(nano: bigint): string {
  return fromNano(nano).toFixed(9);
}

/**
 * Text safe to print on a terminal: C0/C1 control characters (ANSI escape sequences, carriage returns) in
 * values read from InfluxDB are shown as `\xNN` / `\uNNNN` instead of being interpreted.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

function ratioText(row: DriftRow): string {
  return row.ratio === null ? '—' : driftPercent(row.ratio);
}

/** `AWS/012345678901`, or `*` for all accounts. */
function accountText(row: { provider: string; account: string }): string {
  return row.provider === '*' && row.account === '*' ? '*' : `${row.provider}/${row.account}`;
}

/** Left-aligned columns except the `numeric` ones (right-aligned), two spaces apart. */
export function alignTable(rows: readonly string[][], numeric: readonly number[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => {
          const pad = ' '.repeat(widths[i]! - [...cell].length);
          return numeric.includes(i) ? pad + cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The human-readable reconciliation: header, one line per row, notes, verdict. */
export function formatDriftTable(report: DriftReport, range: TimeRange): string {
  const lastDay = utcDay(range.toMs - 86_400_000);
  const out: string[] = [
    `Reconciliation ${utcDay(range.fromMs)} … ${lastDay} (UTC days): provider_cost.billed_nano (charges: ${report.charges.join(', ')}) vs cost.amount_nano; threshold ${driftPercent(report.threshold)}%`,
    '',
  ];
  if (report.rows.length === 0) {
    out.push('No provider bills and no modelled cost in this range.');
  } else {
    const table: string[][] = [
      ['day', 'provider/account', 'team', 'billed', 'modelled', 'drift %', 'status'],
    ];
    for (const r of report.rows) {
      table.push([
        utcDay(r.dayMs),
        printable(accountText(r)),
        printable(r.team),
        `${nanoText(r.billedNano)} ${printable(r.currency)}`,
        `${nanoText(r.modelledNano)} ${printable(r.currency)}`,
        ratioText(r),
        r.status,
      ]);
    }
    out.push(alignTable(table, [3, 4, 5]));
  }
  const notes: string[] = [];
  for (const r of report.rows) {
    for (const c of r.conversions) {
      notes.push(
        `${utcDay(r.dayMs)} ${printable(accountText(r))}${r.team ? ` team ${printable(r.team)}` : ''}: ${c.side} ${nanoText(c.amountNano)} ${printable(c.from)} converted to ${nanoText(c.convertedNano)} ${printable(c.to)} at ${c.rate.toSignificantDigits(12).toString()} (catalog exchange rates at the day start)`,
      );
    }
  }
  for (const e of report.excludedBilled) {
    notes.push(
      `not compared: ${printable(e.charge || '(no charge tag)')} charges of ${nanoText(e.billedNano)} ${printable(e.currency)} (reconcile.charges: ${report.charges.join(', ')})`,
    );
  }
  for (const u of report.unmatchedModelled) {
    notes.push(
      `${utcDay(u.dayMs)}: modelled ${nanoText(u.amountNano)} ${printable(u.currency)} matched no reconcile.accounts entry (not compared)`,
    );
  }
  for (const u of report.unmappedBilled) {
    notes.push(
      `${utcDay(u.dayMs)}: billed ${nanoText(u.billedNano)} ${printable(u.currency)} by ${printable(accountText(u))}, an account no reconcile.accounts entry names (not compared)`,
    );
  }
  if (!report.hasProviderData)
    notes.push('no provider data (provider_cost) for the compared charges in this range');
  if (notes.length > 0) out.push('', 'Notes:', ...notes.map((n) => `  ${n}`));
  out.push('', verdict(report), '');
  return out.join('\n');
}

/** One line: how many rows, how many over, the worst, and the exit status that follows. */
export function verdict(report: DriftReport): string {
  const n = report.rows.length;
  const over = report.rows.filter((r) => r.status !== 'ok').length;
  const threshold = `${driftPercent(report.threshold)}%`;
  if (!report.exceeded) return `OK: ${n} row${n === 1 ? '' : 's'} within the threshold of ${threshold}.`;
  const worst = report.worst!;
  const worstText =
    worst.ratio === null
      ? `no bill on ${utcDay(worst.dayMs)}`
      : `${driftPercent(worst.ratio)}% on ${utcDay(worst.dayMs)}`;
  return `DRIFT: ${over} of ${n} rows over the threshold of ${threshold} on ${report.daysOver.length} day${report.daysOver.length === 1 ? '' : 's'} (worst: ${printable(accountText(worst))}${worst.team ? ` team ${printable(worst.team)}` : ''}, ${worstText}).`;
}

/** The report as JSON-ready data: amounts as exact decimal strings and nano-unit integer strings. */
export function driftJson(report: DriftReport, range: TimeRange): unknown {
  return {
    from: utcDay(range.fromMs),
    to: utcDay(range.toMs - 86_400_000),
    threshold: report.threshold.toString(),
    charges: report.charges,
    exceeded: report.exceeded,
    hasProviderData: report.hasProviderData,
    daysOver: report.daysOver.map(utcDay),
    rows: report.rows.map((r) => ({
      day: utcDay(r.dayMs),
      provider: r.provider,
      account: r.account,
      ...(r.team ? { team: r.team } : {}),
      currency: r.currency,
      billed: nanoText(r.billedNano),
      billedNano: r.billedNano.toString(),
      modelled: nanoText(r.modelledNano),
      modelledNano: r.modelledNano.toString(),
      driftRatio: r.ratio === null ? null : r.ratio.toString(),
      driftPercent: r.ratio === null ? null : driftPercent(r.ratio),
      status: r.status,
      conversions: r.conversions.map((c) => ({
        side: c.side,
        from: c.from,
        to: c.to,
        rate: c.rate.toString(),
        amount: nanoText(c.amountNano),
        converted: nanoText(c.convertedNano),
      })),
    })),
    excludedBilled: report.excludedBilled.map((e) => ({
      charge: e.charge,
      currency: e.currency,
      billed: nanoText(e.billedNano),
    })),
    unmatchedModelled: report.unmatchedModelled.map((u) => ({
      day: utcDay(u.dayMs),
      currency: u.currency,
      amount: nanoText(u.amountNano),
    })),
    unmappedBilled: report.unmappedBilled.map((u) => ({
      day: utcDay(u.dayMs),
      provider: u.provider,
      account: u.account,
      currency: u.currency,
      billed: nanoText(u.billedNano),
    })),
  };
}
