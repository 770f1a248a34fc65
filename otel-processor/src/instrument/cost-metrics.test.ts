import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { CostMetrics, otelUnit, usageMetricName } from './cost-metrics';

async function collect(setup: (metrics: CostMetrics) => void, maxSeries?: number) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = new CostMetrics(provider.getMeter('t'), {
    baseCurrency: 'EUR',
    units: ['request', 'GB-s'],
    maxSeries,
  });
  setup(metrics);
  await reader.forceFlush();
  const out = exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  await provider.shutdown();
  return out;
}

describe('CostMetrics', () => {
  it('sums amounts per attribution and SKU into meterline.cost, quantities per unit into meterline.usage.<unit>', async () => {
    const out = await collect((m) => {
      m.record('acme', 'web', 'cc-1', 'rule', 'api.requests', 'request', 1, 0.1);
      m.record('acme', 'web', 'cc-1', 'rule', 'api.requests', 'request', 1, 0.2);
      m.begin('globex', 'unknown', 'unknown', 'rule');
      m.sink('compute.gb_s', 'GB-s', 1.5, 0.25);
      m.sink('api.requests', 'request', 1, 0.1);
    });
    const cost = out.find((x) => x.descriptor.name === 'meterline.cost')!;
    expect(cost.descriptor.unit).toBe('{EUR}');
    expect(cost.dataPoints).toHaveLength(3);
    const acme = cost.dataPoints.find((d) => d.attributes['cost.tenant'] === 'acme')!;
    expect(acme.attributes).toEqual({
      'cost.tenant': 'acme',
      'cost.team': 'web',
      'cost.center': 'cc-1',
      'cost.attribution': 'rule',
      'cost.sku': 'api.requests',
      'cost.currency': 'EUR',
    });
    expect(acme.value).toBeCloseTo(0.3, 15);
    const requests = out.find((x) => x.descriptor.name === 'meterline.usage.request')!;
    expect(requests.descriptor.unit).toBe('{request}');
    expect(
      requests.dataPoints.map((d) => [d.attributes['cost.tenant'], d.attributes['cost.unit'], d.value]),
    ).toEqual([
      ['acme', 'request', 2],
      ['globex', 'request', 1],
    ]);
    const gbs = out.find((x) => x.descriptor.name === 'meterline.usage.gb_s')!;
    expect(gbs.descriptor.unit).toBe('GBy.s');
    expect(gbs.dataPoints[0]!.value).toBe(1.5);
  });

  it('creates an instrument for a unit first seen at run time', async () => {
    const out = await collect((m) => m.record('t', 'x', 'y', 'rule', 'odd', 'widget-hours', 2, 0));
    expect(out.find((x) => x.descriptor.name === 'meterline.usage.widget_hours')?.descriptor.unit).toBe(
      '{widget-hours}',
    );
  });

  it('folds attribute sets past maxSeries into one overflow series per SKU', async () => {
    const out = await collect((m) => {
      for (let i = 0; i < 5; i++) m.record(`t${i}`, 'x', 'y', 'rule', 'api.requests', 'request', 1, 1);
    }, 2);
    const cost = out.find((x) => x.descriptor.name === 'meterline.cost')!;
    expect(cost.dataPoints).toHaveLength(3);
    const overflow = cost.dataPoints.find((d) => d.attributes['otel.metric.overflow'] === true)!;
    expect(overflow.value).toBe(3);
    expect(overflow.attributes).toEqual({
      'otel.metric.overflow': true,
      'cost.sku': 'api.requests',
      'cost.currency': 'EUR',
    });
  });
});

describe('unit naming', () => {
  it('slugs SKU units into instrument names', () => {
    expect(usageMetricName('GB-s')).toBe('meterline.usage.gb_s');
    expect(usageMetricName('request')).toBe('meterline.usage.request');
    expect(usageMetricName('')).toBe('meterline.usage.unknown');
    expect(usageMetricName('--')).toBe('meterline.usage.unknown');
  });

  it('maps common units to UCUM and annotates the rest', () => {
    expect(otelUnit('GB')).toBe('GBy');
    expect(otelUnit('GB-h')).toBe('GBy.h');
    expect(otelUnit('cpu-s')).toBe('s');
    expect(otelUnit('request')).toBe('{request}');
    expect(otelUnit('')).toBe('{unknown}');
  });
});
