import type Decimal from 'decimal.js';
import type { CatalogConfig } from '../config/types';
import { D, ZERO } from '../money/money';
import { parseDecimal } from '../money/parse';
import { ExchangeRates } from './fx';
import type { Tier } from './tiers';
import { findInForce } from './versions';

/** The price version reported for usage that could not be priced (unknown SKU, or no price in force yet). */
export const UNKNOWN_PRICE_VERSION = 'unknown';

/** One price of one SKU, in force from `effectiveFrom` (inclusive) until the next version's instant. */
export interface PriceVersion {
  sku: string;
  /** Label carried by every result priced with it; `<sku>@<ISO effectiveFrom>` unless configured. */
  version: string;
  effectiveFrom: number;
  currency: string;
  unit: string;
  unitPrice: Decimal;
  /** The configured string, for display and audit. */
  unitPriceString: string;
  /** Volume tiers within a billing period, applied by `PeriodPricer` only. */
  tiers?: Tier[];
}

/** The result of pricing a quantity of one SKU. */
export interface PricedUsage {
  /** Id of the SKU rule that produced the quantity (`''` when priced directly). */
  ruleId: string;
  sku: string;
  quantity: number;
  unit: string;
  /** Exact, unrounded. */
  amount: Decimal;
  currency: string;
  /** The catalog price version used, or {@link UNKNOWN_PRICE_VERSION}. */
  priceVersion: string;
  /** False when the SKU is unknown or has no price in force: `amount` is 0 and the usage is still counted. */
  known: boolean;
}

/** Bound on cached (version, quantity) amounts per version; small quantities like 1 repeat constantly. */
const AMOUNT_CACHE_LIMIT = 256;

interface SkuEntry {
  unit: string;
  /** Ascending by effectiveFrom. */
  versions: PriceVersion[];
  starts: number[];
  /** One cache of `unitPrice × quantity` per version. */
  amounts: Map<number, Decimal>[];
  last: number;
}

/**
 * The pricing catalog: what each SKU costs at any instant. Prices are exact decimals; a price change takes
 * effect exactly at its `effectiveFrom` and never rewrites earlier usage.
 */
export class Catalog {
  readonly baseCurrency: string;
  readonly rates: ExchangeRates;
  private readonly skus = new Map<string, SkuEntry>();

  constructor(config: CatalogConfig) {
    this.baseCurrency = config.baseCurrency;
    this.rates = new ExchangeRates(config.baseCurrency, config.exchangeRates);
    config.skus.forEach((sku, i) => {
      if (this.skus.has(sku.id)) throw new RangeError(`duplicate SKU "${sku.id}" at catalog.skus[${i}].id`);
      const versions = sku.prices.map((p, j): PriceVersion => {
        const where = `catalog.skus[${i}].prices[${j}]`;
        const version: PriceVersion = {
          sku: sku.id,
          version: p.version ?? `${sku.id}@${new Date(p.effectiveFrom).toISOString()}`,
          effectiveFrom: p.effectiveFrom,
          currency: p.currency,
          unit: sku.unit,
          unitPrice: parseDecimal(p.unitPrice, `${where}.unitPrice`),
          unitPriceString: p.unitPrice,
        };
        if (p.tiers !== undefined && p.tiers.length > 0) {
          version.tiers = p.tiers.map((t, k) => {
            const tier: Tier = { unitPrice: parseDecimal(t.unitPrice, `${where}.tiers[${k}].unitPrice`) };
            if (t.upTo !== undefined) tier.upTo = parseDecimal(t.upTo, `${where}.tiers[${k}].upTo`);
            return tier;
          });
        }
        return Object.freeze(version);
      });
      versions.sort((a, b) => a.effectiveFrom - b.effectiveFrom);
      for (let k = 1; k < versions.length; k++) {
        if (versions[k]!.effectiveFrom === versions[k - 1]!.effectiveFrom) {
          throw new RangeError(
            `SKU "${sku.id}" has two prices effective from ${new Date(versions[k]!.effectiveFrom).toISOString()}`,
          );
        }
      }
      this.skus.set(sku.id, {
        unit: sku.unit,
        versions,
        starts: versions.map((v) => v.effectiveFrom),
        amounts: versions.map(() => new Map()),
        last: 0,
      });
    });
  }

  /** True when the catalog lists `skuId` (whether or not a price is in force at a given time). */
  has(skuId: string): boolean {
    return this.skus.has(skuId);
  }

  /** The unit of `skuId`'s quantity, or undefined for an unknown SKU. */
  unitOf(skuId: string): string | undefined {
    return this.skus.get(skuId)?.unit;
  }

  /** SKU ids in configuration order. */
  skuIds(): string[] {
    return [...this.skus.keys()];
  }

  /** The price version in force at `timeMs` (`effectiveFrom` inclusive), or undefined. O(1) on repeat, else O(log n). */
  priceAt(skuId: string, timeMs: number): PriceVersion | undefined {
    const entry = this.skus.get(skuId);
    if (entry === undefined) return undefined;
    const i = findInForce(entry.starts, timeMs, entry.last);
    if (i < 0) return undefined;
    entry.last = i;
    return entry.versions[i];
  }

  /**
   * The instant (ms) from which the price of `skuId` in force at `timeMs` is no longer in force: the next
   * version's `effectiveFrom`, `Infinity` when none follows (or for an unknown SKU). With `priceAt`, it
   * lets a caller reuse what it derived from a price version while `timeMs` stays before that instant.
   */
  priceUntil(skuId: string, timeMs: number): number {
    const entry = this.skus.get(skuId);
    if (entry === undefined) return Infinity;
    const i = findInForce(entry.starts, timeMs, entry.last);
    return entry.starts[i + 1] ?? Infinity;
  }

  /**
   * Prices `quantity` of `skuId` at the unit (list) price in force at `timeMs`, exactly, in the price's
   * currency. Tiers and discounts are not applied here (they need period totals: see `PeriodPricer`).
   * An unknown SKU, or one with no price in force yet, is priced as unknown: amount 0 in the base currency,
   * price version `unknown`, `known: false` — never dropped.
   *
   * @throws when `quantity` is not a finite number, naming the SKU.
   */
  price(skuId: string, quantity: number | Decimal, timeMs: number, ruleId = ''): PricedUsage {
    const isNumber = typeof quantity === 'number';
    if (isNumber ? !Number.isFinite(quantity) : !quantity.isFinite()) {
      throw new RangeError(
        `cannot price quantity ${String(quantity)} of SKU "${skuId}": not a finite number`,
      );
    }
    const entry = this.skus.get(skuId);
    const i = entry === undefined ? -1 : findInForce(entry.starts, timeMs, entry.last);
    if (entry === undefined || i < 0) {
      return {
        ruleId,
        sku: skuId,
        quantity: isNumber ? quantity : quantity.toNumber(),
        unit: entry?.unit ?? '',
        amount: ZERO,
        currency: this.baseCurrency,
        priceVersion: UNKNOWN_PRICE_VERSION,
        known: false,
      };
    }
    entry.last = i;
    const version = entry.versions[i]!;
    let amount: Decimal;
    if (isNumber) {
      // Count-priced spans repeat the same quantity: reuse the (immutable) product.
      const cache = entry.amounts[i]!;
      const cached = cache.get(quantity);
      if (cached !== undefined) {
        amount = cached;
      } else {
        amount = version.unitPrice.times(new D(quantity));
        if (cache.size >= AMOUNT_CACHE_LIMIT) cache.clear();
        cache.set(quantity, amount);
      }
    } else {
      amount = version.unitPrice.times(quantity);
    }
    return {
      ruleId,
      sku: skuId,
      quantity: isNumber ? quantity : quantity.toNumber(),
      unit: version.unit,
      amount,
      currency: version.currency,
      priceVersion: version.version,
      known: true,
    };
  }
}
