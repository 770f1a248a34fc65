import { D, formatAmount } from '@meterline/cost-model';
import { ExactSum, compileDecimal } from './exact-amount';

/** What the cost model computes: unitPrice × new D(quantity), printed by formatAmount. */
function reference(price: string, quantity: number): string {
  return formatAmount(new D(price).times(new D(quantity)));
}

/** A deterministic pseudo-random sequence (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRICES = [
  '0.0000004',
  '0.0000166667',
  '0.09',
  '12',
  '1.2E-9',
  '0.000000000000000000000000001',
  '123456789.123456789',
  '10000',
  '0',
];

describe('compileDecimal', () => {
  it('normalises plain and scientific literals', () => {
    expect(compileDecimal('0.0000004', 'x')).toMatchObject({ limbs: [4], scale: 7, negative: false });
    expect(compileDecimal('1.2E-9', 'x')).toMatchObject({ limbs: [12], scale: 10 });
    expect(compileDecimal('12.500', 'x')).toMatchObject({ limbs: [125], scale: 1 });
    expect(compileDecimal('1e3', 'x')).toMatchObject({ limbs: [1000], scale: 0 });
    expect(compileDecimal('123456789.0123', 'x')).toMatchObject({ limbs: [123, 6789, 2345, 1], scale: 4 });
    expect(compileDecimal('-0.50', 'x')).toMatchObject({ limbs: [5], scale: 1, negative: true });
    expect(compileDecimal('0.000', 'x')).toMatchObject({ limbs: [], scale: 0, negative: false });
  });

  it('names the input and where it came from when it is not a decimal', () => {
    expect(() => compileDecimal('1,5', 'catalog.skus[0]')).toThrow(
      'invalid decimal "1,5" at catalog.skus[0]',
    );
    expect(() => compileDecimal('.', 'p')).toThrow('invalid decimal "." at p');
  });
});

describe('ExactSum', () => {
  const sum = new ExactSum();
  const product = (price: string, q: number): string | undefined => {
    sum.reset();
    return sum.addProduct(compileDecimal(price, 'p'), q) ? sum.format() : undefined;
  };

  it('prints what formatAmount prints for hand-picked products', () => {
    expect(product('0.0000004', 1)).toBe('0.0000004');
    expect(product('0.0000166667', 0.5)).toBe('0.00000833335');
    expect(product('0.09', 10)).toBe('0.9');
    expect(product('12', 0)).toBe('0');
    expect(product('0.0000004', 1.5e-7)).toBe(reference('0.0000004', 1.5e-7));
    expect(product('0.1', 0.30000000000000004)).toBe('0.030000000000000004');
  });

  it('matches Decimal on random prices and quantities, including past 2^53', () => {
    const next = rng(42);
    for (let i = 0; i < 5000; i++) {
      const price = PRICES[Math.floor(next() * PRICES.length)]!;
      const kind = next();
      const q =
        kind < 0.3
          ? Math.floor(next() * 1e6)
          : kind < 0.6
            ? (Math.floor(next() * 1e9) / 1e9) * 0.125 // GB-s from nanosecond durations
            : kind < 0.8
              ? next() * 10 ** Math.floor(next() * 20 - 10)
              : next() * 1e15;
      const got = product(price, q);
      if (got !== undefined) expect(got).toBe(reference(price, q));
    }
  });

  it('sums products exactly, switching to BigInt when mantissas grow', () => {
    const next = rng(7);
    for (let i = 0; i < 2000; i++) {
      sum.reset();
      let expected = new D(0);
      const terms = 1 + Math.floor(next() * 4);
      for (let t = 0; t < terms; t++) {
        const price = PRICES[Math.floor(next() * PRICES.length)]!;
        const q = next() < 0.5 ? Math.floor(next() * 100) : next() * 1000;
        expect(sum.addProduct(compileDecimal(price, 'p'), q)).toBe(true);
        expected = expected.plus(new D(price).times(new D(q)));
      }
      const got = sum.format();
      // Undefined past 40 digits: the pricer then sums with Decimal, as the cost model does.
      if (got !== undefined) expect(got).toBe(formatAmount(expected));
    }
  });

  it('adds compiled amounts', () => {
    sum.reset();
    sum.addDecimal(compileDecimal('0.0000004', 'a'));
    sum.addDecimal(compileDecimal('0.00000833335', 'b'));
    expect(sum.format()).toBe('0.00000873335');
  });

  it('declines results past 40 significant digits (Decimal rounds those)', () => {
    sum.reset();
    sum.addProduct(compileDecimal('0.000000000000000000000000001', 'p'), 1);
    sum.addProduct(compileDecimal('1000000000000000', 'p'), 1);
    expect(sum.format()).toBeUndefined();
    expect(sum.format(50)).toBe('1000000000000000.000000000000000000000000001');
  });

  it('declines negative prices and quantities (credits are priced with Decimal)', () => {
    expect(product('-0.5', 2)).toBeUndefined();
    expect(product('0.5', -2)).toBeUndefined();
  });

  it('refuses quantities Decimal must handle (non-finite, ≥ 1e21)', () => {
    expect(product('1', Number.NaN)).toBeUndefined();
    expect(product('1', Infinity)).toBeUndefined();
    expect(product('1', 1e21)).toBeUndefined();
  });
});
