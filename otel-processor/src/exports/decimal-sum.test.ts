import Decimal from 'decimal.js';
import { DecimalSum, DecimalSumTable } from './decimal-sum';

const Wide = Decimal.clone({ precision: 200 });

function sumOf(texts: string[]): string {
  const s = new DecimalSum();
  for (const t of texts) s.add(t);
  return s.toDecimal().toFixed();
}

function oracle(texts: string[]): string {
  return texts.reduce((acc, t) => acc.plus(new Wide(t)), new Wide(0)).toFixed();
}

describe('DecimalSum', () => {
  it('sums the shapes exports write, exactly', () => {
    const texts = [
      '0.0123456789',
      '-12',
      '+3.5',
      '1.2E-9',
      '1.2e+3',
      '.5',
      '7.',
      '0.0000000000000000000000000001',
      '123456789012345678901234.5',
      '-0.000000000000000000000000001',
      '0',
      '-0.0',
      '1E+20',
      '9007199254740993',
    ];
    expect(sumOf(texts)).toBe(oracle(texts));
  });

  it('equals a wide Decimal fold on random amounts of 0–28 decimals, both signs, with exponents', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 50; round++) {
      const texts: string[] = [];
      for (let i = 0; i < 200; i++) {
        const intPart = String(rnd(10 ** rnd(8)));
        const decimals = rnd(29);
        let frac = '';
        for (let d = 0; d < decimals; d++) frac += String(rnd(10));
        let t = (rnd(4) === 0 ? '-' : '') + intPart + (decimals > 0 ? '.' + frac : '');
        if (rnd(10) === 0) t += `E${rnd(2) === 0 ? '-' : '+'}${rnd(12)}`;
        texts.push(t);
      }
      expect(sumOf(texts)).toBe(oracle(texts));
    }
  });

  it('adds another sum', () => {
    const a = new DecimalSum();
    const b = new DecimalSum();
    a.add('0.1');
    b.add('0.2');
    a.addSum(b);
    expect(a.toDecimal().toFixed()).toBe('0.3');
  });
});

describe('DecimalSumTable', () => {
  it('keeps per-cell, per-column sums equal to a wide Decimal fold, through growth and bigint overflow', () => {
    const table = new DecimalSumTable(3, 2);
    const oracle = new Map<string, InstanceType<typeof Wide>>();
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const cell = rnd(40);
      const column = rnd(3);
      const decimals = rnd(12) === 0 ? 20 + rnd(9) : rnd(10);
      let frac = '';
      for (let d = 0; d < decimals; d++) frac += String(rnd(10));
      const text = `${rnd(3) === 0 ? '-' : ''}${rnd(10 ** rnd(10))}${decimals ? '.' + frac : ''}`;
      table.ensure(cell);
      table.add(cell, column, text);
      oracle.set(`${cell}/${column}`, (oracle.get(`${cell}/${column}`) ?? new Wide(0)).plus(text));
    }
    for (const [key, want] of oracle) {
      const [cell, column] = key.split('/').map(Number) as [number, number];
      expect(table.sum(cell, column).toDecimal().toFixed()).toBe(want.toFixed());
    }
  });

  it('counts in a counter column', () => {
    const table = new DecimalSumTable(2);
    table.count(3, 1);
    table.count(3, 1);
    expect(table.counted(3, 1)).toBe(2);
    expect(table.counted(2, 1)).toBe(0);
  });
});
