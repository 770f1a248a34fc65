import { Catalog, D, SkuRules, formatAmount, type SpanInput, type Usage } from '@meterline/cost-model';
import { formatScaled } from './exact-amount';
import { SpanPricer } from './span-pricer';
import { unitTestConfig } from './test-config.fixture';

const T2024 = Date.parse('2024-06-01T00:00:00Z');
const T2025 = Date.parse('2025-06-01T00:00:00Z');

describe('SpanPricer', () => {
  const config = unitTestConfig();
  const catalog = new Catalog(config.catalog);
  const u = (ruleId: string, sku: string, quantity: number): Usage => ({ ruleId, sku, quantity });

  it('prices one usage exactly as Catalog.price + formatAmount, for many quantities and both price versions', () => {
    const pricer = new SpanPricer(catalog, config.skus, 8);
    const deferred = new SpanPricer(catalog, config.skus, 8);
    let deferredCount = 0;
    for (let i = 0; i < 3000; i++) {
      const q = i % 3 === 0 ? 1 : i % 3 === 1 ? (1 + i) * 1e-7 * 0.5 : i * 1234.5678;
      const t = i % 2 === 0 ? T2024 : T2025;
      for (const usage of [u('requests', 'api.requests', q), u('compute', 'compute.gb_s', q)]) {
        const expected = catalog.price(usage.sku, usage.quantity, t, usage.ruleId);
        const p = pricer.price([usage], t);
        expect([p.amount, p.currency, p.priceVersion, p.unit, p.sku, p.quantity]).toEqual([
          formatAmount(expected.amount),
          expected.currency,
          expected.priceVersion,
          expected.unit,
          usage.sku,
          q,
        ]);
        // Deferred (cached and computed amounts alike): the same amount as a mantissa and scale.
        // (Without the duration, a computed amount is printed: the text is set then.)
        const d = deferred.price([usage], t, undefined, -1, 1, true);
        if (d.amountMantissa >= 0) deferredCount++;
        expect(d.amountMantissa >= 0 ? formatScaled(d.amountMantissa, d.amountScale) : d.amount).toBe(
          formatAmount(expected.amount),
        );
      }
    }
    expect(deferredCount).toBeGreaterThan(2000);
  });

  it('serves repeated quantities from the cache, and the cache stays bounded', () => {
    const pricer = new SpanPricer(catalog, config.skus, 2);
    expect(pricer.price([u('requests', 'api.requests', 1)], T2024).amount).toBe('0.0000004');
    expect(pricer.price([u('requests', 'api.requests', 2)], T2024).amount).toBe('0.0000008');
    expect(pricer.price([u('requests', 'api.requests', 3)], T2024).amount).toBe('0.0000012'); // emptied, refilled
    expect(pricer.price([u('requests', 'api.requests', 1)], T2024).amount).toBe('0.0000004');
    expect(pricer.price([u('requests', 'api.requests', 1)], T2025).amount).toBe('0.0000005'); // per price version
  });

  it('sums several usages exactly into parallel arrays', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const p = pricer.price([u('requests', 'api.requests', 1), u('compute', 'compute.gb_s', 0.75)], T2024);
    expect(p).toEqual({
      sku: ['api.requests', 'compute.gb_s'],
      quantity: [1, 0.75],
      unit: ['request', 'GB-s'],
      priceVersion: ['req-2024', 'gbs'],
      amount: '0.000012900025', // 0.0000004 + 0.75 × 0.0000166667
      amountMantissa: -1, // the text is there
      amountScale: 0,
      currency: 'USD',
    });
  });

  it('converts into the base currency at the span end time when currencies differ', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    // 0.0000004 USD + 2 GB × 0.08 EUR × 1.1 = 0.1760004 USD
    const p = pricer.price([u('requests', 'api.requests', 1), u('egress', 'egress.gb', 2)], T2024);
    expect([p.amount, p.currency]).toEqual(['0.1760004', 'USD']);
    // One currency, not the base: kept as priced.
    const q = pricer.price([u('egress', 'egress.gb', 2)], T2024);
    expect([q.amount, q.currency]).toEqual(['0.16', 'EUR']);
  });

  it('prices a SKU with no price in force (or not in the catalog) as unknown, without moving the currency', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const p = pricer.price([u('later', 'later', 1)], T2024);
    expect([p.amount, p.currency, p.priceVersion, p.unit]).toEqual(['0', 'USD', 'unknown', 'call']);
    const q = pricer.price([u('x', 'not.listed', 4)], T2024);
    expect([q.amount, q.priceVersion, q.unit]).toEqual(['0', 'unknown', '']);
    const r = pricer.price([u('egress', 'egress.gb', 1), u('later', 'later', 1)], T2024);
    expect([r.amount, r.currency, r.priceVersion]).toEqual(['0.08', 'EUR', ['egress-eur', 'unknown']]);
  });

  it('hands every usage to the sink with its amount in the base currency as a float', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const seen: [string, string, number, number][] = [];
    pricer.price(
      [u('requests', 'api.requests', 1), u('egress', 'egress.gb', 2), u('later', 'later', 1)],
      T2024,
      (...a) => seen.push(a),
    );
    expect(seen[0]).toEqual(['api.requests', 'request', 1, 0.0000004]);
    expect(seen[1]![3]).toBeCloseTo(0.176, 15);
    expect(seen[2]).toEqual(['later', 'call', 1, 0]);
  });

  it('falls back to Decimal where the integer path declines (huge quantities)', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const p = pricer.price([u('egress', 'egress.gb', 1e22)], T2024);
    expect(p.amount).toBe(formatAmount(catalog.price('egress.gb', 1e22, T2024).amount));
  });

  it('prices duration quantities from integer nanoseconds exactly as from String(quantity)', () => {
    const rules = SkuRules.compile(config.skus);
    const hinted = new SpanPricer(catalog, config.skus);
    const plain = new SpanPricer(catalog, config.skus);
    const deferred = new SpanPricer(catalog, config.skus);
    let deferredCount = 0;
    let seed = 17;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const out: Usage[] = [];
    for (let i = 0; i < 5000; i++) {
      const durationNs = Math.floor(next() * 10 ** Math.floor(next() * 14)); // up to ~28 h
      const span: SpanInput = {
        name: 'handler',
        kind: i % 3 === 0 ? 'internal' : 'server',
        status: 'ok',
        durationNs,
        attributes: i % 5 === 0 ? { 'http.response.body.size': 1 + (i % 7) * 1000 } : {},
        resource: {},
      };
      const t = i % 4 === 0 ? T2025 : T2024;
      const n = rules.forSpanInto(span, out);
      const usages = out.slice(0, n);
      // Reference: each usage priced by the catalog (Decimal), summed exactly.
      let total = new D(0);
      for (const u of usages) total = total.plus(catalog.price(u.sku, u.quantity, t).amount);
      const expected = usages.some((u) => u.sku === 'egress.gb') && usages.length > 1 ? undefined : total;
      const a = hinted.price(out, t, undefined, durationNs, n);
      const snapshot = [a.amount, a.currency, a.sku, a.unit, a.priceVersion, a.quantity];
      const b = plain.price(usages, t);
      expect([b.amount, b.currency, b.sku, b.unit, b.priceVersion, b.quantity]).toEqual(snapshot);
      if (expected !== undefined) expect(snapshot[0]).toBe(formatAmount(expected));
      // Deferred: the same amount, as a mantissa and scale where it is a safe integer (else the text).
      const d = deferred.price(out, t, undefined, durationNs, n, true);
      const text = d.amountMantissa >= 0 ? formatScaled(d.amountMantissa, d.amountScale) : d.amount;
      if (d.amountMantissa >= 0) {
        expect(d.amount).toBe('');
        deferredCount++;
      }
      expect([text, d.currency, d.sku, d.unit, d.priceVersion, d.quantity]).toEqual(snapshot);
    }
    // Most spans take the deferred path (a test that never did would prove nothing).
    expect(deferredCount).toBeGreaterThan(2500);
  });

  it('gives each usage exactly the amount, currency and price version Catalog.price gives', () => {
    const rules = SkuRules.compile(config.skus);
    const pricer = new SpanPricer(catalog, config.skus, 4);
    let seed = 5;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const out: Usage[] = [];
    const forms = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const durationNs = Math.floor(next() * 10 ** Math.floor(next() * 17));
      const span: SpanInput = {
        name: i % 11 === 0 ? 'later' : 'handler',
        kind: i % 3 === 0 ? 'internal' : 'server',
        status: 'ok',
        durationNs,
        attributes: i % 5 === 0 ? { 'http.response.body.size': Math.floor(next() * 1e12) } : {},
        resource: {},
      };
      const t = i % 4 === 0 ? T2025 : T2024;
      const n = rules.forSpanInto(span, out);
      const usages = out.slice(0, n);
      if (i % 13 === 0) usages.push(u('nope', 'not.listed', 3), u('egress', 'egress.gb', 1e22));
      for (let k = 0; k < usages.length; k++) {
        const usage = usages[k]!;
        const expected = catalog.price(usage.sku, usage.quantity, t, usage.ruleId);
        const a = pricer.usage(usage, t, i % 2 === 0 ? durationNs : -1, k);
        const amount =
          a.mantissa >= 0 ? new D(`${a.mantissa}e-${a.scale}`) : (a.decimal ?? new D(`${a.big}e-${a.scale}`));
        forms.add(a.mantissa >= 0 ? 'mantissa' : a.decimal !== undefined ? 'decimal' : 'big');
        expect([amount.toString(), a.currency, a.priceVersion]).toEqual([
          expected.amount.toString(),
          expected.currency,
          expected.priceVersion,
        ]);
      }
    }
    expect([...forms].sort()).toEqual(['big', 'decimal', 'mantissa']);
  });

  it('follows price changes over time while reusing what it derived from a price version', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const pair = [u('requests', 'api.requests', 1), u('compute', 'compute.gb_s', 0.75)];
    for (const [t, amount, version] of [
      [T2024, '0.000012900025', 'req-2024'],
      [T2025, '0.000013000025', 'req-2025'],
      [T2024, '0.000012900025', 'req-2024'],
      [Date.parse('2025-01-01T00:00:00Z') - 1, '0.000012900025', 'req-2024'],
      [Date.parse('2025-01-01T00:00:00Z'), '0.000013000025', 'req-2025'],
    ] as const) {
      const p = pricer.price(pair, t);
      expect([p.amount, p.priceVersion]).toEqual([amount, [version, 'gbs']]);
    }
  });

  it('alternating span kinds keep their label arrays and prices (no rebuild per switch)', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const server = (q: number) => [u('requests', 'api.requests', 1), u('compute', 'compute.gb_s', q)];
    const client = u('egress', 'egress.gb', 1);
    const first = pricer.price(server(0.5), T2024);
    const labels = [first.sku, first.unit, first.priceVersion];
    for (let i = 0; i < 5; i++) {
      // A client span at position 0 in between (another SKU, another price).
      const c = pricer.price([client], T2024);
      expect([c.sku, c.amount]).toEqual([
        'egress.gb',
        formatAmount(catalog.price('egress.gb', 1, T2024).amount),
      ]);
      const s = pricer.price(server(0.25 * (i + 1)), T2024);
      expect([s.sku, s.unit, s.priceVersion]).toEqual(labels);
      expect(s.sku).toBe(labels[0]);
      expect(s.unit).toBe(labels[1]);
      expect(s.priceVersion).toBe(labels[2]);
      const expected = catalog
        .price('api.requests', 1, T2024)
        .amount.plus(catalog.price('compute.gb_s', 0.25 * (i + 1), T2024).amount);
      expect(s.amount).toBe(formatAmount(expected));
    }
    // A third kind at the same position still prices right (the least recent slot is refilled).
    const e = pricer.price([u('gold-calls', 'api.requests', 2)], T2024);
    expect(e.amount).toBe(formatAmount(catalog.price('api.requests', 2, T2024).amount));
    expect(pricer.price([client], T2024).amount).toBe(
      formatAmount(catalog.price('egress.gb', 1, T2024).amount),
    );
    expect(pricer.price(server(0.5), T2024).amount).toBe(first.amount);
  });

  it('shares frozen label arrays between spans with the same SKUs and prices; quantities are fresh', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const a = pricer.price([u('requests', 'api.requests', 1), u('compute', 'compute.gb_s', 0.5)], T2024);
    const [skus, units, versions, quantities] = [a.sku, a.unit, a.priceVersion, a.quantity];
    const b = pricer.price([u('requests', 'api.requests', 1), u('compute', 'compute.gb_s', 0.25)], T2024);
    expect(b.sku).toBe(skus);
    expect(b.unit).toBe(units);
    expect(b.priceVersion).toBe(versions);
    expect(Object.isFrozen(skus)).toBe(true);
    expect(b.quantity).not.toBe(quantities);
    expect(quantities).toEqual([1, 0.5]);
    // A different SKU in a position, or another price version: new labels.
    const c = pricer.price([u('requests', 'api.requests', 1), u('egress', 'egress.gb', 1)], T2024);
    expect(c.sku).toEqual(['api.requests', 'egress.gb']);
    const d = pricer.price([u('requests', 'api.requests', 1), u('compute', 'compute.gb_s', 0.5)], T2025);
    expect(d.priceVersion).toEqual(['req-2025', 'gbs']);
    expect(skus).toEqual(['api.requests', 'compute.gb_s']); // never mutated
  });

  it('prices spans with more usages than it remembers positions for', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const many = [1, 2, 3, 4, 5, 6].map((q, i) =>
      i % 2 === 0 ? u('requests', 'api.requests', q) : u('compute', 'compute.gb_s', q / 8),
    );
    let expected = new D(0);
    for (const x of many) expected = expected.plus(catalog.price(x.sku, x.quantity, T2024).amount);
    for (let k = 0; k < 3; k++) {
      const p = pricer.price(many, T2024);
      expect(p.amount).toBe(formatAmount(expected));
      expect(p.priceVersion).toEqual(['req-2024', 'gbs', 'req-2024', 'gbs', 'req-2024', 'gbs']);
      expect(p.quantity).toEqual(many.map((x) => x.quantity));
    }
  });
});
