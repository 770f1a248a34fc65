import { D, formatAmount } from '@meterline/cost-model';
import { ExactSum, compileDecimal, durationMantissa, formatScaled, safeMantissa } from './exact-amount';

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

describe('formatScaled', () => {
  it('prints what formatAmount prints for hand-picked values', () => {
    expect(formatScaled(0, 20)).toBe('0');
    expect(formatScaled(4, 7)).toBe('0.0000004');
    expect(formatScaled(4_000_000_000_000, 19)).toBe('0.0000004');
    expect(formatScaled(12_500, 3)).toBe('12.5');
    expect(formatScaled(100_000_000, 8)).toBe('1');
    expect(formatScaled(Number.MAX_SAFE_INTEGER, 0)).toBe('9007199254740991');
    expect(formatScaled(Number.MAX_SAFE_INTEGER, 22)).toBe('0.0000009007199254740991');
    expect(formatScaled(120_000_000_000, 2)).toBe('1200000000');
  });

  it('matches Decimal on random safe-integer mantissas and scales', () => {
    const next = rng(11);
    for (let i = 0; i < 20_000; i++) {
      const digits = 1 + Math.floor(next() * 16);
      let m = Math.floor(next() * 10 ** digits);
      if (next() < 0.3) m = Math.floor(m / 10 ** Math.floor(next() * 6)) * 10 ** Math.floor(next() * 6);
      if (!(m <= Number.MAX_SAFE_INTEGER)) m = Number.MAX_SAFE_INTEGER - i;
      const scale = Math.floor(next() * 30);
      expect(formatScaled(m, scale)).toBe(formatAmount(new D(m).times(new D(10).pow(-scale))));
    }
  });
});

describe('safeMantissa', () => {
  it('is the mantissa when it is a safe integer, else -1', () => {
    expect(safeMantissa(compileDecimal('0.0000133334', 'p'))).toBe(133_334);
    expect(safeMantissa(compileDecimal('9007199254740991', 'p'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(safeMantissa(compileDecimal('9007199254740992', 'p'))).toBe(-1);
    expect(safeMantissa(compileDecimal('-1', 'p'))).toBe(-1);
    expect(safeMantissa(compileDecimal('0', 'p'))).toBe(0);
  });
});

describe('durationMantissa', () => {
  /** The decimal Decimal reads for the quantity: its shortest round-trip string. */
  const shortest = (q: number): string => new D(q).toString();

  it('is the decimal of String(quantity) whenever it answers, over many durations and factors', () => {
    const next = rng(3);
    const factors = ['1', '0.5', '0.125', '2', '1.5', '0.3', '3', '0.0009765625', '1024', '0.1'];
    let answered = 0;
    for (let i = 0; i < 40_000; i++) {
      const factorText = factors[i % factors.length]!;
      const factor = Number(factorText);
      const f = compileDecimal(String(factor), 'f');
      const exp = Math.floor(next() * 13); // 1 ns … ~17 min
      const ns = Math.floor(next() * 10 ** exp);
      const q = (ns / 1e9) * factor; // exactly as SkuRules computes it
      const m = durationMantissa(q, ns, safeMantissa(f), f.scale);
      if (m < 0) continue;
      answered++;
      expect(new D(m).times(new D(10).pow(-(9 + f.scale))).eq(new D(shortest(q)))).toBe(true);
    }
    expect(answered).toBeGreaterThan(30_000); // the fast path is the usual path
  });

  it('declines what it cannot prove', () => {
    const half = compileDecimal('0.5', 'f');
    expect(durationMantissa(0.1 / 1e9, 0.1, 5, half.scale)).toBe(-1); // fractional nanoseconds
    expect(durationMantissa(1e-9, -2, 5, half.scale)).toBe(-1); // negative
    expect(durationMantissa(0.3, 500_000_000, 5, half.scale)).toBe(-1); // not this quantity
    expect(durationMantissa(0.25, 500_000_000, 5, half.scale)).toBe(2_500_000_000);
    expect(durationMantissa((3e14 / 1e9) * 0.5, 3e14, 5, half.scale)).toBe(-1); // > 15 digits
    expect(durationMantissa((123 / 1e9) * 0.5, 123, 5, half.scale)).toBe(615);
  });
});

describe('ExactSum.addIntegerProduct', () => {
  it('matches Decimal for price × mantissa × 10^-scale, alone and in sums', () => {
    const next = rng(5);
    const sum = new ExactSum();
    for (let i = 0; i < 5000; i++) {
      const price = PRICES[Math.floor(next() * PRICES.length)]!;
      const m = Math.floor(next() * 10 ** Math.floor(next() * 16));
      const scale = Math.floor(next() * 20);
      const constant = next() < 0.5 ? '0.0000004' : '0';
      sum.reset();
      sum.addDecimal(compileDecimal(constant, 'c'));
      expect(sum.addIntegerProduct(compileDecimal(price, 'p'), m, scale)).toBe(true);
      const expected = new D(constant).plus(new D(price).times(new D(m)).times(new D(10).pow(-scale)));
      const got = sum.format();
      if (got !== undefined) expect(got).toBe(formatAmount(expected));
    }
  });
});
