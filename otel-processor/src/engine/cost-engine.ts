import {
  UNKNOWN,
  bucketStart,
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
  arrayKeyValue,
  doubleKeyValue,
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
  type Resource,
  type Nanos,
  type Span,
  type TracesRequest,
} from '../otlp/model';
import { pricedUsagesOfSpan } from '../store/priced-span';
import { BucketTable, type FlushToken } from './bucket-table';
import { DeployTracker, type DeployEvent } from './deploys';
import { ExemplarTable, type Exemplar } from './exemplars';
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
   * Traces with `collect`: the `cost.*` attributes added to each span, in document order (undefined for a
   * duplicate or a span that got nothing), for forwarding. The request itself is left unchanged.
   */
  added?: (KeyValue[] | undefined)[];
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
  }

  /** The receive time of the latest record applied (the engine's clock). */
  get clockMs(): number {
    return this.nowMs;
  }

  /**
   * Attributes, prices and rolls up a decoded (and validated) traces request received at `recvTimeMs`.
   * With `collect`, also returns the `cost.*` attributes each span gets (see {@link ApplyResult.added}).
   */
  applyTraces(request: TracesRequest, recvTimeMs: number, collect = false): ApplyResult {
    const now = this.advance(recvTimeMs);
    const boundary = bucketStart(now - this.latenessMs);
    const result: ApplyResult = { items: 0, deduped: 0, usages: 0, late: 0 };
    const added: (KeyValue[] | undefined)[] | undefined = collect ? [] : undefined;
    if (added !== undefined) {
      result.added = added;
      result.conflict = false;
    }
    for (const rs of request.resourceSpans) {
      const resource = rs.resource ?? { attributes: [] };
      const resourceAttributes = toAttributes(resource.attributes);
      const service = str(resourceAttributes['service.name']);
      const version = str(resourceAttributes['service.version']);
      const env = str(
        resourceAttributes['deployment.environment.name'] ?? resourceAttributes['deployment.environment'],
      );
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          result.items++;
          const traceId = hexId(span.traceId);
          const spanId = hexId(span.spanId);
          if (!this.dedupe.claim(`s${traceId}${spanId}`, now)) {
            result.deduped++;
            added?.push(undefined);
            continue;
          }
          const kvs = this.priceSpan(
            span,
            resource,
            resourceAttributes,
            { service, version, env, traceId, spanId },
            boundary,
            result,
            collect,
          );
          added?.push(kvs);
        }
      }
    }
    this.stats.spans += result.items;
    this.stats.deduped += result.deduped;
    this.stats.usages += result.usages;
    this.stats.late += result.late;
    return result;
  }

  private priceSpan(
    span: Span,
    resource: Resource,
    resourceAttributes: Attributes,
    ids: { service: string; version: string; env: string; traceId: string; spanId: string },
    boundary: number,
    result: ApplyResult,
    collect: boolean,
  ): KeyValue[] | undefined {
    const attributes = toAttributes(span.attributes);
    const endMs = nanosToMs(span.endTimeUnixNano);
    const added: KeyValue[] | undefined = collect ? [] : undefined;
    let attribution: Attribution | undefined;
    if (attributes[COST_ATTRIBUTION] === undefined) {
      attribution = this.attribution.attribute(attributes, resourceAttributes, resource, undefined);
      added?.push(
        stringKeyValue(COST_TENANT, attribution.tenant),
        stringKeyValue(COST_TEAM, attribution.team),
        stringKeyValue(COST_CENTER, attribution.center),
        stringKeyValue(COST_ATTRIBUTION, attribution.attribution),
        stringKeyValue(COST_RULE, attribution.rule),
      );
    }
    const team = attribution?.team ?? str(attributes[COST_TEAM], UNKNOWN);
    const deploy = this.deploys.observe(ids.service, ids.env, ids.version, team, endMs);
    if (deploy !== undefined) {
      this.pendingEvents.push(deploy);
      this.stats.deploys++;
    }

    let usages: {
      tags: CostTags;
      amount: import('decimal.js').default;
      quantity: number;
      priceVersion: string;
    }[];
    if (attributes[COST_AMOUNT] !== undefined) {
      // Priced upstream (the in-process CostSpanProcessor): roll up what it says, never price twice.
      usages = pricedUsagesOfSpan(attributes, resourceAttributes, endMs, this.meterline.catalog);
    } else {
      const input = this.spanInput;
      input.name = span.name;
      input.kind = KIND_NAMES[span.kind] ?? 'internal';
      input.status = STATUS_NAMES[span.status?.code ?? 0] ?? 'unset';
      input.durationNs = Math.max(0, nanosBetween(span.startTimeUnixNano, span.endTimeUnixNano));
      input.attributes = attributes;
      input.resource = resourceAttributes;
      const matched = this.meterline.skus.forSpan(input);
      input.attributes = NO_ATTRIBUTES;
      input.resource = NO_ATTRIBUTES;
      if (matched.length === 0) return finish(added, attributes, result);
      const p = this.pricer.price(matched, endMs);
      added?.push(
        skuAttribute(COST_SKU, p.sku),
        typeof p.quantity === 'number'
          ? doubleKeyValue(COST_QUANTITY, p.quantity)
          : arrayKeyValue(COST_QUANTITY, p.quantity),
        skuAttribute(COST_UNIT, p.unit),
        stringKeyValue(COST_AMOUNT, p.amount),
        stringKeyValue(COST_CURRENCY, p.currency),
        skuAttribute(COST_PRICE_VERSION, p.priceVersion),
      );
      const tags = baseTags(attribution, attributes, resourceAttributes);
      usages = matched.map((u) => {
        const priced = this.meterline.catalog.price(u.sku, u.quantity, endMs, u.ruleId);
        return {
          tags: { ...tags, sku: u.sku, currency: priced.currency },
          amount: priced.amount,
          quantity: u.quantity,
          priceVersion: priced.priceVersion,
        };
      });
    }
    let bucket = bucketStart(endMs);
    if (bucket < boundary) {
      bucket = boundary;
      result.late += usages.length;
    }
    for (const u of usages) {
      this.buckets.add(u.tags, bucket, u.amount, u.quantity, u.priceVersion);
      result.usages++;
      this.exemplars.offer(bucket, {
        service: u.tags.service,
        tenant: u.tags.tenant,
        sku: u.tags.sku,
        endNs: nanosKey(span.endTimeUnixNano),
        traceId: ids.traceId,
        spanId: ids.spanId,
        amountNano: toNano(u.amount),
      });
    }
    return finish(added, attributes, result);
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
            const a = this.attribution.attribute(attributes, resourceAttributes, resource, undefined);
            const tags = baseTags(a, attributes, resourceAttributes);
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

/** Flags keys the application already set (splicing would duplicate them); empty lists become undefined. */
function finish(
  added: KeyValue[] | undefined,
  attributes: Attributes,
  result: ApplyResult,
): KeyValue[] | undefined {
  if (added === undefined || added.length === 0) return undefined;
  for (const kv of added) if (attributes[kv.key] !== undefined) result.conflict = true;
  return added;
}

/** Adds the collected attributes to the request's spans (for forwarding by re-encoding). */
export function addCollectedAttributes(
  request: TracesRequest,
  added: readonly (KeyValue[] | undefined)[],
): void {
  let i = 0;
  for (const rs of request.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const kvs = added[i++];
        if (kvs !== undefined) upsertAttributes(span.attributes, kvs);
      }
    }
  }
}

function str(value: unknown, fallback = ''): string {
  return value === undefined || value === null || typeof value === 'object' ? fallback : String(value);
}

function skuAttribute(key: string, value: string | string[]): KeyValue {
  return typeof value === 'string' ? stringKeyValue(key, value) : arrayKeyValue(key, value);
}

function baseTags(
  attribution: Attribution | undefined,
  attributes: Attributes,
  resource: Attributes,
): CostTags {
  return {
    source: 'telemetry',
    tenant: attribution?.tenant ?? str(attributes[COST_TENANT], UNKNOWN),
    team: attribution?.team ?? str(attributes[COST_TEAM], UNKNOWN),
    center: attribution?.center ?? str(attributes[COST_CENTER], UNKNOWN),
    service: str(resource['service.name']),
    version: str(resource['service.version']),
    sku: '',
    env: str(resource['deployment.environment.name'] ?? resource['deployment.environment']),
    region: str(resource['cloud.region']),
    attribution: attribution?.attribution ?? str(attributes[COST_ATTRIBUTION], UNKNOWN),
    currency: '',
  };
}

/** A stable key for an attribute set: sorted keys, JSON values (identity of a metric stream). */
function canonical(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  let out = '';
  for (const k of keys) out += `${JSON.stringify(k)}:${JSON.stringify(attributes[k])},`;
  return out;
}
