import {
  ROOT_CONTEXT,
  SpanKind,
  diag,
  propagation,
  type Attributes,
  type AttributeValue,
} from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import type { Span } from '@opentelemetry/sdk-trace-base';
import { CostSpanProcessor } from './cost-span-processor';
import { unitTestConfig } from './test-config.fixture';

const T2024 = Date.parse('2024-06-01T00:00:00Z');

/** Just what the processor reads and writes of an SDK span. */
function stubSpan(init: {
  name?: string;
  kind?: SpanKind;
  attributes?: Attributes;
  resource?: Attributes;
  durationMs?: number;
  endMs?: number;
}): Span {
  const attributes: Attributes = { ...init.attributes };
  const endMs = init.endMs ?? T2024;
  const durationMs = init.durationMs ?? 10;
  const resourceAttributes = init.resource ?? { 'k8s.namespace.name': 'checkout' };
  const span = {
    name: init.name ?? 'GET /x',
    kind: init.kind ?? SpanKind.SERVER,
    status: { code: 0 },
    attributes,
    resource: { attributes: resourceAttributes, asyncAttributesPending: false },
    duration: [Math.floor(durationMs / 1000), (durationMs % 1000) * 1e6],
    endTime: [Math.floor(endMs / 1000), (endMs % 1000) * 1e6],
    setAttribute(key: string, value: AttributeValue) {
      attributes[key] = value;
      return span;
    },
  };
  return span as unknown as Span;
}

describe('CostSpanProcessor', () => {
  beforeAll(() => propagation.setGlobalPropagator(new W3CBaggagePropagator()));
  afterAll(() => propagation.disable());

  it('attributes on start and prices on ending', () => {
    const p = new CostSpanProcessor(unitTestConfig());
    const span = stubSpan({ attributes: { 'tenant.id': 'acme' } });
    p.onStart(span, ROOT_CONTEXT);
    expect(span.attributes).toMatchObject({
      'cost.tenant': 'acme',
      'cost.team': 'team-acme',
      'cost.rule': 'acme',
    });
    p.onEnding(span);
    expect(span.attributes).toMatchObject({
      'cost.sku': 'api.requests',
      'cost.amount': '0.0000004',
      'cost.price_version': 'req-2024',
    });
  });

  it('reads baggage for attribution', () => {
    const p = new CostSpanProcessor(unitTestConfig());
    const bag = propagation.createBaggage({ plan: { value: 'gold' }, 'tenant.id': { value: 'globex' } });
    const span = stubSpan({});
    p.onStart(span, propagation.setBaggage(ROOT_CONTEXT, bag));
    expect(span.attributes).toMatchObject({
      'cost.center': 'cc-gold',
      'cost.rule': 'plan',
      'cost.tenant': 'unknown',
    });
  });

  it('keeps the start baggage for SKU rules that read it at the end', () => {
    const p = new CostSpanProcessor(unitTestConfig());
    const gold = stubSpan({ name: 'gold', kind: SpanKind.INTERNAL });
    p.onStart(
      gold,
      propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ plan: { value: 'gold' } })),
    );
    p.onEnding(gold);
    expect(gold.attributes).toMatchObject({
      'cost.sku': 'api.requests',
      'cost.quantity': 2,
      'cost.amount': '0.0000008',
    });
    const plain = stubSpan({ name: 'gold', kind: SpanKind.INTERNAL });
    p.onStart(plain, ROOT_CONTEXT);
    p.onEnding(plain);
    expect(plain.attributes['cost.amount']).toBeUndefined();
  });

  it('skips attribution of a span attributed upstream, and pricing of a span priced upstream', () => {
    const p = new CostSpanProcessor(unitTestConfig());
    const span = stubSpan({
      attributes: { 'cost.attribution': 'rule', 'cost.tenant': 'upstream', 'cost.amount': '9' },
    });
    p.onStart(span, ROOT_CONTEXT);
    p.onEnding(span);
    expect(span.attributes).toEqual({
      'cost.attribution': 'rule',
      'cost.tenant': 'upstream',
      'cost.amount': '9',
    });
  });

  it('never throws into the instrumented code: a pricing error is logged and the span left unpriced', () => {
    const errors: string[] = [];
    const spy = jest.spyOn(diag, 'error').mockImplementation((m: string) => void errors.push(m));
    try {
      const p = new CostSpanProcessor(unitTestConfig());
      const span = stubSpan({ name: 'boom' });
      Object.defineProperty(span, 'duration', {
        get() {
          throw new Error('no duration');
        },
      });
      expect(() => p.onEnding(span)).not.toThrow();
      expect(span.attributes['cost.amount']).toBeUndefined();
      expect(errors).toEqual(['meterline: pricing of span "boom" failed: no duration']);
    } finally {
      spy.mockRestore();
    }
  });

  it('warns once when the SDK never calls onEnding (pricing needs sdk-trace-base >= 2.3)', () => {
    const warnings: string[] = [];
    const spy = jest.spyOn(diag, 'warn').mockImplementation((m: string) => void warnings.push(m));
    try {
      const p = new CostSpanProcessor(unitTestConfig());
      const span = stubSpan({});
      p.onStart(span, ROOT_CONTEXT);
      p.onEnd(span);
      p.onEnd(span);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('does not call SpanProcessor.onEnding');
      const q = new CostSpanProcessor(unitTestConfig());
      q.onEnding(stubSpan({}));
      q.onEnd(span);
      expect(warnings).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('records priced usage in the metrics given (attribution read back from the span)', () => {
    const calls: unknown[][] = [];
    const metrics = {
      begin: (...a: unknown[]) => calls.push(['begin', ...a]),
      sink: (...a: unknown[]) => calls.push(['usage', ...a]),
    };
    const p = new CostSpanProcessor(unitTestConfig());
    p.useMetrics(metrics as never);
    const span = stubSpan({ name: 'handler', attributes: { 'tenant.id': 'acme' }, durationMs: 2000 });
    p.onStart(span, ROOT_CONTEXT);
    span.setAttribute('cost.team', 'overridden-by-app');
    p.onEnding(span);
    expect(calls).toEqual([
      ['begin', 'acme', 'overridden-by-app', 'cc-1', 'rule'],
      ['usage', 'api.requests', 'request', 1, 0.0000004],
      ['usage', 'compute.gb_s', 'GB-s', 1, 0.0000166667],
    ]);
  });

  it('has no-op flush and shutdown', async () => {
    const p = new CostSpanProcessor(unitTestConfig());
    await expect(p.forceFlush()).resolves.toBeUndefined();
    await expect(p.shutdown()).resolves.toBeUndefined();
  });
});
