import { SpanKind, context, metrics, propagation, trace } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CostSpanProcessor } from './cost-span-processor';
import { meterlineSpanProcessors, meterlineViews, registerMeterline } from './register';
import { unitTestConfig } from './test-config.fixture';

const T2024 = Date.parse('2024-06-01T00:00:00Z');

afterEach(() => {
  trace.disable();
  context.disable();
  propagation.disable();
  metrics.disable();
});

describe('registerMeterline', () => {
  it('wires the processor first, records cost metrics, registers globals, and shuts everything down', async () => {
    const spans = new InMemorySpanExporter();
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const m = registerMeterline({
      config: unitTestConfig(),
      tracerProvider: { spanProcessors: [new SimpleSpanProcessor(spans)] },
      metricExporter,
    });
    expect(m.spanProcessor).toBeInstanceOf(CostSpanProcessor);
    trace
      .getTracer('t')
      .startSpan('GET /x', { kind: SpanKind.SERVER, startTime: T2024 })
      .end(T2024 + 1);
    expect(spans.getFinishedSpans()[0]!.attributes['cost.amount']).toBe('0.0000004');
    await m.forceFlush();
    const names = metricExporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((x) => x.descriptor.name)));
    expect(names).toEqual(expect.arrayContaining(['meterline.cost', 'meterline.usage.request']));
    expect(metrics.getMeterProvider()).toBe(m.meterProvider);
    await m.shutdown();
  });

  it('can leave out the tracer provider (NodeSDK users) or the metrics', async () => {
    const a = registerMeterline({ config: unitTestConfig(), tracerProvider: false, registerGlobal: false });
    expect(a.tracerProvider).toBeUndefined();
    expect(a.metrics).toBeDefined();
    await a.shutdown();
    const b = registerMeterline({ config: unitTestConfig(), meterProvider: false, registerGlobal: false });
    expect(b.metrics).toBeUndefined();
    expect(b.meterProvider).toBeUndefined();
    await b.shutdown();
  });

  it('names the offending rule when the config does not compile', () => {
    const config = unitTestConfig();
    config.attribution.rules[0]!.match = [{ key: 'x', source: 'any', regex: '(' }];
    expect(() => registerMeterline({ config, registerGlobal: false })).toThrow('attribution rule "acme"');
  });
});

describe('meterlineSpanProcessors / meterlineViews', () => {
  it('returns the cost processor to pass to a provider constructor', () => {
    const [p, ...rest] = meterlineSpanProcessors(unitTestConfig());
    expect(p).toBeInstanceOf(CostSpanProcessor);
    expect(rest).toEqual([]);
  });

  it('builds tenant-from-baggage views with the key the attribution rules copy the tenant from', () => {
    const views = meterlineViews(unitTestConfig(), { tenantFromBaggage: ['http.server.*', 'rpc.*'] });
    expect(views.map((v) => v.instrumentName)).toEqual(['http.server.*', 'rpc.*']);
    expect(views[0]!.attributesProcessors).toHaveLength(1);
    expect(meterlineViews(unitTestConfig())).toEqual([]);
  });
});
