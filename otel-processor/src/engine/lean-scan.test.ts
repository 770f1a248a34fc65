/**
 * Differential test of the lean trace scanner (`otlp/scan-traces.ts`): every body goes through the full
 * path (protobufjs decode → validate → engine) and the lean path (scan → validate → engine) on two engines
 * built alike; decode errors, partial-success answers, apply results, added `cost.*` bytes, stats, flush
 * lines and snapshots (dedupe state included) must be identical.
 */
import { validateConfig, type MeterlineConfig } from '@meterline/cost-model';
import { realisticResource, traceBatch } from '../../../bench/support/otlp-batches';
import { decodeRequest, type DecodedRequest } from '../ingest/decode-request';
import { unitTestConfig } from '../instrument/test-config.fixture';
import { compileMeterline } from '../instrument/compile';
import { decodeTracesProtobuf } from '../otlp/decode';
import { encodeTracesJson, encodeTracesProtobuf } from '../otlp/encode';
import { SpliceError, spliceSpanAttributes, unpackSpanRecords } from '../otlp/splice';
import {
  arrayKeyValue,
  doubleKeyValue,
  stringKeyValue,
  toNanos,
  type ResourceSpans,
  type TracesRequest,
} from '../otlp/model';
import { span as sampleSpan, traces as sampleTraces } from '../otlp/samples.fixture';
import { scanTracesProtobuf } from '../otlp/scan-traces';
import { serveLines } from '../serve/lines';
import { CostEngine, addCollectedAttributes, type ApplyResult } from './cost-engine';
import { expandSpanCostRecords } from './span-cost-records';

const MIN = 60_000;

/** The benchmark's config plus rules on status, kinds and attributes (`names`: and a rule on span names). */
function benchLikeConfig(names = true): MeterlineConfig {
  return validateConfig({
    catalog: {
      skus: [
        {
          id: 'api.requests',
          unit: 'request',
          prices: [{ effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.0000004' }],
        },
        {
          id: 'compute.gb_s',
          unit: 'GB-s',
          prices: [
            {
              effectiveFrom: '2020-01-01T00:00:00Z',
              currency: 'USD',
              unitPrice: '0.0000166667',
              tiers: [{ upTo: '400', unitPrice: '0' }, { unitPrice: '0.0000166667' }],
            },
          ],
        },
        {
          id: 'db.queries',
          unit: 'query',
          prices: [{ effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.000002' }],
        },
      ],
    },
    skus: [
      {
        id: 'requests',
        sku: 'api.requests',
        match: { signal: 'span', kinds: ['server'] },
        quantity: { type: 'count' },
      },
      {
        id: 'compute',
        sku: 'compute.gb_s',
        match: { signal: 'span', kinds: ['server'] },
        quantity: { type: 'duration_memory', memoryGb: '0.5' },
      },
      {
        id: 'queries',
        sku: 'db.queries',
        match: {
          signal: 'span',
          kinds: ['client'],
          ...(names ? { names: ['SELECT orders', 'wählen ✓'] } : {}),
        },
        quantity: { type: 'count' },
      },
      {
        id: 'errors',
        sku: 'api.requests',
        match: { signal: 'span', statuses: ['error'] },
        quantity: { type: 'count', scale: '10' },
      },
      {
        id: 'cart',
        sku: 'db.queries',
        match: {
          signal: 'span',
          kinds: ['server'],
          attributes: [{ key: 'app.cache.hit', source: 'attributes', exists: true }],
        },
        quantity: { type: 'attribute', attribute: 'app.cart.value', source: 'attributes' },
      },
      {
        id: 'odd-kinds',
        sku: 'api.requests',
        match: { signal: 'span', kinds: ['consumer', 'internal'] },
        quantity: { type: 'duration', scale: '2' },
      },
    ],
    attribution: {
      rules: [
        {
          id: 'tenant',
          match: [{ key: 'tenant.id', source: 'attributes' }],
          set: { tenant: { from: 'tenant.id' } },
        },
        {
          id: 'unicode',
          match: [{ key: 'mandant.größe', source: 'any' }],
          set: { tenant: { from: 'mandant.größe' } },
        },
      ],
      fallbacks: [
        {
          key: 'k8s.namespace.name',
          source: 'resource',
          map: { checkout: { team: 'payments', center: 'cc-100' } },
        },
      ],
    },
  });
}

/** A small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (b: Uint8Array | undefined): string => (b === undefined ? '-' : Buffer.from(b).toString('hex'));

/** Everything observable of one decode + apply. */
function run(
  engine: CostEngine,
  body: Uint8Array,
  recvTimeMs: number,
  lean: boolean,
): { outcome: unknown; lean: boolean } {
  let decoded: DecodedRequest;
  try {
    decoded = decodeRequest(
      'traces',
      'protobuf',
      body,
      recvTimeMs,
      lean ? { leanSpanKeys: engine.leanSpanKeys } : {},
    );
  } catch (err) {
    return { outcome: { error: (err as Error).message }, lean: false };
  }
  if (decoded.signal !== 'traces') throw new Error('not traces');
  const r = engine.applyTraces(decoded.request, recvTimeMs, true);
  return {
    lean: decoded.lean === true,
    outcome: {
      rejected: decoded.rejected,
      truncated: decoded.truncated,
      message: decoded.message,
      items: r.items,
      deduped: r.deduped,
      usages: r.usages,
      late: r.late,
      conflict: r.conflict,
      added: r.added === undefined ? undefined : unpackSpanRecords(expandSpanCostRecords(r.added)).map(hex),
      forwarded: forwarded(decoded, body, recvTimeMs, r),
    },
  };
}

/**
 * What `MeterlineService.forwardTraces` sends, as OTLP JSON: the spliced body, or the model re-encoded (a
 * lean request is decoded in full first, as the service does).
 */
function forwarded(
  decoded: Extract<DecodedRequest, { signal: 'traces' }>,
  body: Uint8Array,
  recvTimeMs: number,
  r: ApplyResult,
): string | undefined {
  if (r.added === undefined || r.deduped >= r.items) return undefined;
  const full = () => {
    const request = decoded.lean
      ? (decodeRequest('traces', 'protobuf', body, recvTimeMs) as typeof decoded).request
      : decoded.request;
    addCollectedAttributes(request, r.added!);
    return `model:${encodeTracesJson(request)}`;
  };
  if (decoded.truncated === 0 && r.conflict !== true) {
    try {
      const spliced = encodeTracesJson(
        decodeTracesProtobuf(spliceSpanAttributes(body, unpackSpanRecords(expandSpanCostRecords(r.added)))),
      );
      // The splice gives what re-encoding the enriched model gives (when no span was rejected).
      if (!decoded.lean && decoded.rejected === 0) expect(spliced).toEqual(full().slice(6));
      return `spliced:${spliced}`;
    } catch (err) {
      if (!(err instanceof SpliceError)) throw err;
    }
  }
  return full();
}

/** Runs `bodies` (with receive times) through both paths and compares everything, step by step. */
function differential(config: MeterlineConfig, bodies: { body: Uint8Array; recvTimeMs: number }[]): number {
  const make = (everyAttribute = false) => {
    const meterline = compileMeterline(config);
    // Without the rule configs the engine converts every attribute (no key set, no shortcuts on it): the
    // reference the key-set shortcuts are checked against.
    if (everyAttribute) Object.assign(meterline, { attribution: undefined, skuRules: undefined });
    return new CostEngine({ meterline, exemplarsPerKey: 3, latenessMs: 5 * MIN });
  };
  const reference = make(true);
  const full = make();
  const lean = make();
  expect(reference.leanSpanKeys).toBeUndefined();
  expect(lean.leanSpanKeys).toBeDefined();
  let leanCount = 0;
  bodies.forEach(({ body, recvTimeMs }, i) => {
    const r = run(reference, body, recvTimeMs, false);
    const a = run(full, body, recvTimeMs, false);
    const b = run(lean, body, recvTimeMs, true);
    if (b.lean) leanCount++;
    expect({ i, ...(a.outcome as object) }).toEqual({ i, ...(r.outcome as object) });
    expect({ i, ...(b.outcome as object) }).toEqual({ i, ...(a.outcome as object) });
    expect(full.stats).toEqual(reference.stats);
    expect(lean.stats).toEqual(full.stats);
    if (i % 3 === 2) {
      const snapshot = reference.snapshot();
      expect(Buffer.from(full.snapshot()).equals(Buffer.from(snapshot))).toBe(true);
      expect(Buffer.from(lean.snapshot()).equals(Buffer.from(snapshot))).toBe(true);
      const fr = reference.flush(serveLines, reference.clockMs - 5 * MIN);
      const fa = full.flush(serveLines, full.clockMs - 5 * MIN);
      const fb = lean.flush(serveLines, lean.clockMs - 5 * MIN);
      expect(fa.lines).toEqual(fr.lines);
      expect(fb.lines).toEqual(fr.lines);
      expect(fb.points).toEqual(fr.points);
      reference.confirm(fr.token);
      full.confirm(fa.token);
      lean.confirm(fb.token);
    }
  });
  expect(Buffer.from(lean.snapshot()).equals(Buffer.from(full.snapshot()))).toBe(true);
  expect(lean.flush(serveLines, lean.clockMs).lines).toEqual(full.flush(serveLines, full.clockMs).lines);
  return leanCount;
}

const T = Date.parse('2026-03-02T10:00:00Z');

/** Generated requests with every kind of span the engine and validation treat differently. */
function generated(seed: number): TracesRequest {
  const rand = prng(seed);
  const base = traceBatch({
    spans: 24 + Math.floor(rand() * 40),
    seed,
    startMs: T - Math.floor(rand() * 12 * MIN),
    tenants: 5,
    attributesPerSpan: 4 + Math.floor(rand() * 10),
  });
  const spans = base.resourceSpans[0]!.scopeSpans[0]!.spans;
  for (const s of spans) {
    const x = rand();
    if (x < 0.04) s.traceId = new Uint8Array(16);
    else if (x < 0.06) s.spanId = new Uint8Array(4);
    else if (x < 0.08) s.parentSpanId = new Uint8Array(3);
    else if (x < 0.1) s.endTimeUnixNano = toNanos(0n);
    else if (x < 0.12) s.startTimeUnixNano = toNanos(BigInt(T + 3 * 3_600_000) * 1_000_000n);
    else if (x < 0.14) [s.startTimeUnixNano, s.endTimeUnixNano] = [s.endTimeUnixNano, s.startTimeUnixNano];
    else if (x < 0.2) {
      // Priced upstream by the in-process span processor.
      s.attributes.push(
        stringKeyValue('cost.sku', 'api.requests'),
        doubleKeyValue('cost.quantity', 1),
        stringKeyValue('cost.unit', 'request'),
        stringKeyValue('cost.amount', '0.0000004'),
        stringKeyValue('cost.currency', 'USD'),
        stringKeyValue('cost.tenant', 'pre-priced'),
      );
    } else if (x < 0.23) s.attributes.push(stringKeyValue('cost.team', 'set-by-app'));
    else if (x < 0.27) {
      s.name = rand() < 0.5 ? 'wählen ✓' : '🚀 span';
      s.attributes.push(stringKeyValue('mandant.größe', 'groß-😀'));
    } else if (x < 0.3) {
      s.attributes.push(
        arrayKeyValue('tenant.id', ['a', 'b']),
        { key: 'tenant.id', value: { kvlistValue: { values: [stringKeyValue('k', 'v')] } } },
        { key: 'tenant.id' },
      );
    } else if (x < 0.33) {
      s.events = [
        {
          timeUnixNano: s.startTimeUnixNano,
          name: 'ev',
          attributes: [stringKeyValue('tenant.id', 'in-event')],
        },
      ];
      s.links = [{ traceId: s.traceId, spanId: s.spanId, attributes: [stringKeyValue('x', 'y')], flags: 1 }];
    } else if (x < 0.36) s.kind = 5 + Math.floor(rand() * 4);
    else if (x < 0.38) s.status = { code: 7, message: 'odd' };
    else if (x < 0.4) s.attributes.push({ key: 'tenant.id', value: { intValue: toNanos(42n) } });
  }
  // Duplicates within the request.
  if (rand() < 0.5) spans.push(spans[0]!, spans[1]!);
  const rs: ResourceSpans[] = [base.resourceSpans[0]!];
  if (rand() < 0.6) {
    const other = realisticResource('büro-api');
    rs.push({
      resource: { attributes: other },
      scopeSpans: [
        {
          scope: { name: 'a', version: '1', attributes: [stringKeyValue('scope.k', 'v')] },
          spans: spans
            .slice(0, 5)
            .map((s, k) => ({ ...s, spanId: Uint8Array.of(9, 9, 9, k, seed & 255, 1, 2, 3) })),
        },
        { scope: { name: 'empty' }, spans: [] },
        { spans: spans.slice(5, 8).map((s) => ({ ...s, traceId: new Uint8Array(16) })) },
      ],
    });
    rs.push({ scopeSpans: [] });
    rs.push({ scopeSpans: [{ spans: spans.slice(8, 10) }] });
  }
  return { resourceSpans: rs };
}

/** Appends an unknown field (number 99, each wire type) at the end of the body. */
function withUnknownFields(body: Uint8Array): Uint8Array {
  const extra = [
    0x98,
    0x06,
    0x01, // 99: varint
    0x99,
    0x06,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8, // 99: fixed64
    0x9a,
    0x06,
    0x02,
    0x41,
    0x42, // 99: bytes
    0x9d,
    0x06,
    1,
    2,
    3,
    4, // 99: fixed32
  ];
  return Buffer.concat([Buffer.from(body), Buffer.from(extra)]);
}

describe('lean trace scanner vs the full protobuf path', () => {
  for (const [name, config] of [
    ['bench-like config', () => benchLikeConfig()],
    ['bench-like config without name rules', () => benchLikeConfig(false)],
    ['unit-test config', unitTestConfig],
  ] as const) {
    it(`gives identical results on generated bodies (${name})`, () => {
      const bodies: { body: Uint8Array; recvTimeMs: number }[] = [];
      let recv = T;
      for (let seed = 1; seed <= 60; seed++) {
        const body = encodeTracesProtobuf(generated(seed));
        recv += Math.floor(prng(seed)() * 90_000);
        bodies.push({ body, recvTimeMs: recv });
        // Collector retries and WAL replays: the same body again, sometimes much later.
        if (seed % 4 === 0) bodies.push({ body, recvTimeMs: recv });
        if (seed % 7 === 0) bodies.push({ body: withUnknownFields(body), recvTimeMs: recv + 1 });
        if (seed % 9 === 0) bodies.push({ body, recvTimeMs: recv - 120_000 }); // clock step back
      }
      const lean = differential(config(), bodies);
      expect(lean).toBe(bodies.length); // every one of these took the lean path
    });
  }

  it('reads span names only when a SKU rule matches on them', () => {
    const keys = (config: MeterlineConfig) =>
      new CostEngine({ meterline: compileMeterline(config) }).leanSpanKeys!;
    expect(keys(benchLikeConfig()).names).toBe(true);
    expect(keys(benchLikeConfig(false)).names).toBe(false);
    const body = encodeTracesProtobuf(generated(3));
    const spans = scanTracesProtobuf(body, keys(benchLikeConfig(false)))!.resourceSpans[0]!.scopeSpans[0]!
      .spans;
    expect(spans.every((s) => s.name === '')).toBe(true);
  });

  it('gives identical results on the codec fixtures, huge values and odd spans', () => {
    const huge = 'x'.repeat(70_000);
    const requests: TracesRequest[] = [
      sampleTraces([sampleSpan(0), sampleSpan(1), sampleSpan(2, { kind: 3, name: 'handler' })]),
      sampleTraces([sampleSpan(3, { attributes: [stringKeyValue('tenant.id', huge)] })]),
      sampleTraces([sampleSpan(4, { attributes: [stringKeyValue('other', huge)] })]),
      sampleTraces([sampleSpan(5, { events: [{ timeUnixNano: toNanos(1n), name: huge }] })]),
      sampleTraces([sampleSpan(6, { name: 'x'.repeat(70_000) })]),
      sampleTraces([
        sampleSpan(7, { attributes: [stringKeyValue('tenant.id', 'y'.repeat(30_000) + '€'.repeat(20_000))] }),
      ]),
      sampleTraces([]),
      { resourceSpans: [] },
    ];
    const bodies = requests.map((r, i) => ({ body: encodeTracesProtobuf(r), recvTimeMs: 1717243260000 + i }));
    differential(unitTestConfig(), bodies);
    // Huge string values are left to the full path (it truncates); a long name is not an attribute.
    expect(scanTracesProtobuf(bodies[1]!.body, new CostEngineKeys().keys)).toBeUndefined();
    expect(scanTracesProtobuf(bodies[2]!.body, new CostEngineKeys().keys)).toBeUndefined();
    expect(scanTracesProtobuf(bodies[3]!.body, new CostEngineKeys().keys)).toBeUndefined();
    expect(scanTracesProtobuf(bodies[4]!.body, new CostEngineKeys().keys)).toBeDefined();
  });

  it('gives identical results (or the same 400 message) on truncated and corrupted bodies', () => {
    const rand = prng(4242);
    const bodies: { body: Uint8Array; recvTimeMs: number }[] = [];
    for (let n = 0; n < 400; n++) {
      const good = Buffer.from(encodeTracesProtobuf(generated(1000 + (n % 17))));
      const body = Buffer.from(good);
      const kind = n % 4;
      if (kind === 0) {
        bodies.push({ body: body.subarray(0, Math.floor(rand() * body.length)), recvTimeMs: T + n });
        continue;
      }
      const flips = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(rand() * body.length);
        body[at] = kind === 1 ? Math.floor(rand() * 256) : kind === 2 ? body[at]! ^ 0x80 : body[at]! ^ 0x07;
      }
      bodies.push({ body, recvTimeMs: T + n });
    }
    const lean = differential(benchLikeConfig(), bodies);
    expect(lean).toBeGreaterThan(0);
  });
});

/** The key set of an engine with the unit-test config. */
class CostEngineKeys {
  readonly keys = new CostEngine({ meterline: compileMeterline(unitTestConfig()) }).leanSpanKeys!;
}
