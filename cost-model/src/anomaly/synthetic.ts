/**
 * Deterministic synthetic cost series with labelled incidents, for tests, the evaluation harness and the
 * committed fixtures in `test/fixtures/anomaly/` (regenerate them with
 * `UPDATE_ANOMALY_FIXTURES=1 npx jest cost-model/src/anomaly/fixtures.test.ts`).
 *
 * A series is spend per bucket: a level × a daily shape that differs between weekdays and weekends ×
 * slow organic growth × multiplicative noise (white plus an AR(1) component, because real spend wanders
 * for hours, which is what makes false positives), then incidents on top, then missing buckets. Incidents
 * follow the failure modes of the billing-report guide:
 *
 * | kind | shape | label window |
 * |---|---|---|
 * | `runaway-autoscaler` | extra spend ramps up linearly, holds, stops | start → end of hold |
 * | `retry-storm` | short sharp extra spend | start → end |
 * | `slow-leak` | extra spend grows linearly for days (24/7, like leaked VMs), then fixed | start → fix |
 * | `tagging-break` | the team series keeps `kept` of its spend; the rest appears in `unknown` | start → fix |
 * | `launch` | permanent ×factor (legitimate): labelled only for `labelMs` (the adaptation time) | start → start + labelMs |
 * | `stuck-job` | a batch job re-runs, spending `amount` per hour | start → end |
 *
 * Windows are inclusive `[start, end]` instants, like the Numenta Anomaly Benchmark's.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type Incident =
  | { kind: 'runaway-autoscaler'; atMs: number; rampMs: number; holdMs: number; extra: number }
  | { kind: 'retry-storm'; atMs: number; durationMs: number; extra: number }
  | { kind: 'slow-leak'; atMs: number; durationMs: number; extra: number }
  | { kind: 'tagging-break'; atMs: number; durationMs: number; kept: number }
  | { kind: 'launch'; atMs: number; factor: number; labelMs: number }
  | { kind: 'stuck-job'; atMs: number; durationMs: number; amount: number };

/** Daily shapes: `business` (weekday peak mid-afternoon, flatter weekends), `batch` (zero-heavy). */
export type Shape = 'business' | 'batch';

export interface SeriesSpec {
  seed: number;
  /** First bucket (UTC). */
  startMs: number;
  days: number;
  stepMs: number;
  shape: Shape;
  /** Spend per hour at the weekday peak (the `extra` of incidents is in these units too). */
  levelPerHour: number;
  /** σ of the white multiplicative noise (log scale). */
  noise: number;
  /** σ of the innovations and coefficient per hour of the AR(1) multiplicative noise (log scale). */
  wander: number;
  wanderCoef: number;
  /** Relative organic growth per day. */
  growthPerDay: number;
  incidents: Incident[];
  /** Missing buckets: blocks `[start, end)` plus this fraction of buckets dropped at random. */
  gaps: [number, number][];
  missingFraction: number;
}

export interface SeriesPoint {
  timestampMs: number;
  value: number;
}

export interface Series {
  points: SeriesPoint[];
  /** Inclusive `[start, end]` label windows, in time order. */
  windows: [number, number][];
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; the same seed gives the same stream everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a uniform source. */
export function gaussian(uniform: () => number): () => number {
  return () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/** Fraction of the weekday peak spent at this instant (UTC), for the business shape. */
function businessShape(timeMs: number): number {
  const day = Math.floor(timeMs / DAY);
  const dow = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  const h = (timeMs - day * DAY) / HOUR;
  const peak = Math.exp(-(((h - 14) / 4.5) ** 2));
  const evening = 0.15 * Math.exp(-(((h - 21) / 1.5) ** 2));
  if (dow === 0 || dow === 6) return 0.3 + 0.2 * peak + evening; // weekends: no business-hours peak
  return (dow === 5 ? 0.9 : 1) * (0.35 + 0.65 * peak) + evening;
}

/**
 * A bucket's value with the incidents applied to its clean value: additive extras (in `levelPerHour` units,
 * prorated to the bucket) and multipliers; `mult` is returned for tagging breaks, which move spend away.
 */
function incidentExtra(spec: SeriesSpec, t: number, clean: number): { value: number; mult: number } {
  let add = 0;
  let mult = 1;
  for (const inc of spec.incidents) {
    const since = t - inc.atMs;
    if (since < 0) continue;
    switch (inc.kind) {
      case 'runaway-autoscaler':
        if (since < inc.rampMs + inc.holdMs)
          add += inc.extra * Math.min(1, since / inc.rampMs) * spec.levelPerHour;
        break;
      case 'retry-storm':
        if (since < inc.durationMs) add += inc.extra * spec.levelPerHour;
        break;
      case 'slow-leak':
        if (since < inc.durationMs) add += inc.extra * (since / inc.durationMs) * spec.levelPerHour;
        break;
      case 'tagging-break':
        if (since < inc.durationMs) mult *= inc.kept;
        break;
      case 'launch':
        mult *= inc.factor;
        break;
      case 'stuck-job':
        if (since < inc.durationMs) add += inc.amount;
        break;
    }
  }
  return { value: clean * mult + (add * spec.stepMs) / HOUR, mult };
}

/** The label window of an incident (inclusive). */
export function incidentWindow(inc: Incident): [number, number] {
  switch (inc.kind) {
    case 'runaway-autoscaler':
      return [inc.atMs, inc.atMs + inc.rampMs + inc.holdMs];
    case 'launch':
      return [inc.atMs, inc.atMs + inc.labelMs];
    default:
      return [inc.atMs, inc.atMs + inc.durationMs];
  }
}

/**
 * Generates a series. `moved`, if given, receives per bucket the spend an incident took away from this
 * series (a tagging break), so that the `unknown` series can receive it.
 */
export function generate(
  spec: SeriesSpec,
  moved?: Map<number, number>,
  received?: Map<number, number>,
): Series {
  const uniform = prng(spec.seed);
  const normal = gaussian(uniform);
  const n = Math.round((spec.days * DAY) / spec.stepMs);
  const arCoef = Math.pow(spec.wanderCoef, spec.stepMs / HOUR);
  // Innovations sized so that the wander's stationary σ is `spec.wander` whatever the bucket size.
  const arSigma = spec.wander * Math.sqrt(1 - arCoef * arCoef);
  let wander = 0;
  const points: SeriesPoint[] = [];
  for (let i = 0; i < n; i++) {
    const t = spec.startMs + i * spec.stepMs;
    wander = arCoef * wander + arSigma * normal();
    const white = normal();
    const growth = 1 + spec.growthPerDay * ((t - spec.startMs) / DAY);
    let clean: number;
    if (spec.shape === 'business') {
      const perBucket = (spec.levelPerHour * spec.stepMs) / HOUR;
      clean =
        perBucket * businessShape(t) * growth * Math.exp(spec.noise * white + wander - spec.noise ** 2 / 2);
    } else {
      clean = batchShape(spec, t, uniform, normal) * growth;
    }
    const { value, mult } = incidentExtra(spec, t, clean);
    let v = value;
    if (moved !== undefined && mult < 1) moved.set(t, clean - clean * mult);
    if (received !== undefined) v += received.get(t) ?? 0;
    const dropped = uniform() < spec.missingFraction || spec.gaps.some(([a, b]) => t >= a && t < b);
    if (!dropped) points.push({ timestampMs: t, value: Math.round(v * 1e4) / 1e4 });
  }
  return { points, windows: spec.incidents.map(incidentWindow) };
}

/**
 * Zero-heavy batch spend: a nightly job at 02:00–04:00 (every day), and on weekdays between 09:00 and
 * 18:00 occasional small API charges (30 % of hours); 0 otherwise. Draws the same number of random numbers
 * in every bucket, so an incident never shifts the random stream.
 */
function batchShape(spec: SeriesSpec, t: number, uniform: () => number, normal: () => number): number {
  const day = Math.floor(t / DAY);
  const dow = (day + 4) % 7;
  const h = Math.floor((t - day * DAY) / HOUR);
  const jitter = Math.exp(spec.noise * normal());
  const occasional = uniform();
  const amount = Math.exp(0.8 * normal());
  const perBucket = (spec.levelPerHour * spec.stepMs) / HOUR;
  if (h === 2) return perBucket * jitter;
  if (h === 3) return 0.6 * perBucket * jitter;
  if (dow >= 1 && dow <= 5 && h >= 9 && h < 18 && occasional < 0.3) return 0.05 * perBucket * amount;
  return 0;
}

/** One fixture file: its path relative to the fixture folder, its series and how timestamps are written. */
export interface Fixture {
  path: string;
  series: Series;
  timestamps: 'iso' | 'epoch-ms';
  /** What the file shows (for the fixture README). */
  description: string;
}

/** 2025-03-03T00:00:00Z, a Monday. */
export const FIXTURE_START_MS = Date.UTC(2025, 2, 3);
const at = (day: number, hour: number, minute = 0) =>
  FIXTURE_START_MS + day * DAY + hour * HOUR + minute * MINUTE;

function base(seed: number, stepMs: number, days: number, overrides: Partial<SeriesSpec> = {}): SeriesSpec {
  return {
    seed,
    startMs: FIXTURE_START_MS,
    days,
    stepMs,
    shape: 'business',
    levelPerHour: 120,
    noise: 0.06,
    wander: 0.05,
    wanderCoef: 0.8,
    growthPerDay: 0.003,
    incidents: [],
    gaps: [],
    missingFraction: 0.003,
    ...overrides,
  };
}

/** The committed fixture set (see `test/fixtures/anomaly/README.md`). */
export function fixtures(): Fixture[] {
  const q = 15 * MINUTE;
  const out: Fixture[] = [];
  out.push({
    path: 'clean/seasonal-60d.csv',
    series: generate(base(11, q, 60, { gaps: [[at(20, 3), at(20, 9)]] })),
    timestamps: 'iso',
    description:
      '60 days, 15-minute buckets, weekday/weekend daily shapes, growth, wandering noise, a 6-hour gap',
  });
  out.push({
    path: 'clean/sparse-batch-60d.csv',
    series: generate(
      base(12, HOUR, 60, {
        shape: 'batch',
        levelPerHour: 8,
        noise: 0.15,
        growthPerDay: 0,
        incidents: [{ kind: 'stuck-job', atMs: at(38, 13), durationMs: 4 * HOUR, amount: 8 }],
      }),
    ),
    timestamps: 'iso',
    description: 'zero-heavy hourly batch spend (≈ 80 % zeros); a stuck job re-running for 4 h on day 38',
  });
  out.push({
    path: 'incidents/runaway-autoscaler.csv',
    series: generate(
      base(13, q, 75, {
        incidents: [
          { kind: 'runaway-autoscaler', atMs: at(30, 10), rampMs: 90 * MINUTE, holdMs: 8 * HOUR, extra: 1.5 },
          { kind: 'runaway-autoscaler', atMs: at(54, 20), rampMs: 60 * MINUTE, holdMs: 5 * HOUR, extra: 0.8 },
        ],
        gaps: [[at(41, 0), at(41, 3)]],
      }),
    ),
    timestamps: 'iso',
    description:
      'spend ramps up and holds for hours: a weekday (day 30, +1.5× peak) and a Saturday night (day 54)',
  });
  out.push({
    path: 'incidents/retry-storm.csv',
    series: generate(
      base(14, q, 75, {
        incidents: [
          { kind: 'retry-storm', atMs: at(24, 14), durationMs: 30 * MINUTE, extra: 1.5 },
          { kind: 'retry-storm', atMs: at(37, 3, 15), durationMs: 45 * MINUTE, extra: 0.8 },
          { kind: 'retry-storm', atMs: at(60, 11), durationMs: 30 * MINUTE, extra: 0.9 },
        ],
      }),
    ),
    timestamps: 'iso',
    description: 'short sharp spikes: at the weekday peak, at night, and a smaller one in the morning',
  });
  out.push({
    path: 'incidents/slow-leak.csv',
    series: generate(
      base(15, HOUR, 75, {
        incidents: [
          { kind: 'slow-leak', atMs: at(28, 0), durationMs: 4 * DAY, extra: 0.8 },
          { kind: 'slow-leak', atMs: at(50, 12), durationMs: 6 * DAY, extra: 0.5 },
        ],
      }),
    ),
    timestamps: 'iso',
    description:
      'extra spend growing linearly for days (24/7), then fixed: +0.8× peak over 4 days, +0.5× over 6',
  });
  const breaks: Incident[] = [
    { kind: 'tagging-break', atMs: at(40, 9), durationMs: 30 * HOUR, kept: 0.03 },
    { kind: 'tagging-break', atMs: at(62, 16), durationMs: 6 * HOUR, kept: 0.03 },
  ];
  const moved = new Map<number, number>();
  const team = generate(base(16, HOUR, 75, { incidents: breaks, missingFraction: 0 }), moved);
  const unknown = generate(
    base(17, HOUR, 75, { levelPerHour: 6, noise: 0.25, wander: 0.1, missingFraction: 0 }),
    undefined,
    moved,
  );
  unknown.windows = team.windows.slice();
  out.push({
    path: 'incidents/tagging-break/team-payments.csv',
    series: team,
    timestamps: 'iso',
    description:
      "a team's hourly spend drops to ~3 % while its tags are broken (30 h on day 40, 6 h on day 62)",
  });
  out.push({
    path: 'incidents/tagging-break/unknown.csv',
    series: unknown,
    timestamps: 'epoch-ms',
    description: "the 'unknown' attribution series of the same breaks (epoch-ms timestamps)",
  });
  out.push({
    path: 'incidents/launch-level-shift.csv',
    series: generate(
      base(18, q, 75, { incidents: [{ kind: 'launch', atMs: at(45, 9), factor: 1.7, labelMs: 6 * HOUR }] }),
    ),
    timestamps: 'iso',
    description:
      'a launch: permanent ×1.7 from day 45 09:00 — legitimate; only the 6-hour adaptation period is labelled',
  });
  return out;
}

/** A fixture as CSV (`timestamp,value`, LF line ends). */
export function toCsv(fixture: Fixture): string {
  let out = 'timestamp,value\n';
  for (const p of fixture.series.points) {
    const ts = fixture.timestamps === 'iso' ? isoSeconds(p.timestampMs) : String(p.timestampMs);
    out += `${ts},${p.value.toFixed(4)}\n`;
  }
  return out;
}

/**
 * The NAB-style labels of a fixture set: `{ "rel/path.csv": [["start", "end"], …] }`, ISO instants, laid out
 * as prettier would (a file's windows on one line if it fits in 110 columns, else one window per line).
 */
export function toWindowsJson(fixtures: readonly Fixture[]): string {
  const entries = fixtures.map((f) => {
    const key = `  ${JSON.stringify(f.path)}: `;
    const windows = f.series.windows.map(([a, b]) =>
      JSON.stringify([isoSeconds(a), isoSeconds(b)]).replace(',', ', '),
    );
    const oneLine = `${key}[${windows.join(', ')}]`;
    if (oneLine.length + 1 <= 110) return oneLine;
    return `${key}[\n${windows.map((w) => `    ${w}`).join(',\n')}\n  ]`;
  });
  return `{\n${entries.join(',\n')}\n}\n`;
}

/** `2025-03-03T00:15:00Z` (no milliseconds when they are 0). */
export function isoSeconds(timeMs: number): string {
  return new Date(timeMs).toISOString().replace('.000Z', 'Z');
}
