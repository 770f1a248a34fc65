/**
 * OTLP codec throughput on realistic trace batches (512 spans × 10 attributes, a 17-attribute resource):
 * protobuf decode, JSON decode, validation, protobuf encode (for forwarding) and JSON encode, in spans/s.
 *
 * Baselines in the same run: `JSON.parse` of the same JSON body (the floor any JSON decoder pays), and
 * protobufjs' own `toObject` conversion of the decoded message (what a naive "decode to plain objects"
 * costs). `@opentelemetry/otlp-transformer` only serializes requests and deserializes responses — it has no
 * request decoder to compare with.
 */
import {
  decodeTracesJson,
  decodeTracesProtobuf,
  encodeTracesJson,
  encodeTracesProtobuf,
  validateTraces,
} from '../otel-processor/src/otlp';
import { types } from '../otel-processor/src/otlp/schema';
import type { Benchmark } from './run';
import { traceBatchBodies } from './support/otlp-batches';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const MIN_ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);
const SPANS = 512;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs `fn` repeatedly for at least MIN_ROUND_MS; returns batches per second. */
function measure(fn: () => unknown): number {
  let n = 0;
  let sink: unknown;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 10; i++) sink = fn();
    n += 10;
    elapsed = performance.now() - t0;
  } while (elapsed < MIN_ROUND_MS);
  if (sink === Symbol.for('never')) console.log(sink);
  return (n / elapsed) * 1000;
}

const bench: Benchmark = {
  description:
    'OTLP trace codec spans/s (512 spans × 10 attrs): decode protobuf/JSON, validate, encode; vs JSON.parse',
  async run() {
    const { protobuf, json } = traceBatchBodies({ spans: SPANS, attributesPerSpan: 10 });
    const decoded = decodeTracesProtobuf(protobuf);
    const nowMs = Date.parse('2024-06-01T12:01:00Z');
    const variants: Record<string, () => unknown> = {
      'decode protobuf': () => decodeTracesProtobuf(protobuf),
      'decode JSON': () => decodeTracesJson(json),
      'baseline JSON.parse': () => JSON.parse(json) as unknown,
      'baseline protobufjs decode+toObject': () =>
        types.tracesRequest.toObject(types.tracesRequest.decode(protobuf), { longs: String, bytes: String }),
      validate: () => validateTraces(decoded, { nowMs }),
      'encode protobuf': () => encodeTracesProtobuf(decoded),
      'encode JSON': () => encodeTracesJson(decoded),
    };
    const samples: Record<string, number[]> = {};
    for (const name of Object.keys(variants)) samples[name] = [];
    for (const fn of Object.values(variants)) measure(fn); // warmup
    for (let r = 0; r < ROUNDS; r++)
      for (const [name, fn] of Object.entries(variants)) samples[name]!.push(measure(fn));
    const spansPerSec: Record<string, number> = {};
    for (const [name, s] of Object.entries(samples)) spansPerSec[name] = Math.round(median(s) * SPANS);
    console.log(`body sizes: protobuf ${protobuf.length} B, JSON ${json.length} B`);
    for (const [name, v] of Object.entries(spansPerSec))
      console.log(`${name.padEnd(40)} ${v.toLocaleString('en-US').padStart(14)} spans/s`);
    const ratios = {
      jsonDecodeVsJsonParse: spansPerSec['baseline JSON.parse']! / spansPerSec['decode JSON']!,
      protobufDecodeVsJsonDecode: spansPerSec['decode protobuf']! / spansPerSec['decode JSON']!,
    };
    console.log(
      `JSON.parse / decode JSON = ${ratios.jsonDecodeVsJsonParse.toFixed(2)}; decode protobuf / decode JSON = ${ratios.protobufDecodeVsJsonDecode.toFixed(2)}`,
    );
    return {
      spans: SPANS,
      attributesPerSpan: 10,
      bodyBytes: { protobuf: protobuf.length, json: json.length },
      rounds: ROUNDS,
      spansPerSec,
      ratios,
    };
  },
};

export default bench;
