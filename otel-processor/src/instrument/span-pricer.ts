import {
  D,
  formatAmount,
  type Catalog,
  type PriceVersion,
  type SkuRuleConfig,
  type Usage,
} from '@meterline/cost-model';
import type Decimal from 'decimal.js';
import { type CompiledDecimal, ExactSum, compileDecimal } from './exact-amount';

/** Cached amounts kept per price version before that cache is emptied. */
export const DEFAULT_AMOUNT_CACHE_LIMIT = 256;

/** Usage positions per span with a remembered price version. */
const SLOTS = 4;

/** A price version compiled for the hot path. */
interface CompiledPrice {
  readonly version: PriceVersion;
  readonly price: CompiledDecimal;
  /** `quantity → exact amount` for quantities that repeat (count SKUs, most attribute SKUs). */
  readonly amounts: Map<number, CachedAmount>;
}

interface CachedAmount {
  readonly text: string;
  readonly exact: CompiledDecimal;
}

/**
 * The priced result of one span, written into reused scratch fields (no per-span object).
 * Multi-SKU fields are fresh arrays, because the span keeps them as attribute values.
 */
export interface SpanPrice {
  /** A scalar for one usage, a parallel array (in SKU-rule order) for several. */
  sku: string | string[];
  quantity: number | number[];
  unit: string | string[];
  priceVersion: string | string[];
  /** Exact total, plain decimal string. */
  amount: string;
  currency: string;
}

/** Receives each priced usage (for cost metrics). `amount` is in the catalog's base currency, as a float. */
export type UsageSink = (sku: string, unit: string, quantity: number, amount: number) => void;

/**
 * Prices the usages of one span at the unit (list) price in force at its end time, exactly, and faster than
 * `Catalog.price` + `formatAmount` on the hot path: the price version comes from `Catalog.priceAt`, the
 * product from {@link ExactSum} (no Decimal), and amounts of repeated quantities from a per-version cache.
 * Results are identical to `formatAmount(catalog.price(...).amount)`; the unit tests check it.
 *
 * Several usages: `amount` is their exact total. When their currencies differ, each is converted into the
 * catalog's base currency at the span's end time (Decimal, the rare path) and `currency` is the base currency.
 * Unknown SKUs (or no price in force) are priced as the catalog prices them: 0, price version `unknown`.
 */
export class SpanPricer {
  private readonly compiled = new Map<PriceVersion, CompiledPrice>();
  /** SKU-rule ids whose quantity depends on duration: never repeats, so never cached. */
  private readonly uncached: ReadonlySet<string>;
  /** Last compiled price per usage index (see `lookup`). */
  private readonly slots: (CompiledPrice | undefined)[] = new Array<CompiledPrice | undefined>(SLOTS).fill(
    undefined,
  );
  private readonly sum = new ExactSum();
  private readonly one = new ExactSum();
  /** Scratch result, overwritten by every `price()` call. */
  private readonly result: SpanPrice = {
    sku: '',
    quantity: 0,
    unit: '',
    priceVersion: '',
    amount: '0',
    currency: '',
  };

  constructor(
    private readonly catalog: Catalog,
    skuRules: readonly SkuRuleConfig[] | undefined,
    private readonly cacheLimit = DEFAULT_AMOUNT_CACHE_LIMIT,
  ) {
    this.uncached = new Set(
      (skuRules ?? [])
        .filter((r) => r.quantity.type === 'duration' || r.quantity.type === 'duration_memory')
        .map((r) => r.id),
    );
  }

  /**
   * Prices `usages` (non-empty) at `timeMs`. The returned object is reused by the next call: copy what you keep.
   * `sink` (optional) receives every usage with its amount in the base currency.
   */
  price(usages: readonly Usage[], timeMs: number, sink?: UsageSink): SpanPrice {
    const r = this.result;
    if (usages.length === 1) {
      this.priceOne(usages[0]!, timeMs, sink);
      return r;
    }
    const n = usages.length;
    // Packed arrays of exactly n elements (the span keeps them): literals for the common pair, else pushed.
    // (`new Array(n)` would be holey, slower for the SDK to check and copy.)
    let skus: string[];
    let quantities: number[];
    let units: string[];
    let versions: string[];
    if (n === 2) {
      skus = ['', ''];
      quantities = [0, 0.5]; // a double array from the start
      units = ['', ''];
      versions = ['', ''];
    } else {
      skus = [];
      quantities = [];
      units = [];
      versions = [];
    }
    const sum = this.sum;
    sum.reset();
    let currency: string | undefined;
    let mixedCurrency = false;
    let inexact = false;
    for (let i = 0; i < n; i++) {
      const u = usages[i]!;
      skus[i] = u.sku;
      quantities[i] = u.quantity;
      const cp = this.lookup(u.sku, timeMs, i);
      if (cp === undefined) {
        // Priced as unknown: zero adds nothing, and its (base) currency must not force a conversion.
        const p = this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId);
        units[i] = p.unit;
        versions[i] = p.priceVersion;
        sink?.(u.sku, p.unit, u.quantity, 0);
        continue;
      }
      const v = cp.version;
      units[i] = v.unit;
      versions[i] = v.version;
      if (currency === undefined) currency = v.currency;
      else if (currency !== v.currency) mixedCurrency = true;
      if (!mixedCurrency && !inexact) {
        const cached = this.cachedAmount(cp, u, timeMs);
        const added =
          cached !== undefined ? sum.addDecimal(cached.exact) : sum.addProduct(cp.price, u.quantity);
        if (!added) inexact = true; // not representable: Decimal path below
      }
      if (sink !== undefined) sink(u.sku, v.unit, u.quantity, this.toBaseApprox(cp, u.quantity, timeMs));
    }
    r.sku = skus;
    r.quantity = quantities;
    r.unit = units;
    r.priceVersion = versions;
    if (mixedCurrency) {
      r.amount = this.decimalTotal(usages, timeMs, true);
      r.currency = this.catalog.baseCurrency;
    } else {
      const exact = inexact ? undefined : sum.format();
      r.amount = exact ?? this.decimalTotal(usages, timeMs, false);
      r.currency = currency ?? this.catalog.baseCurrency;
    }
    return r;
  }

  private priceOne(u: Usage, timeMs: number, sink: UsageSink | undefined): void {
    const r = this.result;
    r.sku = u.sku;
    r.quantity = u.quantity;
    const cp = this.lookup(u.sku, timeMs, 0);
    if (cp === undefined) {
      const p = this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId);
      r.unit = p.unit;
      r.priceVersion = p.priceVersion;
      r.amount = formatAmount(p.amount);
      r.currency = p.currency;
      sink?.(u.sku, p.unit, u.quantity, 0);
      return;
    }
    const v = cp.version;
    r.unit = v.unit;
    r.priceVersion = v.version;
    r.currency = v.currency;
    r.amount = this.amountOf(cp, u, timeMs);
    if (sink !== undefined) sink(u.sku, v.unit, u.quantity, this.toBaseApprox(cp, u.quantity, timeMs));
  }

  /** The exact amount of one usage as a string, from the cache when the quantity repeats. */
  private amountOf(cp: CompiledPrice, u: Usage, timeMs: number): string {
    const cached = this.cachedAmount(cp, u, timeMs);
    if (cached !== undefined) return cached.text;
    const one = this.one;
    one.reset();
    const exact = one.addProduct(cp.price, u.quantity) ? one.format() : undefined;
    return exact ?? formatAmount(this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId).amount);
  }

  /**
   * The cached amount of a usage whose quantity repeats (computed and cached on a miss), or undefined for
   * rules whose quantity never repeats (duration-based) — those are computed per span, not cached.
   */
  private cachedAmount(cp: CompiledPrice, u: Usage, timeMs: number): CachedAmount | undefined {
    if (this.uncached.has(u.ruleId)) return undefined;
    let cached = cp.amounts.get(u.quantity);
    if (cached === undefined) {
      const one = this.one;
      one.reset();
      const text =
        (one.addProduct(cp.price, u.quantity) ? one.format() : undefined) ??
        formatAmount(this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId).amount);
      cached = { text, exact: compileDecimal(text, `amount of SKU "${u.sku}"`) };
      if (cp.amounts.size >= this.cacheLimit) cp.amounts.clear();
      cp.amounts.set(u.quantity, cached);
    }
    return cached;
  }

  /**
   * The compiled price version of `sku` in force at `timeMs`, or undefined when it is priced as unknown.
   * `slot` (the usage's index in its span) remembers the last version seen there: spans of one kind carry
   * the same SKUs in the same order, so this mostly skips the map lookup.
   */
  private lookup(sku: string, timeMs: number, slot: number): CompiledPrice | undefined {
    const version = this.catalog.priceAt(sku, timeMs);
    if (version === undefined) return undefined;
    if (slot < SLOTS) {
      const last = this.slots[slot];
      if (last !== undefined && last.version === version) return last;
    }
    let cp = this.compiled.get(version);
    if (cp === undefined) {
      cp = {
        version,
        price: compileDecimal(formatAmount(version.unitPrice), `price ${version.version} of SKU "${sku}"`),
        amounts: new Map(),
      };
      this.compiled.set(version, cp);
    }
    if (slot < SLOTS) this.slots[slot] = cp;
    return cp;
  }

  /** A float approximation in the base currency, for metrics only (money stays exact in span attributes). */
  private toBaseApprox(cp: CompiledPrice, quantity: number, timeMs: number): number {
    const amount = cp.price.approx * quantity;
    const currency = cp.version.currency;
    if (currency === this.catalog.baseCurrency) return amount;
    return amount * this.catalog.rates.rateAt(currency, timeMs).toNumber();
  }

  /** The rare path: Decimal per usage, summed exactly; converted into the base currency when `toBase`. */
  private decimalTotal(usages: readonly Usage[], timeMs: number, toBase: boolean): string {
    let total: Decimal = new D(0);
    for (const u of usages) {
      const p = this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId);
      if (!p.known) continue;
      total = total.plus(toBase ? this.catalog.rates.toBase(p.amount, p.currency, timeMs) : p.amount);
    }
    return formatAmount(total);
  }
}
