/**
 * Dedupe window claims: Meterline's `DedupeWindow` (64-bit hashes in typed arrays, generations by
 * receive time) against a plain `Set<string>` (no expiry, unbounded memory) and against the same
 * window semantics built from nine `Set<string>` generations, on the same span identities.
 *
 * The stream: 600k distinct span identities (`<32 hex trace id>:<16 hex span id>`), claimed in order
 * over 30 minutes of receive time with 20 % retries of a recent span, i.e. 750k claims per round. Two
 * variants: keys prebuilt once (V8 caches a string's hash after the first `Set` lookup, which favours
 * `Set`), and keys built per claim by concatenating trace and span id, as the engine does.
 */
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DedupeWindow } from '../otel-processor/src/dedupe';

const SPANS = 600_000;
const RETRY_RATE = 0.2;
const WINDOW_MS = 10 * 60_000;
const DURATION_MS = 30 * 60_000;
const GENERATIONS = 8;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Claimer {
  claim(key: string, timeMs: number): boolean;
}

/** The naive implementation of the same semantics: one Set per generation, the last 9 consulted. */
class GenerationalSets implements Claimer {
  private readonly gens: Set<string>[] = [];
  private epoch = -Infinity;
  claim(key: string, timeMs: number): boolean {
    const e = Math.floor(timeMs / (WINDOW_MS / GENERATIONS));
    if (e > this.epoch) {
      this.epoch = e;
      this.gens.push(new Set());
      if (this.gens.length > GENERATIONS + 1) this.gens.shift();
    }
    for (const g of this.gens) if (g.has(key)) return false;
    this.gens[this.gens.length - 1]!.add(key);
    return true;
  }
}

class PlainSet implements Claimer {
  private readonly set = new Set<string>();
  claim(key: string): boolean {
    if (this.set.has(key)) return false;
    this.set.add(key);
    return true;
  }
}

interface Stream {
  traces: string[];
  spans: string[];
  keys: string[];
  /** Index into keys/traces/spans of each claim. */
  order: Int32Array;
  times: Float64Array;
}

function makeStream(): Stream {
  const ids = randomBytes(SPANS * 24);
  const traces: string[] = [];
  const spans: string[] = [];
  const keys: string[] = [];
  for (let i = 0; i < SPANS; i++) {
    traces.push(ids.toString('hex', i * 24, i * 24 + 16));
    spans.push(ids.toString('hex', i * 24 + 16, i * 24 + 24));
    keys.push(`${traces[i]}:${spans[i]}`);
  }
  const n = Math.round(SPANS * (1 + RETRY_RATE / (1 - RETRY_RATE)));
  const order = new Int32Array(n);
  const times = new Float64Array(n);
  let next = 0;
  let x = 12345;
  for (let c = 0; c < n; c++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const retry = next > 1000 && (x / 4294967296 < RETRY_RATE || next >= SPANS);
    order[c] = retry ? next - 1 - (x % 1000) : next++;
    times[c] = (c / n) * DURATION_MS;
  }
  return { traces, spans, keys, order, times };
}

function measure(
  make: () => Claimer,
  s: Stream,
  build: boolean,
  rounds = 5,
): { claimsPerSec: number; fresh: number; retainedMB: number } {
  let best = Infinity;
  let fresh = 0;
  let retainedMB = 0;
  for (let r = 0; r < rounds; r++) {
    gc();
    const before = process.memoryUsage();
    const d = make();
    const { order, times, keys, traces, spans } = s;
    const start = process.hrtime.bigint();
    let count = 0;
    if (build) {
      for (let c = 0; c < order.length; c++) {
        const i = order[c]!;
        if (d.claim(traces[i]! + ':' + spans[i]!, times[c]!)) count++;
      }
    } else {
      for (let c = 0; c < order.length; c++) if (d.claim(keys[order[c]!]!, times[c]!)) count++;
    }
    const ns = Number(process.hrtime.bigint() - start);
    if (ns < best) best = ns;
    fresh = count;
    gc();
    const after = process.memoryUsage();
    retainedMB = Math.round(
      (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 1e6,
    );
    if (d === undefined) throw new Error('unreachable: keeps `d` alive until measured');
  }
  return { claimsPerSec: Math.round(s.order.length / (best / 1e9)), fresh, retainedMB };
}

export default {
  description: `${SPANS / 1e6}M span ids + ${RETRY_RATE * 100}% retries over 30 min: DedupeWindow vs Set<string> and 9 generational Set<string>`,
  async run(): Promise<Record<string, unknown>> {
    const s = makeStream();
    const window = () => new DedupeWindow({ windowMs: WINDOW_MS, generations: GENERATIONS });
    // Same answers before speed means anything (the plain Set has no expiry; retries are recent, so
    // it agrees too).
    const expected = measure(() => new GenerationalSets(), s, false, 1).fresh;
    for (const make of [window, () => new PlainSet()]) {
      const got = measure(make, s, false, 1).fresh;
      if (got !== expected) throw new Error(`claimers disagree: ${got} vs ${expected} newly claimed`);
    }
    const rows: { variant: string; claimer: string; 'claims/s': number; 'retained MB': number }[] = [];
    const result: Record<string, unknown> = { claims: s.order.length, distinct: expected };
    for (const build of [false, true]) {
      const variant = build ? 'built' : 'prebuilt';
      const ours = measure(window, s, build);
      const set = measure(() => new PlainSet(), s, build);
      const gens = measure(() => new GenerationalSets(), s, build);
      rows.push(
        { variant, claimer: 'DedupeWindow', 'claims/s': ours.claimsPerSec, 'retained MB': ours.retainedMB },
        { variant, claimer: 'Set<string>', 'claims/s': set.claimsPerSec, 'retained MB': set.retainedMB },
        {
          variant,
          claimer: '9 × Set<string>',
          'claims/s': gens.claimsPerSec,
          'retained MB': gens.retainedMB,
        },
      );
      result[`${variant}_dedupeWindow_claims_s`] = ours.claimsPerSec;
      result[`${variant}_set_claims_s`] = set.claimsPerSec;
      result[`${variant}_generationalSets_claims_s`] = gens.claimsPerSec;
      result[`${variant}_speedup_vs_set`] = Number((ours.claimsPerSec / set.claimsPerSec).toFixed(2));
      result[`${variant}_retained_mb`] = {
        dedupeWindow: ours.retainedMB,
        set: set.retainedMB,
        generationalSets: gens.retainedMB,
      };
    }
    console.table(rows);
    return result;
  },
};
