/**
 * The `cost_signal` points of a reconciliation (ARCHITECTURE.md, "InfluxDB data contract"):
 *
 * | time | tags | fields |
 * |---|---|---|
 * | start of the UTC day | `signal=drift_ratio`, `window=1d`, `provider`, `account`, `team` (team rows only), `currency` | `value` (float ratio; absent on a `no bill` row), `billed_nano`, `modelled_nano` (int, in `currency`), `no_bill` (bool) |
 *
 * A point depends only on its row, and its series and timestamp only on the day and the row's labels, so
 * re-running a reconciliation over the same data rewrites the same points in place (idempotent). `no_bill`
 * is always written, so a re-run after the bill arrived overwrites it with `false`.
 *
 * @packageDocumentation
 */
import type { DriftRow } from '@meterline/cost-model';
import { encodeLine, int, sanitizeTagValue } from '../influx/line-protocol';

/** `signal` tag value of drift points. */
export const DRIFT_SIGNAL = 'drift_ratio';
/** `window` tag value of drift points: one UTC day. */
export const DRIFT_WINDOW = '1d';

/** Encodes one `cost_signal` point per row (millisecond precision, the store's default). */
export function driftSignalLines(rows: readonly DriftRow[]): string[] {
  return rows.map((row) =>
    encodeLine({
      measurement: 'cost_signal',
      // Provider, account and team come from export files and tags: map what line protocol cannot carry.
      tags: {
        signal: DRIFT_SIGNAL,
        window: DRIFT_WINDOW,
        provider: sanitizeTagValue(row.provider),
        account: sanitizeTagValue(row.account),
        team: row.team === '' ? undefined : sanitizeTagValue(row.team),
        currency: row.currency === '' ? undefined : sanitizeTagValue(row.currency),
      },
      fields: {
        value: row.ratio === null ? undefined : row.ratio.toNumber(),
        billed_nano: int(row.billedNano),
        modelled_nano: int(row.modelledNano),
        no_bill: row.status === 'no bill',
      },
      time: row.dayMs,
    }),
  );
}
