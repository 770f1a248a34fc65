import { type MeterProvider as ApiMeterProvider, metrics as metricsApi } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import type { Resource } from '@opentelemetry/resources';
import {
  type IMetricReader,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider, type NodeTracerConfig } from '@opentelemetry/sdk-trace-node';
import { tenantFromBaggageView } from './baggage-view';
import { type CompiledMeterline, type MeterlineInput, compileMeterline } from './compile';
import { CostMetrics, type CostMetricsOptions } from './cost-metrics';
import { CostSpanProcessor, type CostSpanProcessorOptions } from './cost-span-processor';

/** Name of the meter the cost instruments are created on. */
export const METER_NAME = '@meterline/otel-processor';

/** Options of {@link registerMeterline}. */
export interface RegisterMeterlineOptions {
  /** A validated `MeterlineConfig`, or the cost model compiled with `compileMeterline`. */
  config: MeterlineInput;
  /**
   * Config of the `NodeTracerProvider` Meterline creates (its `spanProcessors`, e.g. your exporter's
   * `BatchSpanProcessor`, run after the cost processor; its `resource` defaults to `resource`).
   * `false`: create none — OTel JS 2.x takes processors only in a provider's constructor, so pass
   * {@link meterlineSpanProcessors} to your own provider or `NodeSDK` instead.
   */
  tracerProvider?: NodeTracerConfig | false;
  /**
   * An existing meter provider for the cost instruments (Meterline does not shut it down; Views cannot be
   * added to it after construction). Default: Meterline creates a `MeterProvider` with `views` and readers.
   * `false`: no cost metrics.
   */
  meterProvider?: ApiMeterProvider | false;
  /** Exporter for the MeterProvider Meterline creates, read by a `PeriodicExportingMetricReader`. */
  metricExporter?: PushMetricExporter;
  /** OTLP/HTTP (JSON) metrics URL, e.g. `http://collector:4318/v1/metrics`: adds an `OTLPMetricExporter`. */
  otlpMetricsUrl?: string;
  /** Headers of the OTLP exporter (e.g. authorization). */
  otlpHeaders?: Record<string, string>;
  /** Further readers of the MeterProvider Meterline creates. */
  metricReaders?: IMetricReader[];
  /** Export interval of the periodic reader(s), ms (default 60000). */
  exportIntervalMillis?: number;
  /** Resource of the providers Meterline creates. */
  resource?: Resource;
  /** Further Views of the MeterProvider Meterline creates (see {@link meterlineViews}). */
  views?: ViewOptions[];
  /** Register the created providers as the global ones (default true). */
  registerGlobal?: boolean;
  /** Processor tuning (cache limits). */
  processor?: Omit<CostSpanProcessorOptions, 'metrics'>;
  /** Metrics tuning (series bound). */
  metrics?: Pick<CostMetricsOptions, 'maxSeries'>;
}

/** What {@link registerMeterline} set up. */
export interface MeterlineHandles {
  spanProcessor: CostSpanProcessor;
  /** Undefined when `meterProvider: false`. */
  metrics: CostMetrics | undefined;
  /** The provider Meterline created, if any. */
  tracerProvider: NodeTracerProvider | undefined;
  /** The provider the cost instruments live on, if any. */
  meterProvider: ApiMeterProvider | undefined;
  /** Flushes the providers Meterline created. */
  forceFlush(): Promise<void>;
  /** Shuts down the providers Meterline created (flushing them). */
  shutdown(): Promise<void>;
}

/**
 * One-call in-process setup: a `NodeTracerProvider` with the {@link CostSpanProcessor} first, and the cost
 * metrics ({@link CostMetrics}) on a `MeterProvider`, exported over OTLP/HTTP when a URL is given.
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
 * import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
 * import { loadConfig } from '@meterline/otel-processor';
 *
 * const meterline = registerMeterline({
 *   config: loadConfig('meterline.yaml'),
 *   tracerProvider: { spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] },
 *   otlpMetricsUrl: 'http://otel-collector:4318/v1/metrics',
 * });
 * process.on('SIGTERM', () => void meterline.shutdown());
 * ```
 *
 * With `NodeSDK` (which builds its own providers), pass the pieces instead:
 * ```ts
 * const [cost] = meterlineSpanProcessors(config);
 * const sdk = new NodeSDK({ spanProcessors: [cost, new BatchSpanProcessor(exporter)], views: meterlineViews(config) });
 * sdk.start();
 * cost.useMetrics(createCostMetrics(config, metrics.getMeterProvider()));
 * ```
 *
 * @throws when the config does not compile, naming the offending rule or key.
 */
export function registerMeterline(options: RegisterMeterlineOptions): MeterlineHandles {
  const compiled = compileMeterline(options.config);
  const registerGlobal = options.registerGlobal ?? true;
  const owned: { forceFlush(): Promise<void>; shutdown(): Promise<void> }[] = [];

  let meterProvider: ApiMeterProvider | undefined;
  if (options.meterProvider === undefined) {
    const readers: IMetricReader[] = [...(options.metricReaders ?? [])];
    const exporters: PushMetricExporter[] = [];
    if (options.metricExporter !== undefined) exporters.push(options.metricExporter);
    if (options.otlpMetricsUrl !== undefined) {
      exporters.push(
        new OTLPMetricExporter({ url: options.otlpMetricsUrl, headers: options.otlpHeaders ?? {} }),
      );
    }
    for (const exporter of exporters) {
      readers.push(
        new PeriodicExportingMetricReader({
          exporter,
          exportIntervalMillis: options.exportIntervalMillis ?? 60_000,
        }),
      );
    }
    const provider = new MeterProvider({
      readers,
      views: options.views ?? [],
      ...(options.resource !== undefined ? { resource: options.resource } : {}),
    });
    owned.push(provider);
    if (registerGlobal) metricsApi.setGlobalMeterProvider(provider);
    meterProvider = provider;
  } else if (options.meterProvider !== false) {
    meterProvider = options.meterProvider;
  }

  const metrics =
    meterProvider === undefined ? undefined : createCostMetrics(compiled, meterProvider, options.metrics);
  const spanProcessor = new CostSpanProcessor(compiled, { ...options.processor, metrics });

  let tracerProvider: NodeTracerProvider | undefined;
  if (options.tracerProvider !== false) {
    const tracerConfig = options.tracerProvider ?? {};
    tracerProvider = new NodeTracerProvider({
      ...(options.resource !== undefined ? { resource: options.resource } : {}),
      ...tracerConfig,
      spanProcessors: [spanProcessor, ...(tracerConfig.spanProcessors ?? [])],
    });
    if (registerGlobal) tracerProvider.register();
    // Shut down before the meter provider, so the last spans' cost is in the final metric export.
    owned.unshift(tracerProvider);
  }

  return {
    spanProcessor,
    metrics,
    tracerProvider,
    meterProvider,
    async forceFlush() {
      for (const p of owned) await p.forceFlush();
    },
    async shutdown() {
      for (const p of owned) await p.shutdown();
    },
  };
}

/**
 * The span processors to pass to a `NodeTracerProvider` or `NodeSDK` constructor (`spanProcessors: [...]`):
 * the {@link CostSpanProcessor}. Put it before exporting processors (it must see spans before they are exported).
 */
export function meterlineSpanProcessors(
  config: MeterlineInput,
  options: CostSpanProcessorOptions = {},
): [CostSpanProcessor, ...SpanProcessor[]] {
  return [new CostSpanProcessor(config, options)];
}

/** Options of {@link meterlineViews}. */
export interface MeterlineViewsOptions {
  /** Instruments that get `cost.tenant` from baggage, e.g. `['http.server.*']` (wildcards allowed). */
  tenantFromBaggage?: string[];
  /** The baggage entry holding the tenant; default: the one the attribution rules copy the tenant from, else `tenant.id`. */
  baggageKey?: string;
}

/**
 * Views for a MeterProvider or `NodeSDK` (`views: [...]`): `cost.tenant` from baggage on the instruments named
 * in `tenantFromBaggage` (see {@link tenantFromBaggageView}). The cost instruments themselves need no View.
 */
export function meterlineViews(config: MeterlineInput, options: MeterlineViewsOptions = {}): ViewOptions[] {
  const compiled = compileMeterline(config);
  const baggageKey = options.baggageKey ?? tenantBaggageKey(compiled) ?? 'tenant.id';
  return (options.tenantFromBaggage ?? []).map((instrumentName) =>
    tenantFromBaggageView({ instrumentName, baggageKey }),
  );
}

/**
 * Creates the cost instruments on `meterProvider` (units from the catalog, base currency from the catalog).
 * Pass the result to {@link CostSpanProcessor} (`metrics` option, or `useMetrics` once the provider exists).
 */
export function createCostMetrics(
  config: MeterlineInput,
  meterProvider: ApiMeterProvider,
  options: Pick<CostMetricsOptions, 'maxSeries'> = {},
): CostMetrics {
  const { catalog } = compileMeterline(config);
  const units = [...new Set(catalog.skuIds().map((id) => catalog.unitOf(id) ?? ''))];
  return new CostMetrics(meterProvider.getMeter(METER_NAME), {
    baseCurrency: catalog.baseCurrency,
    units,
    ...(options.maxSeries !== undefined ? { maxSeries: options.maxSeries } : {}),
  });
}

/** The first baggage key an attribution rule copies the tenant from, if any. */
function tenantBaggageKey(compiled: CompiledMeterline): string | undefined {
  for (const rule of compiled.attribution?.rules ?? []) {
    const t = rule.set.tenant;
    if (
      t !== undefined &&
      typeof t !== 'string' &&
      (t.source === 'baggage' || t.source === 'any' || t.source === undefined)
    ) {
      return t.from;
    }
  }
  return undefined;
}
