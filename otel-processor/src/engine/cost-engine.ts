import type Decimal from 'decimal.js';
import {
  UNKNOWN,
  bucketStart,
  seriesKey,
  toNano,
  type Attribution,
  type CostTags,
  type DataPointInput,
  type SpanInput,
  type SpanKindName,
  type SkuRulesState,
  type SpanStatusName,
} from '@meterline/cost-model';
import {
  COST_AMOUNT,
  COST_ATTRIBUTION,
  COST_CENTER,
  COST_CURRENCY,
  COST_PRICE_VERSION,
  COST_QUANTITY,
  COST_RULE,
  COST_SKU,
  COST_TEAM,
  COST_TENANT,
  COST_UNIT,
} from '../instrument/attributes';
import { AttributionCache, DEFAULT_ATTRIBUTION_CACHE_LIMIT } from '../instrument/attribution-cache';
import type { CompiledMeterline } from '../instrument/compile';
import { DEFAULT_AMOUNT_CACHE_LIMIT, SpanPricer } from '../instrument/span-pricer';
import { DedupeWindow } from '../dedupe/window';
import {
  AggregationTemporality,
  hexId,
  int64ToNumber,
  metricDataKind,
  nanosKey,
  nanosToMs,
  numberValue,
  stringKeyValue,
  toAttributes,
  upsertAttributes,
  type Attributes,
  type KeyValue,
  type MetricsRequest,
  type Nanos,
  type Span,
  type TracesRequest,
} from '../otlp/model';
import { pricedUsagesOfSpan, telemetryTags } from '../store/priced-span';
import {
  decodeSpanAttributes,
  encodeSpanAttributes,
  stringAttributeRecord,
  unpackSpanRecords,
  type PackedSpanRecords,
} from '../otlp/splice';
import { SpanKeySet } from '../otlp/scan-traces';
import { BucketTable, type FlushToken } from './bucket-table';
import { DeployTracker, deployKey, type DeployEvent } from './deploys';
import { ExemplarTable, exemplarKey as exemplarKeyOf, type Exemplar } from './exemplars';
import { nanoOfBig, nanoOfScaled } from './exact-total';
import {
  RecordEntry,
  SpanCostWriter,
  expandSpanCostRecords,
  labelEntry,
  type SpanCostRecords,
} from './span-cost-records';
import { decodeSnapshot, encodeSnapshot } from './snapshot';

/** Options of {@link CostEngine}. */
export interface CostEngineOptions {
  /** The compiled cost model (catalog, SKU rules, attribution). */
  meterline: CompiledMeterline;
  /** How long a minute bucket accepts late items, ms (default 5 min). */
  latenessMs?: number;
  /** Dedupe window, ms of receive time (default 10 min). */
  dedupeWindowMs?: number;
  /** Most keys the dedupe window holds (default 5,000,000). */
  dedupeMaxKeys?: number;
  /** Exemplars kept per (service, tenant, SKU, minute) (default 5). */
  exemplarsPerKey?: number;
}

/** What applying one request did. */
export interface ApplyResult {
  /**
   * Traces with `collect`: the `cost.*` attributes added to each span, in document order (none for a
   * duplicate or a span that got nothing), in the compact form of `span-cost-records.ts` (expand them with
   * `expandSpanCostRecords`), for forwarding. The request itself is left unchanged.
   */
  added?: SpanCostRecords;
  /** Some added key was already on its span (set by the application): splicing would duplicate it. */
  conflict?: boolean;
  /** Spans or data points seen. */
  items: number;
  /** Items skipped as duplicates (already counted). */
  deduped: number;
  /** Priced usages rolled up. */
  usages: number;
  /** Usages whose minute had closed, folded into the oldest open bucket. */
  late: number;
}

/** Running totals of what the engine did since start (replays included). */
export interface EngineStats {
  spans: number;
  points: number;
  deduped: number;
  usages: number;
  late: number;
  deploys: number;
}

/** A batch for the flush loop: write `lines`, then `confirm(token)`. */
export interface EngineFlush {
  lines: string[];
  token: EngineFlushToken;
  /** Counts by measurement, for logs and self-telemetry. */
  points: { cost: number; exemplars: number; events: number };
}

/** Opaque: what a flush covered. */
export interface EngineFlushToken {
  buckets: FlushToken;
  closeBefore: number;
  events: DeployEvent[];
  exemplars: Exemplar[];
}

/** Encodes the engine's outputs as InfluxDB lines (see `serve/lines.ts`). */
export interface LineEncoder {
  cost(rows: ReturnType<BucketTable['dirty']>['rows']): string[];
  exemplars(exemplars: Exemplar[]): string[];
  deploys(events: DeployEvent[]): string[];
}

const KIND_NAMES: readonly SpanKindName[] = [
  'internal',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];
const STATUS_NAMES: readonly SpanStatusName[] = ['unset', 'ok', 'error'];
const NO_ATTRIBUTES: Attributes = Object.freeze({});
/** Dedupe keys of spans: `s` + trace id hex + span id hex. */
const SPAN_KEY_PREFIX = 's'.charCodeAt(0);
const ATTRIBUTION_KEYS: readonly string[] = [
  COST_TENANT,
  COST_TEAM,
  COST_CENTER,
  COST_ATTRIBUTION,
  COST_RULE,
];
const PRICE_KEYS: readonly string[] = [
  COST_SKU,
  COST_QUANTITY,
  COST_UNIT,
  COST_AMOUNT,
  COST_CURRENCY,
  COST_PRICE_VERSION,
];
/** Every `cost.*` key the engine reads or writes. */
const COST_KEYS: ReadonlySet<string> = new Set([...ATTRIBUTION_KEYS, ...PRICE_KEYS]);
/** Cached series before the cache is emptied (a bound on memory when tenants are unbounded). */
const SERIES_CACHE_LIMIT = 20_000;
const RECORD_CACHE_LIMIT = 10_000;
const RESOURCE_TOKEN_LIMIT = 1_000;

/** One (series tags, key) a usage rolls up into, cached by {@link CostEngine}. */
interface Series {
  readonly tags: CostTags;
  readonly key: string;
  readonly exemplarKey: string;
  /** The last amount priced for it and its nano-units (count SKUs repeat the same Decimal). */
  lastAmount: Decimal | undefined;
  lastNano: bigint;
}

/** What the spans of one resource share, and the current span's hex ids (built only when needed). */
interface SpanIds {
  service: string;
  version: string;
  env: string;
  resourceKey: string;
  deployKey: string;
  traceId: string | undefined;
  spanId: string | undefined;
}

/**
 * The deterministic heart of `meterline serve` (see docs/serve-durability.md): a durable request in,
 * priced and rolled-up state out. No I/O and no wall clock — "now" is the receive time of the record being
 * applied (kept monotonic) — so replaying the WAL rebuilds exactly the state a crashed process had.
 *
 * Spans are attributed and priced with the same compiled rules and pricer as the in-process
 * `CostSpanProcessor`, so a span is priced identically either way; a span that already carries
 * `cost.amount` is rolled up from its attributes, not priced again. The engine also enriches the decoded
 * request in place with the `cost.*` attributes, ready to be forwarded.
 */
export class CostEngine {
  readonly stats: EngineStats = { spans: 0, points: 0, deduped: 0, usages: 0, late: 0, deploys: 0 };
  private readonly meterline: CompiledMeterline;
  private readonly attribution: AttributionCache;
  private readonly pricer: SpanPricer;
  private readonly latenessMs: number;
  private dedupe: DedupeWindow;
  private readonly buckets = new BucketTable();
  private readonly exemplars: ExemplarTable;
  private readonly deploys = new DeployTracker();
  private pendingEvents: DeployEvent[] = [];
  private nowMs = 0;
  /** Series per (resource tag values, attribution result, currency, SKU): see {@link CostEngine.seriesOf}. */
  private readonly series = new Map<string, Map<Attribution, Map<string, Map<string, Series>>>>();
  private seriesCount = 0;
  private readonly resourceTokens = new Map<string, object>();
  private readonly attributionEntries = new WeakMap<Attribution, RecordEntry>();
  private readonly skuRecords = new RecordCache(COST_SKU);
  private readonly unitRecords = new RecordCache(COST_UNIT);
  private readonly currencyRecords = new RecordCache(COST_CURRENCY);
  private readonly versionRecords = new RecordCache(COST_PRICE_VERSION);
  /** Price label entries by SKU(s), unit(s), currency and version(s) (see {@link CostEngine.labelOf}). */
  private readonly labels = new Map<string, RecordEntry>();
  /** The last few labels used, newest first. */
  private readonly recentLabels: RecentLabel[] = [];
  /** Size of the last request's compact `cost.*` records (doubles, dictionary bytes), to size the next writer. */
  private writerOps = 8 * 1024;
  private writerDict = 4 * 1024;
  /** Buffers of earlier {@link ApplyResult.added} records, handed back by {@link recycleRecords}. */
  private readonly spareRecordBuffers: ArrayBuffer[] = [];
  /** Every span attribute key anything reads (rules, attribution, `cost.*`), when the configs name them all. */
  private readonly spanKeys: ReadonlySet<string> | undefined;
  /**
   * {@link CostEngine.spanKeys} for the lean trace scanner (`otlp/scan-traces.ts`), or undefined when the
   * engine needs every attribute (then requests must be decoded in full).
   */
  readonly leanSpanKeys: SpanKeySet | undefined;
  private readonly picked: KeyValue[] = [];
  /** Scratch: whether each span of the scope being applied was claimed (1) or is a duplicate (0). */
  private claimed = new Uint8Array(1024);
  /** Whether the last {@link CostEngine.pickAttributes} kept a `cost.*` key (else none can be set). */
  private pickedCost = true;
  private readonly ids: SpanIds = {
    service: '',
    version: '',
    env: '',
    resourceKey: '',
    deployKey: '',
    traceId: undefined,
    spanId: undefined,
  };
  private readonly spanInput: SpanInput = {
    name: '',
    kind: 'internal',
    status: 'unset',
    durationNs: 0,
    attributes: NO_ATTRIBUTES,
    resource: NO_ATTRIBUTES,
    baggage: undefined,
  };

  constructor(private readonly options: CostEngineOptions) {
    this.meterline = options.meterline;
    this.attribution = new AttributionCache(
      this.meterline.attributor,
      this.meterline.attribution,
      DEFAULT_ATTRIBUTION_CACHE_LIMIT,
    );
    this.pricer = new SpanPricer(this.meterline.catalog, this.meterline.skuRules, DEFAULT_AMOUNT_CACHE_LIMIT);
    this.latenessMs = options.latenessMs ?? 5 * 60_000;
    this.dedupe = this.newDedupe();
    this.exemplars = new ExemplarTable(options.exemplarsPerKey ?? 5);
    this.spanKeys = spanKeysRead(this.meterline);
    this.leanSpanKeys = leanKeySet(this.spanKeys, this.meterline);
  }

  /**
   * The span's attributes that anything reads ({@link CostEngine.spanKeys}) as a record: the same values
   * as `toAttributes` gives for those keys, without converting the others.
   */
  private pickAttributes(kvs: readonly KeyValue[]): Attributes {
    const keys = this.spanKeys!;
    const picked = this.picked;
    let cost = false;
    for (let i = 0; i < kvs.length; i++) {
      const key = kvs[i]!.key;
      if (keys.has(key)) {
        picked.push(kvs[i]!);
        if (!cost && COST_KEYS.has(key)) cost = true;
      }
    }
    this.pickedCost = cost;
    if (picked.length === 0) return {};
    const out = toAttributes(picked);
    picked.length = 0;
    return out;
  }

  /** The receive time of the latest record applied (the engine's clock). */
  get clockMs(): number {
    return this.nowMs;
  }

  /**
   * Hands back a buffer of an earlier result's `added` (`ops` or `dict`) once nobody reads it any more (the
   * forwarding thread returns them), so the next request writes into memory already paged in.
   */
  recycleRecords(buffer: ArrayBuffer): void {
    if (this.spareRecordBuffers.length < 32 && buffer.byteLength > 0) this.spareRecordBuffers.push(buffer);
  }

  /** A spare buffer of at least `bytes` (a multiple of 8), or that size with room to grow. */
  private spareBuffer(bytes: number): ArrayBuffer {
    const spares = this.spareRecordBuffers;
    for (let i = spares.length - 1; i >= 0; i--) {
      const spare = spares[i]!;
      if (spare.byteLength >= bytes) {
        spares[i] = spares[spares.length - 1]!;
        spares.pop();
        return spare;
      }
    }
    return new ArrayBuffer(8 * Math.ceil((bytes + (bytes >> 2)) / 8));
  }

  /** The writer of a request's compact `cost.*` records, in spare buffers sized like the last request's. */
  private costWriter(): SpanCostWriter {
    const ops = this.spareBuffer(8 * this.writerOps);
    const dict = this.spareBuffer(this.writerDict);
    return new SpanCostWriter(new Float64Array(ops, 0, ops.byteLength >> 3), new Uint8Array(dict));
  }

  /**
   * Attributes, prices and rolls up a decoded (and validated) traces request received at `recvTimeMs`.
   * With `collect`, also returns the `cost.*` attributes each span gets (see {@link ApplyResult.added}).
   */
  applyTraces(request: TracesRequest, recvTimeMs: number, collect = false): ApplyResult {
    const now = this.advance(recvTimeMs);
    const boundary = bucketStart(now - this.latenessMs);
    const result: ApplyResult = { items: 0, deduped: 0, usages: 0, late: 0 };
    const writer = collect ? this.costWriter() : undefined;
    if (collect) result.conflict = false;
    const ids = this.ids;
    for (const rs of request.resourceSpans) {
      const resource = rs.resource ?? { attributes: [] };
      const resourceAttributes = toAttributes(resource.attributes);
      const resourceToken = this.resourceToken(canonical(resourceAttributes));
      const service = str(resourceAttributes['service.name']);
      const version = str(resourceAttributes['service.version']);
      const env = str(
        resourceAttributes['deployment.environment.name'] ?? resourceAttributes['deployment.environment'],
      );
      ids.service = service;
      ids.version = version;
      ids.env = env;
      ids.deployKey = deployKey(service, env);
      ids.resourceKey = JSON.stringify([service, version, env, str(resourceAttributes['cloud.region'])]);
      for (const ss of rs.scopeSpans) {
        const spans = ss.spans;
        // Claimed in a loop of their own: the table probes (cache misses, mostly) overlap there instead of
        // waiting one by one between spans' pricing. Same claims, same order: only the timing changes.
        let claimed = this.claimed;
        if (claimed.length < spans.length) claimed = this.claimed = new Uint8Array(2 * spans.length);
        const dedupe = this.dedupe;
        for (let i = 0; i < spans.length; i++) {
          const s = spans[i]!;
          claimed[i] = dedupe.claimIds(SPAN_KEY_PREFIX, s.traceId, s.spanId, now) ? 1 : 0;
        }
        for (let i = 0; i < spans.length; i++) {
          const span = spans[i]!;
          result.items++;
          if (claimed[i] === 0) {
            result.deduped++;
            writer?.skip();
            continue;
          }
          ids.traceId = undefined;
          ids.spanId = undefined;
          writer?.begin();
          this.priceSpan(span, resourceToken, resourceAttributes, ids, boundary, result, writer);
          writer?.end();
        }
      }
    }
    if (writer !== undefined) {
      this.writerOps = Math.max(1024, writer.opsSize);
      this.writerDict = Math.max(1024, writer.dictSize);
      result.added = writer.finish();
    }
    this.stats.spans += result.items;
    this.stats.deduped += result.deduped;
    this.stats.usages += result.usages;
    this.stats.late += result.late;
    return result;
  }

  private priceSpan(
    span: Span,
    resourceToken: object,
    resourceAttributes: Attributes,
    ids: SpanIds,
    boundary: number,
    result: ApplyResult,
    writer: SpanCostWriter | undefined,
  ): void {
    let attributes: Attributes;
    if (this.spanKeys === undefined) {
      attributes = toAttributes(span.attributes);
      this.pickedCost = true;
    } else attributes = this.pickAttributes(span.attributes);
    // Without a picked `cost.*` key, none of the lookups of `cost.*` attributes below can find one.
    const cost = this.pickedCost;
    const endMs = nanosToMs(span.endTimeUnixNano);
    let attribution: Attribution | undefined;
    if (!cost || attributes[COST_ATTRIBUTION] === undefined) {
      attribution = this.attribution.attribute(attributes, resourceAttributes, resourceToken, undefined);
      if (writer !== undefined) {
        writer.attribution(this.attributionEntry(attribution));
        if (cost && hasAny(attributes, ATTRIBUTION_KEYS)) result.conflict = true;
      }
    }
    const team = attribution?.team ?? str(attributes[COST_TEAM], UNKNOWN);
    const deploy = this.deploys.observe(ids.service, ids.env, ids.version, team, endMs, ids.deployKey);
    if (deploy !== undefined) {
      this.pendingEvents.push(deploy);
      this.stats.deploys++;
    }

    let bucket = bucketStart(endMs);
    const late = bucket < boundary;
    if (late) bucket = boundary;
    if (cost && attributes[COST_AMOUNT] !== undefined) {
      // Priced upstream (the in-process CostSpanProcessor): roll up what it says, never price twice.
      const usages = pricedUsagesOfSpan(attributes, resourceAttributes, endMs, this.meterline.catalog);
      if (late) result.late += usages.length;
      for (const u of usages)
        this.rollUp(
          bucket,
          u.tags,
          seriesKey(u.tags),
          undefined,
          u.amount,
          u.quantity,
          u.priceVersion,
          span,
          ids,
          result,
        );
      return;
    }
    const input = this.spanInput;
    input.name = span.name;
    input.kind = KIND_NAMES[span.kind] ?? 'internal';
    input.status = STATUS_NAMES[span.status?.code ?? 0] ?? 'unset';
    const durationNs = Math.max(0, nanosBetween(span.startTimeUnixNano, span.endTimeUnixNano));
    input.durationNs = durationNs;
    input.attributes = attributes;
    input.resource = resourceAttributes;
    const matched = this.meterline.skus.forSpan(input);
    input.attributes = NO_ATTRIBUTES;
    input.resource = NO_ATTRIBUTES;
    if (matched.length === 0) return;
    if (writer !== undefined) {
      // The amount stays a mantissa where it can: the forwarding thread formats it.
      const p = this.pricer.price(matched, endMs, undefined, durationNs, matched.length, true);
      writer.priced(
        this.labelOf(p.sku, p.unit, p.currency, p.priceVersion),
        p.quantity,
        p.amountMantissa,
        p.amountScale,
        p.amount,
      );
      if (cost && hasAny(attributes, PRICE_KEYS)) result.conflict = true;
    }
    if (late) result.late += matched.length;
    const pricer = this.pricer;
    for (let i = 0; i < matched.length; i++) {
      const u = matched[i]!;
      // The exact amount `catalog.price(u.sku, u.quantity, endMs, u.ruleId)` gives, without Decimal.
      const a = pricer.usage(u, endMs, durationNs, i);
      let tags: CostTags;
      let key: string;
      let series: Series | undefined;
      if (attribution === undefined) {
        tags = {
          ...telemetryTags(attribution, attributes, resourceAttributes),
          sku: u.sku,
          currency: a.currency,
        };
        key = seriesKey(tags);
      } else {
        series = this.seriesOf(attribution, resourceAttributes, ids.resourceKey, u.sku, a.currency);
        tags = series.tags;
        key = series.key;
      }
      if (a.decimal !== undefined) {
        this.rollUp(bucket, tags, key, series, a.decimal, u.quantity, a.priceVersion, span, ids, result);
        continue;
      }
      let amountNano: number | bigint;
      if (a.mantissa >= 0) {
        this.buckets.addScaled(tags, bucket, a.mantissa, a.scale, u.quantity, a.priceVersion, key);
        amountNano = nanoOfScaled(a.mantissa, a.scale);
      } else {
        this.buckets.addBig(tags, bucket, a.big, a.scale, u.quantity, a.priceVersion, key);
        amountNano = nanoOfBig(a.big, a.scale);
      }
      result.usages++;
      this.offerExemplar(bucket, tags, series, amountNano, span, ids);
    }
  }

  /** Adds one priced usage to its (series, minute) cell and offers the span as an exemplar. */
  private rollUp(
    bucket: number,
    tags: CostTags,
    key: string,
    series: Series | undefined,
    amount: Decimal,
    quantity: number,
    priceVersion: string,
    span: Span,
    ids: SpanIds,
    result: ApplyResult,
  ): void {
    this.buckets.add(tags, bucket, amount, quantity, priceVersion, key);
    result.usages++;
    let amountNano: bigint;
    if (series !== undefined && series.lastAmount === amount) amountNano = series.lastNano;
    else {
      amountNano = toNano(amount);
      if (series !== undefined) {
        series.lastAmount = amount;
        series.lastNano = amountNano;
      }
    }
    this.offerExemplar(bucket, tags, series, amountNano, span, ids);
  }

  /** Offers the span as an exemplar of its usage's key and minute (when it could be kept). */
  private offerExemplar(
    bucket: number,
    tags: CostTags,
    series: Series | undefined,
    amountNano: bigint | number,
    span: Span,
    ids: SpanIds,
  ): void {
    const exemplarKey = series?.exemplarKey ?? exemplarKeyOf(tags.service, tags.tenant, tags.sku);
    if (!this.exemplars.wants(bucket, exemplarKey, amountNano)) return;
    ids.traceId ??= hexId(span.traceId);
    ids.spanId ??= hexId(span.spanId);
    this.exemplars.offer(
      bucket,
      {
        service: tags.service,
        tenant: tags.tenant,
        sku: tags.sku,
        endNs: nanosKey(span.endTimeUnixNano),
        traceId: ids.traceId,
        spanId: ids.spanId,
        amountNano: typeof amountNano === 'bigint' ? amountNano : BigInt(amountNano),
      },
      false,
      exemplarKey,
    );
  }

  /**
   * The series (tags, series key, exemplar key) of a usage attributed `attribution` on a resource with these
   * tag values, for `sku` in `currency`: cached, so the hot path builds no tags and no key strings.
   */
  private seriesOf(
    attribution: Attribution,
    resourceAttributes: Attributes,
    resourceKey: string,
    sku: string,
    currency: string,
  ): Series {
    let byAttribution = this.series.get(resourceKey);
    if (byAttribution === undefined) {
      byAttribution = new Map();
      this.series.set(resourceKey, byAttribution);
    }
    let byCurrency = byAttribution.get(attribution);
    if (byCurrency === undefined) {
      byCurrency = new Map();
      byAttribution.set(attribution, byCurrency);
    }
    let bySku = byCurrency.get(currency);
    if (bySku === undefined) {
      bySku = new Map();
      byCurrency.set(currency, bySku);
    }
    let series = bySku.get(sku);
    if (series === undefined) {
      if (this.seriesCount >= SERIES_CACHE_LIMIT) {
        this.series.clear();
        this.seriesCount = 0;
        return this.seriesOf(attribution, resourceAttributes, resourceKey, sku, currency);
      }
      const tags: CostTags = {
        ...telemetryTags(attribution, NO_ATTRIBUTES, resourceAttributes),
        sku,
        currency,
      };
      series = {
        tags,
        key: seriesKey(tags),
        exemplarKey: exemplarKeyOf(tags.service, tags.tenant, tags.sku),
        lastAmount: undefined,
        lastNano: 0n,
      };
      bySku.set(sku, series);
      this.seriesCount++;
    }
    return series;
  }

  /** The encoded `cost.*` attribution records of `a` (cached per attribution result). */
  private attributionEntry(a: Attribution): RecordEntry {
    let entry = this.attributionEntries.get(a);
    if (entry === undefined) {
      entry = new RecordEntry(
        encodeSpanAttributes([
          stringKeyValue(COST_TENANT, a.tenant),
          stringKeyValue(COST_TEAM, a.team),
          stringKeyValue(COST_CENTER, a.center),
          stringKeyValue(COST_ATTRIBUTION, a.attribution),
          stringKeyValue(COST_RULE, a.rule),
        ]),
      );
      this.attributionEntries.set(a, entry);
    }
    return entry;
  }

  /**
   * The price label entry of a priced span (its SKU, unit, currency and price-version records). Spans of a
   * few kinds alternate, so the last few labels are checked first, by content: the pricer rebuilds its
   * shared label arrays whenever the SKUs of consecutive spans change.
   */
  private labelOf(
    sku: string | readonly string[],
    unit: string | readonly string[],
    currency: string,
    version: string | readonly string[],
  ): RecordEntry {
    const recent = this.recentLabels;
    for (let i = 0; i < recent.length; i++) {
      const l = recent[i]!;
      if (
        l.currency === currency &&
        sameLabel(l.sku, sku) &&
        sameLabel(l.unit, unit) &&
        sameLabel(l.version, version)
      )
        return l.entry;
    }
    const id = JSON.stringify([sku, unit, currency, version]);
    let entry = this.labels.get(id);
    if (entry === undefined) {
      if (this.labels.size >= RECORD_CACHE_LIMIT) this.labels.clear();
      entry = labelEntry(
        this.skuRecords.get(sku),
        this.unitRecords.get(unit),
        this.currencyRecords.get(currency),
        this.versionRecords.get(version),
      );
      this.labels.set(id, entry);
    }
    // Copies: the pricer's arrays are shared and replaced, never mutated, but keep nothing that could change.
    const copy = (v: string | readonly string[]) => (typeof v === 'string' ? v : v.slice());
    if (recent.length === RECENT_LABELS) recent.pop();
    recent.unshift({ sku: copy(sku), unit: copy(unit), currency, version: copy(version), entry });
    return entry;
  }

  /**
   * One object per distinct resource (by its {@link canonical} key), for the attribution cache, which caches per resource
   * identity: decoded requests carry a new resource object each time, so keying by those would miss on
   * every request (and give every request new attribution objects, series and encoded records).
   */
  private resourceToken(key: string): object {
    let token = this.resourceTokens.get(key);
    if (token === undefined) {
      if (this.resourceTokens.size >= RESOURCE_TOKEN_LIMIT) this.resourceTokens.clear();
      token = {};
      this.resourceTokens.set(key, token);
    }
    return token;
  }

  /** Prices metric data points (sums, gauges, histograms) received at `recvTimeMs`. */
  applyMetrics(request: MetricsRequest, recvTimeMs: number): ApplyResult {
    const now = this.advance(recvTimeMs);
    const boundary = bucketStart(now - this.latenessMs);
    const result: ApplyResult = { items: 0, deduped: 0, usages: 0, late: 0 };
    const skus = this.meterline.skus;
    for (const rm of request.resourceMetrics) {
      const resource = rm.resource ?? { attributes: [] };
      const resourceAttributes = toAttributes(resource.attributes);
      const resourceKey = canonical(resourceAttributes);
      const resourceToken = this.resourceToken(resourceKey);
      for (const sm of rm.scopeMetrics) {
        const scopeKey = `${sm.scope?.name ?? ''}@${sm.scope?.version ?? ''}`;
        for (const metric of sm.metrics) {
          const kind = metricDataKind(metric);
          const data = kind === undefined ? undefined : metric[kind];
          if (kind === undefined || data === undefined || data === null) continue;
          const temporality =
            'aggregationTemporality' in data &&
            data.aggregationTemporality === AggregationTemporality.CUMULATIVE
              ? 'cumulative'
              : 'delta';
          for (const point of data.dataPoints) {
            result.items++;
            const attributes = toAttributes(point.attributes);
            const streamKey = `${resourceKey}|${scopeKey}|${metric.name}|${canonical(attributes)}`;
            if (!this.dedupe.claim(`p${streamKey}@${nanosKey(point.timeUnixNano)}`, now)) {
              result.deduped++;
              continue;
            }
            const timeMs = nanosToMs(point.timeUnixNano);
            const input: DataPointInput = {
              metricName: metric.name,
              kind: kind === 'gauge' ? 'gauge' : kind === 'sum' ? 'sum' : 'histogram',
              temporality: kind === 'gauge' ? 'delta' : temporality,
              streamKey,
              startTimeMs: nanosToMs(point.startTimeUnixNano),
              timeMs,
              attributes,
              resource: resourceAttributes,
            };
            if ('count' in point) {
              input.count = int64ToNumber(point.count);
              input.sum = typeof point.sum === 'number' ? point.sum : 0;
            } else {
              const v = numberValue(point);
              if (v === undefined) continue;
              input.value = v;
            }
            const usages = skus.forDataPoint(input);
            if (usages.length === 0) continue;
            const a = this.attribution.attribute(attributes, resourceAttributes, resourceToken, undefined);
            const tags = telemetryTags(a, attributes, resourceAttributes);
            let bucket = bucketStart(timeMs);
            if (bucket < boundary) {
              bucket = boundary;
              result.late += usages.length;
            }
            for (const u of usages) {
              const priced = this.meterline.catalog.price(u.sku, u.quantity, timeMs, u.ruleId);
              this.buckets.add(
                { ...tags, sku: u.sku, currency: priced.currency },
                bucket,
                priced.amount,
                u.quantity,
                priced.priceVersion,
              );
              result.usages++;
            }
          }
        }
      }
    }
    this.stats.points += result.items;
    this.stats.deduped += result.deduped;
    this.stats.usages += result.usages;
    this.stats.late += result.late;
    return result;
  }

  /**
   * What to write now: every changed (series, minute) total, new exemplars and new deploy events. Buckets
   * before `closeBeforeMs` are closed once this flush is confirmed. Nothing is dropped until {@link confirm}.
   */
  flush(encoder: LineEncoder, closeBeforeMs: number): EngineFlush {
    const closeBefore = bucketStart(closeBeforeMs);
    const { rows, token } = this.buckets.dirty();
    const exemplars = this.exemplars.unwritten();
    const events = this.pendingEvents.slice();
    const lines = [...encoder.cost(rows), ...encoder.exemplars(exemplars), ...encoder.deploys(events)];
    return {
      lines,
      token: { buckets: token, closeBefore, events, exemplars },
      points: { cost: rows.length, exemplars: exemplars.length, events: events.length },
    };
  }

  /** InfluxDB confirmed a flush: mark its totals written, drop closed buckets and written events. */
  confirm(token: EngineFlushToken): void {
    this.buckets.confirm(token.buckets, token.closeBefore);
    this.exemplars.confirm(token.exemplars, token.closeBefore);
    const written = new Set(token.events);
    this.pendingEvents = this.pendingEvents.filter((e) => !written.has(e));
  }

  /** Open and unconfirmed (series, minute) cells held in memory. */
  get openCells(): number {
    return this.buckets.size;
  }

  /** Start of the oldest bucket not yet confirmed closed, for the ingest-lag signal. */
  oldestBucketMs(): number | undefined {
    return this.buckets.oldestBucket();
  }

  /** The whole state, for a checkpoint. */
  snapshot(): Uint8Array {
    return encodeSnapshot({
      version: 1,
      nowMs: this.nowMs,
      cells: this.buckets.snapshot(),
      exemplars: this.exemplars.snapshot(),
      deploys: this.deploys.snapshot(),
      pendingEvents: this.pendingEvents,
      skus: this.meterline.skus.snapshotState(),
      dedupe: this.dedupe.snapshot(),
    });
  }

  /** Restores a {@link snapshot} into a fresh engine (before any record is applied). */
  restore(bytes: Uint8Array): void {
    const s = decodeSnapshot(bytes);
    this.nowMs = s.nowMs;
    this.buckets.restore(s.cells);
    this.exemplars.restore(s.exemplars);
    this.deploys.restore(s.deploys);
    this.pendingEvents = s.pendingEvents;
    this.meterline.skus.restoreState(s.skus as SkuRulesState);
    this.dedupe = DedupeWindow.restore(s.dedupe);
  }

  private newDedupe(): DedupeWindow {
    return new DedupeWindow({
      windowMs: this.options.dedupeWindowMs ?? 10 * 60_000,
      maxKeys: this.options.dedupeMaxKeys ?? 5_000_000,
    });
  }

  /** The engine clock only moves forward, whatever the host clock did. */
  private advance(recvTimeMs: number): number {
    if (recvTimeMs > this.nowMs) this.nowMs = recvTimeMs;
    return this.nowMs;
  }
}

/** `end − start` in nanoseconds, exact (a span's duration fits a double exactly up to ~104 days). */
function nanosBetween(start: Nanos, end: Nanos): number {
  return (end.high - start.high) * 4294967296 + ((end.low >>> 0) - (start.low >>> 0));
}

/** Adds the collected attributes to the request's spans (for forwarding by re-encoding). */
export function addCollectedAttributes(
  request: TracesRequest,
  collected: SpanCostRecords | PackedSpanRecords,
): void {
  const added = unpackSpanRecords('ops' in collected ? expandSpanCostRecords(collected) : collected);
  let i = 0;
  for (const rs of request.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const records = added[i++];
        if (records !== undefined) upsertAttributes(span.attributes, decodeSpanAttributes(records));
      }
    }
  }
}

/**
 * The span attribute keys the SKU rules, the attribution rules and the engine itself read, or undefined when
 * the configs are not known (a precompiled cost model): then every attribute is converted.
 */
function spanKeysRead(m: CompiledMeterline): ReadonlySet<string> | undefined {
  if (m.attribution === undefined || m.skuRules === undefined) return undefined;
  const keys = new Set<string>([...ATTRIBUTION_KEYS, ...PRICE_KEYS]);
  const add = (key: string, source: string | undefined): void => {
    if (source !== 'resource' && source !== 'baggage') keys.add(key);
  };
  for (const rule of m.attribution.rules) {
    for (const match of rule.match) add(match.key, match.source);
    for (const v of [rule.set.tenant, rule.set.team, rule.set.center]) {
      if (v !== undefined && typeof v !== 'string') add(v.from, v.source);
    }
  }
  for (const f of m.attribution.fallbacks) add(f.key, f.source);
  for (const rule of m.skuRules) {
    for (const match of rule.match.attributes ?? []) add(match.key, match.source);
    const q = rule.quantity;
    if (q.type === 'attribute') add(q.attribute, q.source);
    if (q.type === 'duration_memory' && q.memoryAttribute !== undefined)
      add(q.memoryAttribute, q.memorySource);
  }
  return keys;
}

function leanKeySet(keys: ReadonlySet<string> | undefined, m: CompiledMeterline): SpanKeySet | undefined {
  if (keys === undefined || m.skuRules === undefined) return undefined;
  // Span names are read only by SKU rules matching on them.
  const names = m.skuRules.some((r) => r.match.signal === 'span' && r.match.names !== undefined);
  try {
    return new SpanKeySet(keys, names);
  } catch {
    return undefined; // a key bytes cannot match exactly: decode in full
  }
}

/** Whether the application already set one of `keys` (splicing would duplicate it). */
function hasAny(attributes: Attributes, keys: readonly string[]): boolean {
  for (const k of keys) if (attributes[k] !== undefined) return true;
  return false;
}

/**
 * Encoded records of one string (or string-array) attribute, cached per value. Spans of a kind carry the
 * same values, so the last string and the last array are checked first (arrays by content: the pricer
 * rebuilds its shared label arrays whenever the SKUs of consecutive spans change).
 */
class RecordCache {
  private readonly byValue = new Map<string, Uint8Array>();
  private lastString = '';
  private lastStringBytes: Uint8Array | undefined;
  private lastArray: readonly string[] = [];
  private lastArrayBytes: Uint8Array | undefined;

  constructor(private readonly key: string) {}

  get(value: string | readonly string[]): Uint8Array {
    if (typeof value === 'string') {
      if (value === this.lastString && this.lastStringBytes !== undefined) return this.lastStringBytes;
      const bytes = this.lookup(value, value);
      this.lastString = value;
      this.lastStringBytes = bytes;
      return bytes;
    }
    if (this.lastArrayBytes !== undefined && sameStrings(value, this.lastArray)) return this.lastArrayBytes;
    const bytes = this.lookup(JSON.stringify(value), value);
    this.lastArray = value.slice();
    this.lastArrayBytes = bytes;
    return bytes;
  }

  private lookup(id: string, value: string | readonly string[]): Uint8Array {
    let bytes = this.byValue.get(id);
    if (bytes === undefined) {
      if (this.byValue.size >= RECORD_CACHE_LIMIT) this.byValue.clear();
      bytes = stringAttributeRecord(this.key, value);
      this.byValue.set(id, bytes);
    }
    return bytes;
  }
}

/** A price label the engine used lately (see `CostEngine.labelOf`). */
interface RecentLabel {
  readonly sku: string | readonly string[];
  readonly unit: string | readonly string[];
  readonly currency: string;
  readonly version: string | readonly string[];
  readonly entry: RecordEntry;
}

const RECENT_LABELS = 4;

/** Equal strings, or string arrays with equal contents. */
function sameLabel(a: string | readonly string[], b: string | readonly string[]): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return sameStrings(a, b);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function str(value: unknown, fallback = ''): string {
  return value === undefined || value === null || typeof value === 'object' ? fallback : String(value);
}

/** A stable key for an attribute set: sorted keys, JSON values (identity of a metric stream). */
function canonical(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  let out = '';
  for (const k of keys) out += `${JSON.stringify(k)}:${JSON.stringify(attributes[k])},`;
  return out;
}
