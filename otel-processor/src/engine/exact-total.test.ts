import { D, ZERO, toNano } from '@meterline/cost-model';
import type Decimal from 'decimal.js';
import { BucketTable } from './bucket-table';
import {
  ExactTotal,
  decimalOfScaled,
  nanoOfBig,
  nanoOfScaled,
  scaledOfDecimal,
  scaledOfPlain,
} from './exact-total';

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** A random integer string of 1…`maxDigits` digits (no leading zero). */
function digits(next: () => number, maxDigits: number): string {
  const n = 1 + Math.floor(next() * maxDigits);
  let out = String(1 + Math.floor(next() * 9));
  for (let i = 1; i < n; i++) out += String(Math.floor(next() * 10));
  return out;
}

/** The cost model's product: price × quantity as Decimal (40 significant digits, half-even). */
function product(price: Decimal, quantity: number): Decimal {
  return price.times(new D(quantity));
}

/** Adds `amount` to `total` the way the hot path would: safe mantissa, bigint, or Decimal. */
function addLikeHotPath(total: ExactTotal, amount: Decimal, pick: number): void {
  const { big, scale } = scaledOfDecimal(amount);
  if (pick < 0.2) total.addDecimal(amount);
  else if (big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= -BigInt(Number.MAX_SAFE_INTEGER) && pick < 0.8)
    total.addScaled(Number(big), scale);
  else total.addBig(big, scale);
}

describe('nanoOfScaled / nanoOfBig', () => {
  it('rounds half-to-even to nano-units (hand-computed)', () => {
    expect(nanoOfScaled(4, 7)).toBe(400); // 0.0000004
    expect(nanoOfScaled(15, 10)).toBe(2); // 1.5 nano → 2
    expect(nanoOfScaled(25, 10)).toBe(2); // 2.5 nano → 2 (even)
    expect(nanoOfScaled(251, 11)).toBe(3); // 2.51 nano → 3
    expect(nanoOfScaled(-15, 10)).toBe(-2);
    expect(nanoOfScaled(-25, 10)).toBe(-2);
    expect(nanoOfScaled(-5, 10)).toBe(0); // -0.5 nano → 0, never -0
    expect(Object.is(nanoOfScaled(-5, 10), 0)).toBe(true);
    expect(nanoOfScaled(5, 10)).toBe(0);
    expect(nanoOfScaled(6, 10)).toBe(1);
    expect(nanoOfScaled(Number.MAX_SAFE_INTEGER, 30)).toBe(0); // 9.007e-15
    expect(nanoOfScaled(5_000_000_000_000_001, 25)).toBe(1); // 0.50…01 nano, k = 16
    expect(nanoOfScaled(5_000_000_000_000_000, 25)).toBe(0); // exactly half, 0 is even
    expect(nanoOfScaled(Number.MAX_SAFE_INTEGER, 0)).toBe(9007199254740991000000000n);
    expect(nanoOfBig(15n, 10)).toBe(2n);
    expect(nanoOfBig(-35n, 10)).toBe(-4n);
    expect(nanoOfBig(10n ** 45n + 5n, 10)).toBe(10n ** 44n); // …0.5 nano → even
    expect(nanoOfBig(7n, 0)).toBe(7_000_000_000n);
  });

  it('equals toNano for many random amounts', () => {
    const next = random(42);
    for (let i = 0; i < 5000; i++) {
      const m = Math.floor(next() * 10 ** Math.floor(next() * 16)) * (next() < 0.3 ? -1 : 1);
      const scale = Math.floor(next() * 30);
      const expected = toNano(decimalOfScaled(m, scale));
      expect(BigInt(nanoOfScaled(m, scale))).toBe(expected);
      expect(nanoOfBig(BigInt(m), scale)).toBe(expected);
      const big = BigInt(digits(next, 45)) * (next() < 0.3 ? -1n : 1n);
      expect(nanoOfBig(big, scale + 5)).toBe(toNano(decimalOfScaled(big, scale + 5)));
    }
  });
});

describe('scaledOfDecimal / scaledOfPlain', () => {
  it('reads exact values', () => {
    expect(scaledOfDecimal(new D('0.0000004'))).toEqual({ big: 4n, scale: 7 });
    expect(scaledOfDecimal(new D('-12.5'))).toEqual({ big: -125n, scale: 1 });
    expect(scaledOfDecimal(new D('1e50'))).toEqual({ big: 10n ** 50n, scale: 0 });
    expect(scaledOfDecimal(new D('0'))).toEqual({ big: 0n, scale: 0 });
    expect(scaledOfDecimal(new D('12345678.000000000000000000000000001'))).toEqual({
      big: 12345678000000000000000000000000001n,
      scale: 27,
    });
    expect(scaledOfPlain('0.0125')).toEqual({ big: 125n, scale: 4 });
    expect(scaledOfPlain('-42')).toEqual({ big: -42n, scale: 0 });
  });
});

describe('ExactTotal', () => {
  const read = (t: ExactTotal): [string, bigint] => {
    const d = t.toDecimal();
    return [d.toString(), toNano(d)];
  };

  it('sums exactly (hand-computed)', () => {
    const t = new ExactTotal();
    expect(read(t)).toEqual(['0', 0n]);
    t.addScaled(4, 7);
    t.addScaled(4, 7);
    t.addScaled(4, 7);
    expect(read(t)).toEqual(['0.0000012', 1200n]);
    t.addScaled(166667, 10); // + 0.0000166667
    expect(read(t)).toEqual(['0.0000178667', 17867n]); // 17866.7 nano → 17867
    t.addDecimal(new D('-0.0000178667'));
    expect(read(t)).toEqual(['0', 0n]);
    // Past 2^53 in the mantissa: continues in bigint, exactly.
    t.addScaled(Number.MAX_SAFE_INTEGER, 28);
    t.addScaled(Number.MAX_SAFE_INTEGER, 28);
    expect(read(t)).toEqual(['0.0000000000018014398509481982', 0n]);
  });

  it('rounds where Decimal (40 significant digits) rounds, and only there (hand-computed)', () => {
    const t = new ExactTotal();
    const e39 = 10n ** 39n;
    t.addBig(e39, 0); // 40 digits: exact
    t.addScaled(5, 1); // 1e39 + 0.5 has 41 significant digits: Decimal rounds half-even to 1e39
    expect(read(t)[0]).toBe('1000000000000000000000000000000000000000');
    t.addScaled(1, 0); // now Decimal: 1e39 + 1, exact (40 digits)
    expect(read(t)[0]).toBe('1000000000000000000000000000000000000001');
    // Many digits but few significant ones: exact in Decimal too.
    const u = new ExactTotal();
    u.addBig(10n ** 45n, 0);
    u.addBig(10n ** 45n, 0);
    expect(read(u)[0]).toBe('2e+45');
    // An addend with more than 40 significant digits is rounded as Decimal's sum rounds it.
    const v = new ExactTotal();
    v.addDecimal(new D('0.12345678901234567890123456789012345678905'));
    // …890|5: a tie, and the kept 0 is even.
    expect(read(v)[0]).toBe('0.123456789012345678901234567890123456789');
  });

  it('equals the Decimal fold for many random prices (up to 28 decimals), quantities and credits', () => {
    const next = random(7);
    let rounded = 0;
    for (let cell = 0; cell < 400; cell++) {
      const exact = new ExactTotal();
      let reference: Decimal = ZERO;
      let exactSum = 0n;
      let exactScale = 0;
      const n = 1 + Math.floor(next() * 60);
      const wide = next() < 0.25; // large quantities: partial sums past 40 significant digits
      for (let i = 0; i < n; i++) {
        const scale = Math.floor(next() * 29);
        const price = new D(`${next() < 0.15 ? '-' : ''}${digits(next, 12)}e-${scale}`);
        const r = next();
        const quantity =
          r < 0.3
            ? 1 + Math.floor(next() * 100)
            : r < 0.6
              ? next() * 10 ** Math.floor(next() * 6)
              : wide
                ? Math.floor(next() * 10 ** Math.floor(next() * 21))
                : next() * 1000;
        const amount = product(price, quantity);
        if (!amount.isZero()) reference = reference.plus(amount);
        addLikeHotPath(exact, amount, next());
        const a = scaledOfDecimal(amount);
        const s = Math.max(exactScale, a.scale);
        exactSum = exactSum * 10n ** BigInt(s - exactScale) + a.big * 10n ** BigInt(s - a.scale);
        exactScale = s;
        if (i % 7 === 0) expect(exact.toDecimal().toString()).toBe(reference.toString());
      }
      const got = exact.toDecimal();
      expect(got.toString()).toBe(reference.toString());
      expect(toNano(got)).toBe(toNano(reference));
      if (!decimalOfScaled(exactSum, exactScale).eq(reference)) rounded++;
    }
    // The random cases do reach sums that Decimal had to round.
    expect(rounded).toBeGreaterThan(0);
  });
});

describe('BucketTable with exact integer totals', () => {
  const tags = (sku: string) => ({
    source: 'telemetry',
    tenant: 't',
    team: 'a',
    center: 'c',
    service: 's',
    version: '1',
    sku,
    env: 'prod',
    region: 'eu',
    attribution: 'rule',
    currency: 'USD',
  });

  it('writes the same rows and snapshots as Decimal sums, and restores them', () => {
    const next = random(99);
    const table = new BucketTable();
    const reference = new Map<string, Decimal>();
    const skus = ['a', 'b', 'c'];
    for (let i = 0; i < 5000; i++) {
      const sku = skus[i % 3]!;
      const bucketMs = 60_000 * (i % 4);
      const amount = product(new D(`${digits(next, 10)}e-${Math.floor(next() * 29)}`), next() * 1e6);
      const signed = next() < 0.1 ? amount.neg() : amount;
      const k = `${sku}@${bucketMs}`;
      const before = reference.get(k) ?? ZERO;
      reference.set(k, signed.isZero() ? before : before.plus(signed));
      const { big, scale } = scaledOfDecimal(signed);
      const pick = next();
      if (pick < 0.3) table.add(tags(sku), bucketMs, signed, 1, 'v1');
      else if (
        pick < 0.6 &&
        big <= BigInt(Number.MAX_SAFE_INTEGER) &&
        big >= -BigInt(Number.MAX_SAFE_INTEGER)
      )
        table.addScaled(tags(sku), bucketMs, Number(big), scale, 1, 'v1');
      else table.addBig(tags(sku), bucketMs, big, scale, 1, 'v1');
    }
    const rows = table.dirty().rows;
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      const expected = reference.get(`${row.tags.sku}@${row.bucketMs}`)!;
      expect(row.amount.toString()).toBe(expected.toString());
      expect(row.amountNano).toBe(toNano(expected));
    }
    const snapshot = table.snapshot();
    for (const s of snapshot) expect(s.amount).toBe(reference.get(`${s.tags.sku}@${s.bucketMs}`)!.toString());
    const restored = new BucketTable();
    restored.restore(snapshot);
    expect(restored.snapshot()).toEqual(snapshot);
    const again = restored.dirty().rows;
    expect(again.map((r) => [r.key, r.bucketMs, r.amountNano, r.amount.toString()])).toEqual(
      rows.map((r) => [r.key, r.bucketMs, r.amountNano, r.amount.toString()]),
    );
  });
});
