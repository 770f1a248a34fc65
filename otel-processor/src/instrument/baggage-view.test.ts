import { ROOT_CONTEXT, context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { baggageAttributesProcessor, tenantFromBaggageView } from './baggage-view';

const withTenant = (tenant: string) =>
  propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ 'tenant.id': { value: tenant } }));

describe('baggageAttributesProcessor', () => {
  const p = baggageAttributesProcessor({ 'cost.tenant': 'tenant.id' });

  it('copies the baggage entry into the attributes, without mutating the input', () => {
    const incoming = { route: '/x' };
    expect(p.process(incoming, withTenant('acme'))).toEqual({ route: '/x', 'cost.tenant': 'acme' });
    expect(incoming).toEqual({ route: '/x' });
  });

  it('passes through without context (async instruments), without baggage, or when the attribute is set', () => {
    const incoming = { route: '/x' };
    expect(p.process(incoming)).toBe(incoming);
    expect(p.process(incoming, ROOT_CONTEXT)).toBe(incoming);
    expect(p.process({ 'cost.tenant': 'own' }, withTenant('acme'))).toEqual({ 'cost.tenant': 'own' });
  });

  it('names the problem when the mapping is empty', () => {
    expect(() => baggageAttributesProcessor({})).toThrow('mapping names no attribute');
  });
});

describe('tenantFromBaggageView', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(manager.enable()));
  afterAll(() => context.disable());

  it('adds cost.tenant to the selected instruments only, from the active context', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({
      readers: [reader],
      views: [tenantFromBaggageView({ instrumentName: 'http.server.*', baggageKey: 'tenant.id' })],
    });
    const meter = provider.getMeter('t');
    const requests = meter.createCounter('http.server.requests');
    const other = meter.createCounter('jobs.done');
    context.with(withTenant('acme'), () => {
      requests.add(1, { route: '/a' });
      other.add(1);
    });
    requests.add(1, { route: '/a' });
    await reader.forceFlush();
    const out = exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
    const http = out.find((m) => m.descriptor.name === 'http.server.requests')!;
    expect(http.dataPoints.map((d) => d.attributes)).toEqual([
      { route: '/a', 'cost.tenant': 'acme' },
      { route: '/a' },
    ]);
    expect(out.find((m) => m.descriptor.name === 'jobs.done')!.dataPoints[0]!.attributes).toEqual({});
    await provider.shutdown();
  });
});
