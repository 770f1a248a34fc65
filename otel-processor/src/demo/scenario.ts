/**
 * The demo's story, as data: which services exist, who calls them how often, what a request looks like,
 * and what happens when. Pure and deterministic (no I/O, no clock): the same times give the same spans, so
 * the history written directly to InfluxDB, the spans replayed through `meterline serve` and the live ones
 * all follow one model.
 *
 * The shop:
 *
 * | service          | owner (attribution)               | traffic                                             |
 * | ---------------- | --------------------------------- | --------------------------------------------------- |
 * | `checkout`       | team payments (service fallback)  | tenants acme, globex, initech, and some unlabelled  |
 * | `search`         | team discovery (service fallback) | the same                                            |
 * | `legacy-reports` | nobody (namespace `default`)      | tenants' requests (owned by the tenant), and a cron |
 * |                  |                                   | job every 5 minutes with no tenant: **unknown**     |
 * | `recommender`    | nobody (namespace `sandbox`)      | appears during the story, no tenant: **unknown**    |
 *
 * The timeline ({@link replayStart}, {@link storyAt}):
 *
 * - 14 days of ordinary history up to the replay's start (40–45 minutes before the demo starts, on a
 *   5-minute boundary), written directly as 5-minute points (serve folds data older than its lateness window
 *   into the current bucket, so history cannot go through it);
 * - the replay, from there to `liveFromMs` (when the demo starts sending live traffic), through serve at
 *   full speed, span times in the past but inside serve's lateness window: ordinary traffic, **a deploy** of
 *   `checkout` 1.4.2 → 1.5.0 30 minutes before `liveFromMs`, the unowned `recommender` from 25 minutes
 *   before it, and from 20 minutes before it **a runaway**: `checkout` 1.5.0 re-prices acme's carts in a
 *   loop, 60 long server spans a minute;
 * - live: the same traffic (and the runaway, which nobody fixes) in real time until the run ends.
 *
 * Stack mode (`meterline demo --otlp-url`, {@link stackTimeline}) has no replay: history up to the last
 * 5-minute boundary, then live traffic with the unowned service from the start, and a release of `checkout`
 * 10 s in and every hour after (1.5.0, 1.5.1, … continuing from the versions InfluxDB holds), each running
 * away for 20 minutes.
 *
 * @packageDocumentation
 */

export const SEC = 1_000;
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** Days of ordinary history written before the story (the anomaly detector is ready after 10). */
export const HISTORY_DAYS = 14;
/** Resolution of the history: the anomaly detector's bucket. */
export const HISTORY_BUCKET_MS = 5 * MIN;
/** The replayed story is at least this long (it starts on a 5-minute boundary, so up to 5 minutes more). */
export const REPLAY_MINUTES = 40;
/** When things happen, in minutes before the live part starts. */
export const DEPLOY_MINUTES_BEFORE = 30;
export const NEW_SERVICE_MINUTES_BEFORE = 25;
export const RUNAWAY_MINUTES_BEFORE = 20;

/** The service that is deployed and runs away, its versions, and the tenant whose carts it re-prices. */
export const RUNAWAY_SERVICE = 'checkout';
export const VERSION_BEFORE = '1.4.2';
export const VERSION_AFTER = '1.5.0';
export const RUNAWAY_TENANT = 'acme';
/** Costly spans a minute during the runaway, and their name. */
export const RUNAWAY_SPANS_PER_MINUTE = 60;
export const RUNAWAY_SPAN_NAME = 'POST /internal/cart/reprice';
/** The unowned service that appears during the story. */
export const NEW_SERVICE = 'recommender';

/** The tenants, biggest first. */
export const TENANTS = ['acme', 'globex', 'initech'] as const;

/** A service: its resource (what serve's SKU rules and attribution fallbacks read). */
export interface DemoServiceSpec {
  name: string;
  /** `k8s.namespace.name`. */
  namespace: string;
  /** `cloud.region`. */
  region: string;
  /** `faas.max_memory`, MB (the `compute.gb_s` rule's memory). */
  memoryMb: number;
}

export const SERVICES: Readonly<Record<string, DemoServiceSpec>> = Object.freeze({
  checkout: { name: 'checkout', namespace: 'payments', region: 'eu-west-1', memoryMb: 1024 },
  search: { name: 'search', namespace: 'discovery', region: 'eu-west-1', memoryMb: 512 },
  'legacy-reports': { name: 'legacy-reports', namespace: 'default', region: 'us-east-1', memoryMb: 2048 },
  recommender: { name: 'recommender', namespace: 'sandbox', region: 'us-east-1', memoryMb: 4096 },
});

/** `service.version` of a service at a time, with the deploy at `deployMs`. */
export function versionAt(service: string, timeMs: number, deployMs: number): string {
  switch (service) {
    case RUNAWAY_SERVICE:
      return timeMs < deployMs ? VERSION_BEFORE : VERSION_AFTER;
    case 'search':
      return '2.0.1';
    case 'legacy-reports':
      return '0.9.0';
    default:
      return '0.1.0';
  }
}

/** One kind of ordinary request: who calls which route, how often, and how heavy it is. */
export interface TrafficKind {
  /** `service/tenant` (`service/-` without a tenant). */
  id: string;
  service: string;
  /** `tenant.id` on the span; undefined: nobody labelled the request. */
  tenant: string | undefined;
  method: string;
  route: string;
  /** Requests a minute at the daily mean (before rhythm and noise); ignored when `everyMinutes` is set. */
  perMinute: number;
  /** A job once every this many minutes (no rhythm, no noise). */
  everyMinutes?: number;
  /** Mean handler time, ms, and response size, bytes (each request scales both by its variant). */
  workMs: number;
  bytes: number;
}

function kinds(
  service: string,
  method: string,
  route: string,
  workMs: number,
  bytes: number,
  split: Record<string, number>,
): TrafficKind[] {
  return Object.entries(split).map(([tenant, perMinute]) => ({
    id: `${service}/${tenant}`,
    service,
    tenant: tenant === '-' ? undefined : tenant,
    method,
    route,
    perMinute,
    workMs,
    bytes,
  }));
}

/** The ordinary traffic: in history, in the replay and live. `-` is a request nobody labelled. */
export const ORDINARY: readonly TrafficKind[] = Object.freeze([
  ...kinds('checkout', 'POST', '/api/checkout', 30, 48_000, { acme: 54, globex: 36, initech: 20, '-': 10 }),
  ...kinds('search', 'GET', '/api/search', 12, 180_000, { acme: 90, globex: 60, initech: 34, '-': 16 }),
  ...kinds('legacy-reports', 'GET', '/reports', 45, 9_000, { acme: 8, globex: 6, initech: 6 }),
  {
    id: 'legacy-reports/cron',
    service: 'legacy-reports',
    tenant: undefined,
    method: 'POST',
    route: '/jobs/rebuild-reports',
    perMinute: 0,
    everyMinutes: 5,
    workMs: 20_000,
    bytes: 2_000,
  },
]);

/** The new unowned service's traffic (from {@link Story.newServiceMs}). */
export const NEW_SERVICE_KIND: TrafficKind = Object.freeze({
  id: `${NEW_SERVICE}/-`,
  service: NEW_SERVICE,
  tenant: undefined,
  method: 'POST',
  route: '/v1/recommend',
  perMinute: 30,
  workMs: 2_000,
  bytes: 4_096,
});

/** What one span is: enough for the demo services to create it with the OTel SDK. */
export interface SpanSpec {
  service: string;
  version: string;
  /** `METHOD route`. */
  name: string;
  method: string;
  route: string;
  tenant: string | undefined;
  /** End time, whole epoch ms: serve puts the span's cost in this minute. */
  endMs: number;
  /** Whole ms. */
  durationMs: number;
  /** `http.response.body.size`. */
  bytes: number;
  role: 'ordinary' | 'runaway' | 'unowned';
}

/** When the story's events happen (all epoch ms). */
export interface Story {
  /** First history bucket. */
  historyFromMs: number;
  /** End of history = start of the replay (a 5-minute boundary). */
  replayFromMs: number;
  /** End of the replay = start of the live part. */
  liveFromMs: number;
  /** First minute of `checkout` 1.5.0. */
  deployMs: number;
  /** First minute of `recommender`. */
  newServiceMs: number;
  /** First minute of the runaway. */
  runawayMs: number;
}

export const alignDown = (ms: number, step: number): number => Math.floor(ms / step) * step;

/** Where history ends and the replay starts, for a demo starting at `nowMs`: 40–45 minutes before it. */
export function replayStart(nowMs: number): number {
  return alignDown(nowMs - REPLAY_MINUTES * MIN, HISTORY_BUCKET_MS);
}

/**
 * The story of a run whose history ends (and replay starts) at `replayFromMs` ({@link replayStart}) and
 * whose live part starts at `liveFromMs` (at least {@link DEPLOY_MINUTES_BEFORE} minutes later).
 */
export function storyAt(replayFromMs: number, liveFromMs: number): Story {
  return {
    historyFromMs: replayFromMs - HISTORY_DAYS * DAY,
    replayFromMs,
    liveFromMs,
    deployMs: alignDown(liveFromMs - DEPLOY_MINUTES_BEFORE * MIN, MIN),
    newServiceMs: alignDown(liveFromMs - NEW_SERVICE_MINUTES_BEFORE * MIN, MIN),
    runawayMs: alignDown(liveFromMs - RUNAWAY_MINUTES_BEFORE * MIN, MIN),
  };
}

// ------------------------------------------------------------------------------------------ stack mode

/** Stack mode (`--otlp-url`): the first release this long after the traffic starts… */
export const STACK_FIRST_RELEASE_MS = 10 * SEC;
/** …then one every this long… */
export const STACK_RELEASE_EVERY_MS = HOUR;
/** …each running away from its deploy for this long. */
export const STACK_RUNAWAY_MS = 20 * MIN;
/** Stack-mode releases of {@link RUNAWAY_SERVICE} are `1.5.<n>`: 1.5.0 (= {@link VERSION_AFTER}), 1.5.1, … */
export const STACK_RELEASE_PREFIX = '1.5.';

/**
 * When the stack-mode traffic of one run started, and where its releases continue from: serve reports a
 * deploy only for a version it never saw for the service, so every release (in this run and after a
 * restart) must be a new one.
 */
export interface StackSchedule {
  /** When the traffic started (epoch ms). */
  startMs: number;
  /** {@link RUNAWAY_SERVICE}'s version until this run's first release. */
  baselineVersion: string;
  /** This run's first release is `1.5.<firstPatch>`. */
  firstPatch: number;
}

/** One stack-mode release: the deploy, and the runaway it brings. */
export interface StackRelease {
  /** Its index in the run (0: the first). */
  index: number;
  version: string;
  previousVersion: string;
  /** Its first span ends here (serve's `cost_event kind=deploy` time). */
  deployMs: number;
  /** The runaway runs from `deployMs` until here. */
  runawayUntilMs: number;
}

/**
 * Where a run's releases continue from, given the versions of {@link RUNAWAY_SERVICE} InfluxDB already
 * holds: after the highest `1.5.<n>` (its baseline), or 1.4.2 → 1.5.0 when there is none.
 */
export function stackVersions(seen: Iterable<string>): Pick<StackSchedule, 'baselineVersion' | 'firstPatch'> {
  let highest = -1;
  for (const v of seen) {
    const m = /^1\.5\.(\d{1,9})$/.exec(v);
    if (m !== null) highest = Math.max(highest, Number(m[1]));
  }
  return highest < 0
    ? { baselineVersion: VERSION_BEFORE, firstPatch: 0 }
    : { baselineVersion: `${STACK_RELEASE_PREFIX}${highest}`, firstPatch: highest + 1 };
}

/** The `index`-th release of a stack run. */
export function stackRelease(s: StackSchedule, index: number): StackRelease {
  const deployMs = s.startMs + STACK_FIRST_RELEASE_MS + index * STACK_RELEASE_EVERY_MS;
  return {
    index,
    version: `${STACK_RELEASE_PREFIX}${s.firstPatch + index}`,
    previousVersion: index === 0 ? s.baselineVersion : `${STACK_RELEASE_PREFIX}${s.firstPatch + index - 1}`,
    deployMs,
    runawayUntilMs: deployMs + STACK_RUNAWAY_MS,
  };
}

/** Index of the last release deployed at or before `timeMs` (−1: before the first). */
export function stackReleaseIndex(s: StackSchedule, timeMs: number): number {
  const since = timeMs - (s.startMs + STACK_FIRST_RELEASE_MS);
  return since < 0 ? -1 : Math.floor(since / STACK_RELEASE_EVERY_MS);
}

/**
 * The stack-mode timeline: ordinary traffic and the unowned service from the start, and every
 * {@link STACK_RELEASE_EVERY_MS} (the first {@link STACK_FIRST_RELEASE_MS} after the start) a new release of
 * {@link RUNAWAY_SERVICE} that runs away for {@link STACK_RUNAWAY_MS}.
 */
export function stackTimeline(s: StackSchedule): Timeline {
  return {
    version: (service, endMs) => {
      if (service !== RUNAWAY_SERVICE) return versionAt(service, endMs, Infinity);
      const i = stackReleaseIndex(s, endMs);
      return i < 0 ? s.baselineVersion : stackRelease(s, i).version;
    },
    unowned: () => true,
    runaway: (endMs) => {
      const i = stackReleaseIndex(s, endMs);
      return i >= 0 && endMs < stackRelease(s, i).runawayUntilMs;
    },
  };
}

/** mulberry32: reproducible randomness from a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The daily and weekly rhythm of a minute (UTC): ±30% around the mean over the day, peaking at 15:00,
 * weekends at 75%. Its mean over a week is {@link MEAN_RHYTHM}.
 */
export function rhythm(minuteMs: number): number {
  const d = new Date(minuteMs);
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60;
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
  return (1 + 0.3 * Math.sin((2 * Math.PI * (hour - 9)) / 24)) * (weekend ? 0.75 : 1);
}
export const MEAN_RHYTHM = (5 + 2 * 0.75) / 7;

/** Requests of `kind` in the minute starting at `minuteMs`: rate × rhythm × ±10% noise, or the job's schedule. */
export function requestsIn(kind: TrafficKind, minuteMs: number): number {
  const minute = Math.floor(minuteMs / MIN);
  if (kind.everyMinutes !== undefined) return minute % kind.everyMinutes === 0 ? 1 : 0;
  const noise = 0.9 + 0.2 * rng(hash(kind.id) ^ minute)();
  return Math.round(kind.perMinute * rhythm(minuteMs) * noise);
}

/** Requests vary in weight: variant k of 20 scales work and size by 0.5 … 1.5 (mean exactly 1). */
export const VARIANTS = 20;
export function variantScale(k: number): number {
  return 0.5 + (k % VARIANTS) / (VARIANTS - 1);
}

/** The i-th request of `kind` with variant `k`, ending at `endMs`. */
export function requestSpec(
  kind: TrafficKind,
  version: string,
  endMs: number,
  k: number,
  role: SpanSpec['role'] = 'ordinary',
): SpanSpec {
  const scale = variantScale(k);
  return {
    service: kind.service,
    version,
    name: `${kind.method} ${kind.route}`,
    method: kind.method,
    route: kind.route,
    tenant: kind.tenant,
    endMs,
    durationMs: Math.max(1, Math.round(kind.workMs * scale)),
    bytes: Math.max(1, Math.round(kind.bytes * scale)),
    role,
  };
}

function spread(kind: TrafficKind, minuteMs: number, n: number, role: SpanSpec['role'], timeline: Timeline) {
  const out: SpanSpec[] = [];
  const minute = Math.floor(minuteMs / MIN);
  // Each kind its own offset inside the minute, so kinds do not all end on the same millisecond.
  const offset = hash(kind.id) % 997;
  for (let i = 0; i < n; i++) {
    const endMs = minuteMs + ((Math.floor(((i + 0.5) * MIN) / n) + offset) % MIN);
    out.push(requestSpec(kind, timeline.version(kind.service, endMs), endMs, minute + i, role));
  }
  return out;
}

/**
 * What happens when, as {@link timelineSpans} reads it: the story of `meterline demo` ({@link storyTimeline})
 * or the recurring releases of its stack mode ({@link stackTimeline}).
 */
export interface Timeline {
  /** `service.version` of `service` for a span ending at `endMs`. */
  version(service: string, endMs: number): string;
  /** Whether the unowned {@link NEW_SERVICE} takes traffic in the minute starting at `minuteMs`. */
  unowned(minuteMs: number): boolean;
  /** Whether the runaway sends its span ending at `endMs`. */
  runaway(endMs: number): boolean;
}

/** The timeline of a {@link Story}: one deploy, the new service and the runaway from their minutes on. */
export function storyTimeline(story: Story): Timeline {
  return {
    version: (service, endMs) => versionAt(service, endMs, story.deployMs),
    unowned: (minuteMs) => minuteMs >= story.newServiceMs,
    runaway: (endMs) => endMs >= story.runawayMs,
  };
}

/**
 * Every span of the story whose end lies in the minute starting at `minuteMs` (on or after the replay's
 * start), sorted by end time: ordinary traffic, and from their start the new service and the runaway.
 */
export function minuteSpans(story: Story, minuteMs: number): SpanSpec[] {
  return timelineSpans(storyTimeline(story), minuteMs);
}

/**
 * Every span of `timeline` whose end lies in the minute starting at `minuteMs`, sorted by end time: ordinary
 * traffic, the new service while it runs, the runaway's spans while it runs.
 */
export function timelineSpans(timeline: Timeline, minuteMs: number): SpanSpec[] {
  const out: SpanSpec[] = [];
  for (const kind of ORDINARY)
    out.push(...spread(kind, minuteMs, requestsIn(kind, minuteMs), 'ordinary', timeline));
  if (timeline.unowned(minuteMs)) {
    out.push(
      ...spread(NEW_SERVICE_KIND, minuteMs, requestsIn(NEW_SERVICE_KIND, minuteMs), 'unowned', timeline),
    );
  }
  for (let i = 0; i < RUNAWAY_SPANS_PER_MINUTE; i++) {
    const endMs = minuteMs + Math.floor(((i + 0.5) * MIN) / RUNAWAY_SPANS_PER_MINUTE);
    if (timeline.runaway(endMs)) {
      out.push({
        service: RUNAWAY_SERVICE,
        version: timeline.version(RUNAWAY_SERVICE, endMs),
        name: RUNAWAY_SPAN_NAME,
        method: 'POST',
        route: '/internal/cart/reprice',
        tenant: RUNAWAY_TENANT,
        endMs,
        durationMs: (30 + ((i * 7) % 31)) * SEC,
        bytes: 1_200,
        role: 'runaway',
      });
    }
  }
  return out.sort((a, b) => a.endMs - b.endMs);
}

/** The calibration sample of a kind: one request of every variant (their mean is the kind's mean request). */
export function calibrationSpecs(kind: TrafficKind, version: string, endMs: number): SpanSpec[] {
  return Array.from({ length: VARIANTS }, (_, k) => requestSpec(kind, version, endMs, k));
}

/** Requests of `kind` a minute on average over a week (what budgets are sized from). */
export function meanRequestsPerMinute(kind: TrafficKind): number {
  return kind.everyMinutes !== undefined ? 1 / kind.everyMinutes : kind.perMinute * MEAN_RHYTHM;
}

/** A budget of the demo: scope and how generous it is relative to the ordinary spend in it. */
export interface DemoBudgetSpec {
  name: string;
  scope: { team?: string; tenant?: string };
  /** Budget = this × the scope's ordinary monthly spend. */
  headroom: number;
  /** What the story should make of it. */
  expect: 'page' | 'ticket' | 'ok';
}

/**
 * The budgets: the runaway's team pages; discovery's budget is too small for its ordinary traffic (over pace
 * for days: a ticket); acme burns hot but its budget has room; globex is fine.
 */
export const BUDGETS: readonly DemoBudgetSpec[] = Object.freeze([
  { name: 'payments-monthly', scope: { team: 'payments' }, headroom: 1.2, expect: 'page' },
  { name: 'discovery-monthly', scope: { team: 'discovery' }, headroom: 0.5, expect: 'ticket' },
  { name: 'acme-monthly', scope: { tenant: 'acme' }, headroom: 1.5, expect: 'ok' },
  { name: 'globex-monthly', scope: { tenant: 'globex' }, headroom: 2, expect: 'ok' },
]);

/** A positive amount rounded to two significant digits, as plain decimal text (`27`, `0.0041`, `1200`). */
export function twoSignificant(amount: number): string {
  if (!(amount > 0) || !Number.isFinite(amount)) return '1';
  const exponent = Math.floor(Math.log10(amount));
  if (exponent >= 1) {
    const unit = 10 ** (exponent - 1);
    return String(Math.round(amount / unit) * unit);
  }
  return amount.toFixed(Math.min(1 - exponent, 9));
}
