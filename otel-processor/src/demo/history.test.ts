import { join } from 'node:path';
import { toNano, type RollupRow } from '@meterline/cost-model';
import { loadConfig } from '../config/load';
import { CostEngine } from '../engine/cost-engine';
import { encodeCostPoint } from '../influx/cost-points';
import { compileMeterline } from '../instrument/compile';
import { decodeTracesProtobuf } from '../otlp/decode';
import { calibrate, historyLines, sizeBudgets } from './history';
import { DAY, HISTORY_BUCKET_MS, MIN, minuteSpans, replayStart, storyAt, twoSignificant } from './scenario';
import { DemoServices, SpanQueue } from './traffic';

const HOUR_MS = 60 * MIN;
const config = loadConfig(join(__dirname, '../../../examples/meterline.yaml'));
// A Wednesday afternoon (UTC), so the rhythm is at work.
const replayFromMs = replayStart(Date.UTC(2026, 10, 25, 15, 7, 30));
const calibration = calibrate(config, replayFromMs);

/** `series → [amount_nano, events]` of `cost` lines. */
function parse(lines: Iterable<string>): Map<string, [bigint, number]> {
  const out = new Map<string, [bigint, number]>();
  for (const line of lines) {
    const m = /^cost,(\S+) amount_nano=(-?\d+)i,events=(\d+)i,/.exec(line);
    if (m === null) throw new Error(`not a cost line: ${line}`);
    const prev = out.get(m[1]!) ?? [0n, 0];
    out.set(m[1]!, [prev[0] + BigInt(m[2]!), prev[1] + Number(m[3]!)]);
  }
  return out;
}

it('a history bucket is exactly what serve’s engine makes of the spans the demo would send in it', () => {
  // The story's first five minutes hold ordinary traffic only: the same kinds history is made of.
  const story = storyAt(replayFromMs, replayFromMs + 45 * MIN);
  const queue = new SpanQueue();
  const services = new DemoServices(queue);
  for (let m = replayFromMs; m < replayFromMs + HISTORY_BUCKET_MS; m += MIN) {
    for (const spec of minuteSpans(story, m)) {
      expect(spec.role).toBe('ordinary');
      services.emit(spec);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer') as {
    ProtobufTraceSerializer: { serializeRequest(spans: unknown[]): Uint8Array };
  };
  const engine = new CostEngine({ meterline: compileMeterline(config), latenessMs: 3_600_000 });
  engine.applyTraces(
    decodeTracesProtobuf(ProtobufTraceSerializer.serializeRequest(queue.take())),
    replayFromMs,
  );
  let rows: RollupRow[] = [];
  engine.flush({ cost: (r) => ((rows = r), []), exemplars: () => [], deploys: () => [] }, 0);
  // serve writes a point per minute, history one per 5-minute bucket: the same exact sums, series by series,
  // rounded once.
  const sums = new Map<string, RollupRow>();
  for (const r of rows) {
    const prev = sums.get(r.key);
    if (prev === undefined) sums.set(r.key, { ...r, bucketMs: replayFromMs });
    else sums.set(r.key, { ...prev, amount: prev.amount.plus(r.amount), events: prev.events + r.events });
  }
  const served = parse(
    [...sums.values()].map((r) => encodeCostPoint({ ...r, amountNano: toNano(r.amount) }, 'ms')),
  );
  const history = parse(historyLines(calibration, replayFromMs, replayFromMs + HISTORY_BUCKET_MS));
  expect(history.size).toBeGreaterThan(30);
  expect(history).toEqual(served);
});

it('sizes the budgets from the ordinary spend, two significant digits', () => {
  const budgets = sizeBudgets(calibration);
  expect(budgets.map((b) => [b.name, b.currency])).toEqual([
    ['payments-monthly', 'USD'],
    ['discovery-monthly', 'USD'],
    ['acme-monthly', 'USD'],
    ['globex-monthly', 'USD'],
  ]);
  for (const b of budgets) {
    expect(b.amount).toMatch(/^\d+(\.\d+)?$/);
    expect(Number(b.amount) / b.ordinaryMonthly).toBeGreaterThan(0.4);
  }
  expect([twoSignificant(27.3), twoSignificant(0.004129), twoSignificant(1234)]).toEqual([
    '27',
    '0.0041',
    '1200',
  ]);
});

it('history is the same wherever it is written from: a later window rewrites the shared buckets in place', () => {
  // Stack mode writes history once; were it written again (a later end), the buckets both windows cover
  // would be the same points (same series, same timestamp, same fields), which InfluxDB overwrites in place.
  const first = [...historyLines(calibration, replayFromMs - DAY, replayFromMs)];
  const later = [...historyLines(calibration, replayFromMs - DAY + HOUR_MS, replayFromMs + HOUR_MS)];
  const shared = (line: string) => Number(/ (\d+)$/.exec(line)![1]) >= replayFromMs - DAY + HOUR_MS;
  const a = first.filter(shared);
  const b = later.filter((line) => Number(/ (\d+)$/.exec(line)![1]) < replayFromMs);
  expect(a.length).toBeGreaterThan(1000);
  expect(b).toEqual(a);
});
