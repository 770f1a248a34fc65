/**
 * The Grafana data source turning an InfluxDB answer into frames, against `JSON.parse` of the same text.
 *
 * The answer is a spend query's (`SUM("amount_nano") … GROUP BY time(1m), "team", "currency"`): 1,000
 * series × 1,000 points, as InfluxDB writes it with `epoch=ms`. "Transform" is everything the data source
 * does with the text: `parseAnswer` (int64-exact JSON) and the spend shaper (times, nano-units → currency
 * decimals, one frame per series with units and names). Target (ARCHITECTURE.md): ≤ 2× `JSON.parse`.
 */
import { parseAnswer } from '../datasource-plugin/src/frames/parse';
import { spendQuery } from '../datasource-plugin/src/queries/spend';
import type { BuildContext, ShapeContext } from '../datasource-plugin/src/queries/contract';
import { DEFAULT_QUERY, type MeterlineQuery } from '../datasource-plugin/src/types';

const SERIES = 1_000;
const POINTS = 1_000;
const T0 = Date.UTC(2026, 2, 1);
const ROUNDS = 7;

/** The answer text, built as InfluxDB writes it (one line, no spaces). */
function answerText(): string {
  const parts: string[] = [];
  for (let s = 0; s < SERIES; s++) {
    const values: string[] = new Array(POINTS);
    for (let p = 0; p < POINTS; p++) {
      // Spend of one team in one minute: up to a few currency units, in nano-units (≤ 10 digits).
      const amount = ((s * 7_919 + p * 104_729) % 4_999_999_937) + 1_000;
      values[p] = `[${T0 + p * 60_000},${amount}]`;
    }
    parts.push(
      `{"name":"cost","tags":{"currency":"USD","team":"team-${s}"},"columns":["time","amount_nano"],"values":[${values.join(',')}]}`,
    );
  }
  return `{"results":[{"statement_id":0,"series":[${parts.join(',')}]}]}\n`;
}

/** Best-of-`rounds` milliseconds of `fn` (its result is kept in `sink` so the work is not elided). */
function best(rounds: number, fn: () => unknown): number {
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    sink = fn();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms < min) min = ms;
  }
  return min;
}
let sink: unknown;

export default {
  description: `InfluxDB answer → Grafana frames (${SERIES} series × ${POINTS} points of spend) vs JSON.parse of the same text`,
  async run(): Promise<Record<string, unknown>> {
    const text = answerText();
    const query: MeterlineQuery = { ...DEFAULT_QUERY, refId: 'A', queryType: 'spend', groupBy: ['team'] };
    const build: BuildContext = {
      fromMs: T0,
      toMs: T0 + POINTS * 60_000,
      intervalMs: 60_000,
      settings: { defaultCurrency: 'USD' },
      vars: { values: (t) => [t], raw: (t) => t },
    };
    const statements = spendQuery.build(query, build);
    const transform = () => {
      const answers = parseAnswer(
        text,
        statements.map((s) => s.text),
      );
      const ctx: ShapeContext = { ...build, refId: 'A', statements, answers };
      return spendQuery.shape(query, ctx);
    };

    // The frames must be right before their speed means anything.
    const frames = transform();
    if (frames.length !== SERIES || frames.some((f) => f.length !== POINTS)) {
      throw new Error(`expected ${SERIES} frames of ${POINTS} rows, got ${frames.length}`);
    }
    const value = frames[3]!.fields[1]!.values[5] as number;
    const expected = (((3 * 7_919 + 5 * 104_729) % 4_999_999_937) + 1_000) / 1e9;
    if (value !== expected) throw new Error(`frame 3 row 5: expected ${expected}, got ${value}`);

    // Warm up both, then measure each in turn.
    best(2, () => JSON.parse(text));
    best(2, transform);
    const jsonMs = best(ROUNDS, () => JSON.parse(text));
    const transformMs = best(ROUNDS, transform);
    const result = {
      series: SERIES,
      points_per_series: POINTS,
      bytes: text.length,
      json_parse_ms: Number(jsonMs.toFixed(1)),
      transform_ms: Number(transformMs.toFixed(1)),
      ratio: Number((transformMs / jsonMs).toFixed(2)),
      target_ratio: 2,
    };
    console.table([
      { step: 'JSON.parse (baseline)', ms: result.json_parse_ms },
      { step: 'parseAnswer + spend frames', ms: result.transform_ms },
    ]);
    console.log(`ratio transform / JSON.parse: ${result.ratio} (target ≤ 2)`);
    void sink;
    return result;
  },
};
