/**
 * Line-protocol encoding of 100k `cost` points: Meterline's `encodeCostPoint` and generic `encodeLine`
 * against `Point` from `@influxdata/influxdb-client` (the official client) on the same rows.
 */
import { Point } from '@influxdata/influxdb-client';
import { encodeCostPoint, encodeLine, int, type CostPointRow } from '../otel-processor/src/influx';

const N = 100_000;

function makeRows(n: number): CostPointRow[] {
  const teams = ['payments', 'search', 'checkout team', 'ml,platform', 'data=eng'];
  const skus = ['compute.gb_s', 'requests', 'egress.gb', 'storage.gb_h'];
  const rows: CostPointRow[] = [];
  const t0 = Date.UTC(2025, 0, 1);
  for (let i = 0; i < n; i++) {
    rows.push({
      tags: {
        source: 'telemetry',
        tenant: `tenant-${i % 500}`,
        team: teams[i % teams.length] as string,
        center: `cc-${i % 20}`,
        service: `svc-${i % 50}`,
        version: `1.${i % 7}.0`,
        sku: skus[i % skus.length] as string,
        env: i % 3 === 0 ? 'prod' : 'staging',
        region: 'eu-west-1',
        attribution: i % 10 === 0 ? 'unknown' : 'rule',
        currency: 'USD',
      },
      bucketMs: t0 + Math.floor(i / 1000) * 60_000,
      amountNano: BigInt(1_000 + i * 37),
      quantity: (i % 1000) * 0.125 + 0.001,
      events: 1 + (i % 40),
      priceVersion: `${skus[i % skus.length]}@2025-01-01T00:00:00.000Z`,
    });
  }
  return rows;
}

function viaPoint(row: CostPointRow): string | undefined {
  const p = new Point('cost');
  for (const [k, v] of Object.entries(row.tags)) p.tag(k, v);
  return p
    .intField('amount_nano', row.amountNano.toString())
    .intField('events', row.events)
    .stringField('price_version', row.priceVersion)
    .floatField('quantity', row.quantity)
    .timestamp(String(row.bucketMs))
    .toLineProtocol();
}

function viaEncodeLine(row: CostPointRow): string {
  return encodeLine({
    measurement: 'cost',
    tags: row.tags,
    fields: {
      amount_nano: row.amountNano,
      events: int(row.events),
      price_version: row.priceVersion,
      quantity: row.quantity,
    },
    time: row.bucketMs,
  });
}

/** Best-of-`rounds` ops/s of encoding every row with `fn` (a checksum keeps the work from being elided). */
function measure(
  rows: readonly CostPointRow[],
  fn: (r: CostPointRow) => string | undefined,
  rounds = 7,
): { opsPerSec: number; bytes: number } {
  let best = Infinity;
  let bytes = 0;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    let len = 0;
    for (let i = 0; i < rows.length; i++) len += (fn(rows[i] as CostPointRow) ?? '').length;
    const ns = Number(process.hrtime.bigint() - start);
    if (ns < best) best = ns;
    bytes = len;
  }
  return { opsPerSec: Math.round(rows.length / (best / 1e9)), bytes };
}

export default {
  description: `encode ${N} cost points: encodeCostPoint / encodeLine vs @influxdata/influxdb-client Point`,
  async run(): Promise<Record<string, unknown>> {
    const rows = makeRows(N);
    // The encoders must agree on every line before their speed means anything (Point writes tags
    // in the same sorted order and the same escaping for these values).
    for (let i = 0; i < 1000; i++) {
      const row = rows[i] as CostPointRow;
      const ours = encodeCostPoint(row);
      if (ours !== viaEncodeLine(row) || ours !== viaPoint(row)) {
        throw new Error(
          `encoders disagree on row ${i}:\n ours:  ${ours}\n line:  ${viaEncodeLine(row)}\n Point: ${viaPoint(row)}`,
        );
      }
    }
    // Warm up all three before measuring.
    measure(rows, encodeCostPoint, 2);
    measure(rows, viaEncodeLine, 2);
    measure(rows, viaPoint, 2);
    const cost = measure(rows, encodeCostPoint);
    const generic = measure(rows, viaEncodeLine);
    const point = measure(rows, viaPoint);
    const result = {
      points: N,
      encodeCostPoint_ops_s: cost.opsPerSec,
      encodeLine_ops_s: generic.opsPerSec,
      influxClientPoint_ops_s: point.opsPerSec,
      speedup: Number((cost.opsPerSec / point.opsPerSec).toFixed(2)),
      speedup_generic: Number((generic.opsPerSec / point.opsPerSec).toFixed(2)),
      bytes: cost.bytes,
    };
    console.table([
      { encoder: 'encodeCostPoint (Meterline)', 'ops/s': cost.opsPerSec },
      { encoder: 'encodeLine (Meterline, generic)', 'ops/s': generic.opsPerSec },
      { encoder: 'Point (@influxdata/influxdb-client)', 'ops/s': point.opsPerSec },
    ]);
    console.log(
      `speedup encodeCostPoint/Point: ${result.speedup}x, encodeLine/Point: ${result.speedup_generic}x`,
    );
    return result;
  },
};
