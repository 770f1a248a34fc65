import type Decimal from 'decimal.js';
import type { ExchangeRateConfig } from '../config/types';
import { D } from '../money/money';
import { parseDecimal } from '../money/parse';
import { findInForce } from './versions';

const ONE = new D(1);

interface RateHistory {
  /** Ascending. */
  starts: number[];
  rates: Decimal[];
  /** Index of the last rate returned: usage arrives in time order, so it is usually hit again. */
  last: number;
}

/**
 * Exchange rates into one base currency, by effective date: `1 <currency> = rate <base>` from the rate's
 * `effectiveFrom` (inclusive) until the next rate for that currency takes over, exactly at its instant.
 */
export class ExchangeRates {
  private readonly byCurrency = new Map<string, RateHistory>();

  constructor(
    readonly baseCurrency: string,
    rates: readonly ExchangeRateConfig[],
  ) {
    const grouped = new Map<string, ExchangeRateConfig[]>();
    rates.forEach((r) => {
      const list = grouped.get(r.currency) ?? [];
      list.push(r);
      grouped.set(r.currency, list);
    });
    for (const [currency, list] of grouped) {
      list.sort((a, b) => a.effectiveFrom - b.effectiveFrom);
      this.byCurrency.set(currency, {
        starts: list.map((r) => r.effectiveFrom),
        rates: list.map((r) =>
          parseDecimal(r.rate, `exchange rate for ${currency} from ${iso(r.effectiveFrom)}`),
        ),
        last: 0,
      });
    }
  }

  /** The rate in force at `timeMs`; 1 for the base currency. Throws naming the currency and time if none is. */
  rateAt(currency: string, timeMs: number): Decimal {
    if (currency === this.baseCurrency) return ONE;
    const history = this.byCurrency.get(currency);
    if (history === undefined) {
      throw new RangeError(`no exchange rate from ${currency} to ${this.baseCurrency} (at ${iso(timeMs)})`);
    }
    const i = findInForce(history.starts, timeMs, history.last);
    if (i < 0) {
      throw new RangeError(
        `no exchange rate from ${currency} to ${this.baseCurrency} at ${iso(timeMs)}: the first is from ${iso(history.starts[0]!)}`,
      );
    }
    history.last = i;
    return history.rates[i]!;
  }

  /** Converts `amount` of `currency` into the base currency at the rate in force at `timeMs`. Exact. */
  toBase(amount: Decimal, currency: string, timeMs: number): Decimal {
    if (currency === this.baseCurrency) return amount;
    return amount.times(this.rateAt(currency, timeMs));
  }
}

function iso(timeMs: number): string {
  const d = new Date(timeMs);
  return Number.isNaN(d.getTime()) ? String(timeMs) : d.toISOString();
}
