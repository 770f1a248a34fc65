import {
  D,
  formatAmount,
  type Catalog,
  type PriceVersion,
  type SkuRuleConfig,
  type Usage,
} from '@meterline/cost-model';
import type Decimal from 'decimal.js';
import {
  type CompiledDecimal,
  ExactSum,
  compileDecimal,
  durationMantissa as importedDurationMantissa,
  formatScaled as importedFormatScaled,
  plainDigits,
  POW10_EXACT,
  safeMantissa,
} from './exact-amount';

// Module-local copies of what runs per span: imported bindings compile to property reads on the other module
// (getters under some loaders).
const durationMantissa = importedDurationMantissa;
const formatScaled = importedFormatScaled;

/** `10^0` … `10^22`, exact doubles. */

/** Cached amounts kept per price version before that cache is emptied. */
export const DEFAULT_AMOUNT_CACHE_LIMIT = 256;

/** Usage positions per span remembered in slots (spans with more usages take the lookup path past these). */
const SLOTS = 4;

/** A price version compiled for the hot path. */
interface CompiledPrice {
  readonly version: PriceVersion;
  readonly price: CompiledDecimal;
  /** The price's mantissa as a safe integer (scale: `price.scale`), or -1: see {@link safeMantissa}. */
  readonly mantissa: number;
  /** `quantity → exact amount` for quantities that repeat (count SKUs, most attribute SKUs). */
  readonly amounts: Map<number, CachedAmount>;
}

interface CachedAmount {
  readonly text: string;
  readonly exact: CompiledDecimal;
  /** `exact`'s mantissa as a safe integer (scale: `exact.scale`), or -1. */
  readonly mantissa: number;
  /** `exact`'s mantissa as a bigint when `mantissa` is -1 (built on first use). */
  big: bigint | undefined;
}

/** What the pricer needs to know about the SKU rule that produced a usage. */
interface RuleInfo {
  /** The quantity depends on the span's duration: it never repeats, so its amount is never cached. */
  readonly uncached: boolean;
  /**
   * For duration rules with a constant factor (`duration`'s scale, `duration_memory`'s fixed `memoryGb`): the
   * factor's shortest decimal as a safe-integer mantissa and scale (see {@link durationMantissa}); else -1.
   */
  readonly factorMantissa: number;
  readonly factorScale: number;
}

const PLAIN_RULE: RuleInfo = Object.freeze({ uncached: false, factorMantissa: -1, factorScale: 0 });

/**
 * What one usage position remembers of the last usage priced there. Spans of one kind carry the same SKUs in
 * the same order, so a repeat (same rule and SKU, same quantity unless duration-based, a time within the
 * price version's window) costs a few comparisons instead of catalog and cache lookups.
 */
class Slot {
  ruleId = '';
  sku = '';
  info: RuleInfo = PLAIN_RULE;
  cp: CompiledPrice | undefined = undefined;
  /** `[from, until)`: where `cp`'s price version is in force (empty until filled). */
  from = 0;
  until = -1;
  /** The quantity `cached` is the amount of (repeated quantities only). */
  quantity = 0.5;
  cached: CachedAmount | undefined = undefined;
}

/** Whether `slot` describes usage `u` at `timeMs` as it is (no catalog lookup needed). */
function fits(slot: Slot, u: Usage, timeMs: number): boolean {
  return (
    slot.ruleId === u.ruleId &&
    slot.sku === u.sku &&
    timeMs >= slot.from &&
    timeMs < slot.until &&
    (slot.cached === undefined || slot.quantity === u.quantity)
  );
}

/**
 * The priced result of one span, written into reused scratch fields (no per-span object).
 * Multi-SKU fields are arrays: `sku`, `unit` and `priceVersion` are frozen arrays shared by every span with
 * the same SKUs and price versions (constants: never mutated); `quantity` is a fresh array per span.
 */
export interface SpanPrice {
  /** A scalar for one usage, a parallel array (in SKU-rule order) for several. */
  sku: string | string[];
  quantity: number | number[];
  unit: string | string[];
  priceVersion: string | string[];
  /**
   * Exact total, plain decimal string; `''` when the call deferred it and {@link amountMantissa} holds it.
   */
  amount: string;
  /**
   * With `deferAmountText`, the exact total as `amountMantissa × 10^-amountScale` when that mantissa is a safe
   * integer (the usual span): {@link amount} is then `''` and `formatScaled(amountMantissa, amountScale)`
   * is its text. Otherwise -1 (and {@link amount} is set).
   */
  amountMantissa: number;
  amountScale: number;
  currency: string;
}

/**
 * One usage's exact amount (from {@link SpanPricer.usage}), in the form the rollup sums without Decimal.
 * Exactly one form is set: `mantissa ≥ 0` (amount = mantissa × 10^-scale), else `decimal` when set (the rare
 * path, `Catalog.price`'s Decimal), else `big` (amount = big × 10^-scale).
 */
export interface UsageAmount {
  currency: string;
  priceVersion: string;
  mantissa: number;
  big: bigint;
  scale: number;
  decimal: Decimal | undefined;
}

/** Receives each priced usage (for cost metrics). `amount` is in the catalog's base currency, as a float. */
export type UsageSink = (sku: string, unit: string, quantity: number, amount: number) => void;

/**
 * Prices the usages of one span at the unit (list) price in force at its end time, exactly, and faster than
 * `Catalog.price` + `formatAmount` on the hot path: price versions come from `Catalog.priceAt` (remembered per
 * usage position while in force), amounts of repeated quantities from a per-version cache, and the rest from
 * integer arithmetic (no Decimal):
 *
 * - when every part of the total has a mantissa below 2^53 at a common scale (the usual span: a request
 *   price plus a duration product), the total is summed in doubles, exactly, and printed by {@link formatScaled};
 * - otherwise with {@link ExactSum} (base-10⁴ limbs), and past its capacity with Decimal.
 *
 * A duration quantity's decimal comes from the span's integer nanoseconds when that provably equals
 * `String(quantity)` (see {@link durationMantissa}), so nothing is formatted and parsed per span; the
 * amount is the same either way. Results are identical to `formatAmount(catalog.price(...).amount)` (and the
 * exact sum of those); the unit tests check it against Decimal.
 *
 * Several usages: `amount` is their exact total. When their currencies differ, each is converted into the
 * catalog's base currency at the span's end time (Decimal, the rare path) and `currency` is the base currency.
 * Unknown SKUs (or no price in force) are priced as the catalog prices them: 0, price version `unknown`.
 */
export class SpanPricer {
  private readonly compiled = new Map<PriceVersion, CompiledPrice>();
  /** Per SKU-rule id; rules not listed are plain (quantities may repeat). */
  private readonly rules: ReadonlyMap<string, RuleInfo>;
  private readonly slots: Slot[] = Array.from({ length: SLOTS }, () => new Slot());
  /**
   * A second slot per position, the one used before: spans of two kinds that alternate (a server span's
   * request SKU, then its client spans' query SKU at the same position) swap these instead of refilling.
   */
  private readonly alternates: Slot[] = Array.from({ length: SLOTS }, () => new Slot());
  /** Scratch for usages past the slots. */
  private readonly spare = new Slot();
  /** Scratch: the slot of each usage of the span being priced (undefined: priced as unknown). */
  private spanSlots: (Slot | undefined)[] = new Array<Slot | undefined>(SLOTS).fill(undefined);
  /** The shared label arrays of the last multi-usage span, and whether a slot changed since they were built. */
  private labelSkus: string[] = [];
  private labelUnits: string[] = [];
  private labelVersions: string[] = [];
  /** What the label arrays were built from, per position: the SKU and the compiled price (unit, version). */
  private labelCps: (CompiledPrice | undefined)[] = [];
  private labelsStale = true;
  private readonly sum = new ExactSum();
  /** The current `price()` call defers its amount text (see {@link SpanPrice.amountMantissa}). */
  private defer = false;
  private readonly one = new ExactSum();
  /** Set by `part`: one usage's exact amount as mantissa × 10^-scale. */
  private partMantissa = 0;
  private partScale = 0;
  /** Scratch result of `usage()`. */
  private readonly usageResult: UsageAmount = {
    currency: '',
    priceVersion: '',
    mantissa: 0,
    big: 0n,
    scale: 0,
    decimal: undefined,
  };
  /** Scratch result, overwritten by every `price()` call. */
  private readonly result: SpanPrice = {
    sku: '',
    quantity: 0,
    unit: '',
    priceVersion: '',
    amount: '0',
    amountMantissa: -1,
    amountScale: 0,
    currency: '',
  };

  constructor(
    private readonly catalog: Catalog,
    skuRules: readonly SkuRuleConfig[] | undefined,
    private readonly cacheLimit = DEFAULT_AMOUNT_CACHE_LIMIT,
  ) {
    const rules = new Map<string, RuleInfo>();
    for (const r of skuRules ?? []) {
      const q = r.quantity;
      if (q.type !== 'duration' && q.type !== 'duration_memory') continue;
      // The factor as SkuRules reads it (a double). Only a candidate: a wrong guess would cost speed, not exactness.
      const factor =
        q.type === 'duration'
          ? Number(q.scale ?? '1')
          : q.memoryAttribute === undefined && q.memoryGb !== undefined
            ? Number(q.memoryGb)
            : Number.NaN;
      let factorMantissa = -1;
      let factorScale = 0;
      if (Number.isFinite(factor) && factor >= 0) {
        const compiled = compileDecimal(String(factor), `factor of SKU rule "${r.id}"`);
        factorMantissa = safeMantissa(compiled);
        factorScale = compiled.scale;
      }
      rules.set(r.id, Object.freeze({ uncached: true, factorMantissa, factorScale }));
    }
    this.rules = rules;
  }

  /**
   * Prices the first `n` of `usages` (n ≥ 1; default all) at `timeMs`. The returned object is reused by the next
   * call: copy what you keep. `sink` (optional) receives every usage with its amount in the base currency.
   * `durationNs` (optional) is the span's duration, from which duration-based quantities were computed: it
   * saves formatting them (the result is the same without it). `deferAmountText`: leave the amount as a
   * mantissa and scale where possible (see {@link SpanPrice.amountMantissa}), for a caller that formats it
   * elsewhere (the forwarding thread) or not at all.
   */
  price(
    usages: readonly Usage[],
    timeMs: number,
    sink?: UsageSink,
    durationNs = -1,
    n = usages.length,
    deferAmountText = false,
  ): SpanPrice {
    const r = this.result;
    r.amountMantissa = -1;
    this.defer = deferAmountText;
    if (n === 1) {
      this.priceOne(usages[0]!, timeMs, sink, durationNs);
      return r;
    }
    if (this.spanSlots.length < n) this.spanSlots = new Array<Slot | undefined>(n).fill(undefined);
    const spanSlots = this.spanSlots;
    // A packed double array of exactly n elements (the span keeps it): a literal for the common pair.
    const quantities: number[] = n === 2 ? [usages[0]!.quantity, usages[1]!.quantity] : [];
    let currency: string | undefined;
    let mixedCurrency = false;
    // The total as mantissa × 10^-scale while every part fits a safe integer (-1 once one does not).
    let total = 0;
    let scale = 0;
    if (n > SLOTS) this.labelsStale = true;
    for (let i = 0; i < n; i++) {
      const u = usages[i]!;
      if (n !== 2) quantities.push(u.quantity);
      const slot = this.slotOf(u, timeMs, i);
      spanSlots[i] = slot;
      if (slot === undefined) {
        // Priced as unknown: zero adds nothing, and its (base) currency must not force a conversion.
        this.labelsStale = true;
        if (sink !== undefined)
          sink(u.sku, this.catalog.price(u.sku, u.quantity, timeMs).unit, u.quantity, 0);
        continue;
      }
      const cp = slot.cp!;
      const v = cp.version;
      if (currency === undefined) currency = v.currency;
      else if (currency !== v.currency) mixedCurrency = true;
      if (total >= 0 && !mixedCurrency) {
        if (this.part(slot, cp, u, durationNs)) {
          const m = this.partMantissa;
          const s = this.partScale;
          if (s > scale) {
            total = s - scale > 22 ? Infinity : total * POW10_EXACT[s - scale]!;
            scale = s;
            total += m;
          } else {
            total += s === scale ? m : scale - s > 22 ? Infinity : m * POW10_EXACT[scale - s]!;
          }
          // Exact while at most 2^53 - 1: a product or sum past it rounds to at least 2^53.
          if (!(total <= Number.MAX_SAFE_INTEGER)) total = -1;
        } else {
          total = -1;
        }
      }
      if (sink !== undefined) sink(u.sku, v.unit, u.quantity, this.toBaseApprox(cp, u.quantity, timeMs));
    }
    if (this.labelsStale || !this.labelsFit(usages, spanSlots, n))
      this.buildLabels(usages, spanSlots, n, timeMs);
    r.sku = this.labelSkus;
    r.quantity = quantities;
    r.unit = this.labelUnits;
    r.priceVersion = this.labelVersions;
    if (mixedCurrency) {
      r.amount = this.decimalTotal(usages, n, timeMs, true);
      r.currency = this.catalog.baseCurrency;
    } else {
      if (total >= 0) this.setAmount(total, scale);
      else r.amount = this.exactTotal(usages, spanSlots, n, timeMs, durationNs);
      r.currency = currency ?? this.catalog.baseCurrency;
    }
    return r;
  }

  /**
   * The exact amount of one usage at `timeMs`, with its currency and price version: what
   * `Catalog.price(u.sku, u.quantity, timeMs, u.ruleId)` gives, without Decimal on the usual paths (the same
   * value: an exact product with at most 40 significant digits is what Decimal's product is). `index` is the
   * usage's position in its span (for the slots); `durationNs` as for {@link SpanPricer.price}. The returned
   * object is reused by the next call. Throws where `Catalog.price` throws (a quantity nothing can price).
   */
  usage(u: Usage, timeMs: number, durationNs: number, index: number): UsageAmount {
    const r = this.usageResult;
    r.decimal = undefined;
    const slot = this.slotOf(u, timeMs, index);
    if (slot === undefined) {
      const p = this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId);
      r.currency = p.currency;
      r.priceVersion = p.priceVersion;
      r.mantissa = -1;
      r.decimal = p.amount;
      return r;
    }
    const cp = slot.cp!;
    r.currency = cp.version.currency;
    r.priceVersion = cp.version.version;
    if (this.part(slot, cp, u, durationNs)) {
      r.mantissa = this.partMantissa;
      r.scale = this.partScale;
      return r;
    }
    r.mantissa = -1;
    const cached = slot.cached;
    if (cached !== undefined) {
      // Repeated quantity with a mantissa past 2^53: its exact decimal is cached.
      cached.big ??= BigInt(plainDigits(cached.text));
      r.big = cached.big;
      r.scale = cached.exact.scale;
      return r;
    }
    const one = this.one;
    one.reset();
    const text = this.addUncached(one, cp, u, slot.info, durationNs) ? one.format() : undefined;
    if (text === undefined) {
      r.decimal = this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId).amount;
    } else {
      const dot = text.indexOf('.');
      r.big = BigInt(plainDigits(text));
      r.scale = dot < 0 ? 0 : text.length - dot - 1;
    }
    return r;
  }

  private priceOne(u: Usage, timeMs: number, sink: UsageSink | undefined, durationNs: number): void {
    const r = this.result;
    r.sku = u.sku;
    r.quantity = u.quantity;
    const slot = this.slotOf(u, timeMs, 0);
    if (slot === undefined) {
      const p = this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId);
      r.unit = p.unit;
      r.priceVersion = p.priceVersion;
      r.amount = formatAmount(p.amount);
      r.currency = p.currency;
      sink?.(u.sku, p.unit, u.quantity, 0);
      return;
    }
    const cp = slot.cp!;
    const v = cp.version;
    r.unit = v.unit;
    r.priceVersion = v.version;
    r.currency = v.currency;
    const cached = slot.cached;
    if (cached !== undefined) {
      if (this.defer && cached.mantissa >= 0) this.setAmount(cached.mantissa, cached.exact.scale);
      else r.amount = cached.text;
    } else if (this.part(slot, cp, u, durationNs)) {
      this.setAmount(this.partMantissa, this.partScale);
    } else {
      const one = this.one;
      one.reset();
      const exact = this.addUncached(one, cp, u, slot.info, durationNs) ? one.format() : undefined;
      r.amount = exact ?? formatAmount(this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId).amount);
    }
    if (sink !== undefined) sink(u.sku, v.unit, u.quantity, this.toBaseApprox(cp, u.quantity, timeMs));
  }

  /** Sets the result's amount, `mantissa × 10^-scale` (a safe integer): as text unless deferred. */
  private setAmount(mantissa: number, scale: number): void {
    const r = this.result;
    if (this.defer) {
      r.amount = '';
      r.amountMantissa = mantissa;
      r.amountScale = scale;
    } else {
      r.amount = formatScaled(mantissa, scale);
    }
  }

  /**
   * The slot describing usage `u` at `timeMs` (refilled unless it already does), or undefined when the usage
   * is priced as unknown. `index` is the usage's position in its span.
   */
  private slotOf(u: Usage, timeMs: number, index: number): Slot | undefined {
    if (index >= SLOTS) {
      const spare = this.spare;
      return fits(spare, u, timeMs) ? spare : this.refill(spare, u, timeMs);
    }
    const slot = this.slots[index]!;
    if (fits(slot, u, timeMs)) return slot;
    // The alternate becomes the current one (refilled unless it fits), the current one the alternate.
    const alternate = this.alternates[index]!;
    const filled = fits(alternate, u, timeMs) ? alternate : this.refill(alternate, u, timeMs);
    if (filled === undefined) return undefined;
    this.slots[index] = alternate;
    this.alternates[index] = slot;
    return alternate;
  }

  /** Whether the label arrays describe these usages (same SKUs, same compiled prices at each position). */
  private labelsFit(usages: readonly Usage[], spanSlots: readonly (Slot | undefined)[], n: number): boolean {
    if (this.labelSkus.length !== n) return false;
    for (let i = 0; i < n; i++) {
      const cp = spanSlots[i]?.cp;
      if (cp === undefined || cp !== this.labelCps[i] || usages[i]!.sku !== this.labelSkus[i]) return false;
    }
    return true;
  }

  /** Points `slot` at usage `u` at `timeMs` (undefined, leaving the slot as it was, when priced as unknown). */
  private refill(slot: Slot, u: Usage, timeMs: number): Slot | undefined {
    const version = this.catalog.priceAt(u.sku, timeMs);
    if (version === undefined) return undefined;
    let cp = this.compiled.get(version);
    if (cp === undefined) {
      const price = compileDecimal(
        formatAmount(version.unitPrice),
        `price ${version.version} of SKU "${u.sku}"`,
      );
      cp = { version, price, mantissa: safeMantissa(price), amounts: new Map() };
      this.compiled.set(version, cp);
    }
    const info = this.rules.get(u.ruleId) ?? PLAIN_RULE;
    // Computed before the slot changes: it may throw (a quantity nothing can price), leaving the slot as it was.
    const cached = info.uncached ? undefined : this.cachedAmount(cp, u, timeMs);
    slot.ruleId = u.ruleId;
    slot.sku = u.sku;
    slot.info = info;
    slot.cp = cp;
    slot.from = version.effectiveFrom;
    slot.until = this.catalog.priceUntil(u.sku, timeMs);
    slot.quantity = u.quantity;
    slot.cached = cached;
    return slot;
  }

  /**
   * Sets `partMantissa`/`partScale` to the exact amount of one usage when its mantissa is a safe integer:
   * from the cache for repeated quantities, from integer nanoseconds for duration quantities. False otherwise.
   */
  private part(slot: Slot, cp: CompiledPrice, u: Usage, durationNs: number): boolean {
    const cached = slot.cached;
    if (cached !== undefined) {
      if (cached.mantissa < 0) return false;
      this.partMantissa = cached.mantissa;
      this.partScale = cached.exact.scale;
      return true;
    }
    const info = slot.info;
    if (info.factorMantissa < 0 || cp.mantissa < 0) return false;
    const m = durationMantissa(u.quantity, durationNs, info.factorMantissa, info.factorScale);
    if (m < 0) return false;
    const product = cp.mantissa * m;
    if (!(product <= Number.MAX_SAFE_INTEGER)) return false;
    this.partMantissa = product;
    this.partScale = cp.price.scale + 9 + info.factorScale;
    return true;
  }

  /** Adds the product of a never-cached (duration) usage to `sum`: from nanoseconds when provable. */
  private addUncached(
    sum: ExactSum,
    cp: CompiledPrice,
    u: Usage,
    info: RuleInfo,
    durationNs: number,
  ): boolean {
    const m =
      info.factorMantissa < 0
        ? -1
        : durationMantissa(u.quantity, durationNs, info.factorMantissa, info.factorScale);
    return m >= 0
      ? sum.addIntegerProduct(cp.price, m, 9 + info.factorScale)
      : sum.addProduct(cp.price, u.quantity);
  }

  /** The exact total of usages of one currency with {@link ExactSum}, or Decimal past its capacity. */
  private exactTotal(
    usages: readonly Usage[],
    spanSlots: readonly (Slot | undefined)[],
    n: number,
    timeMs: number,
    durationNs: number,
  ): string {
    const sum = this.sum;
    sum.reset();
    for (let i = 0; i < n; i++) {
      const slot = spanSlots[i];
      if (slot === undefined) continue;
      const cp = slot.cp!;
      const u = usages[i]!;
      // Past the slots, `spare` describes only the last such usage: look the others up again.
      const cached = slot.cached !== undefined && i < SLOTS ? slot.cached : undefined;
      const info = i < SLOTS ? slot.info : (this.rules.get(u.ruleId) ?? PLAIN_RULE);
      const priced = i < SLOTS ? cp : this.slotOf(u, timeMs, i)!.cp!;
      const added = info.uncached
        ? this.addUncached(sum, priced, u, info, durationNs)
        : sum.addDecimal((cached ?? this.cachedAmount(priced, u, timeMs)).exact);
      if (!added) return this.decimalTotal(usages, n, timeMs, false); // not representable
    }
    return sum.format() ?? this.decimalTotal(usages, n, timeMs, false);
  }

  /** Builds (frozen, shared) `sku`/`unit`/`priceVersion` arrays for spans with these SKUs and prices. */
  private buildLabels(
    usages: readonly Usage[],
    spanSlots: readonly (Slot | undefined)[],
    n: number,
    timeMs: number,
  ): void {
    const skus: string[] = [];
    const units: string[] = [];
    const versions: string[] = [];
    for (let i = 0; i < n; i++) {
      const u = usages[i]!;
      // Past the slots, `spare` describes only the last usage: read versions from the catalog.
      const cp = i < SLOTS ? spanSlots[i]?.cp : undefined;
      skus.push(u.sku);
      if (cp !== undefined) {
        units.push(cp.version.unit);
        versions.push(cp.version.version);
      } else {
        const p = this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId);
        units.push(p.unit);
        versions.push(p.priceVersion);
      }
    }
    // Frozen: typed mutable only because OTel's AttributeValue is; never written after this.
    this.labelSkus = Object.freeze(skus) as string[];
    this.labelUnits = Object.freeze(units) as string[];
    this.labelVersions = Object.freeze(versions) as string[];
    this.labelCps = Array.from({ length: n }, (_, i) => (i < SLOTS ? spanSlots[i]?.cp : undefined));
    this.labelsStale = n > SLOTS;
  }

  /** The cached amount of a usage whose quantity repeats (computed and cached on a miss). */
  private cachedAmount(cp: CompiledPrice, u: Usage, timeMs: number): CachedAmount {
    let cached = cp.amounts.get(u.quantity);
    if (cached === undefined) {
      const one = this.one;
      one.reset();
      const text =
        (one.addProduct(cp.price, u.quantity) ? one.format() : undefined) ??
        formatAmount(this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId).amount);
      const exact = compileDecimal(text, `amount of SKU "${u.sku}"`);
      cached = { text, exact, mantissa: safeMantissa(exact), big: undefined };
      if (cp.amounts.size >= this.cacheLimit) cp.amounts.clear();
      cp.amounts.set(u.quantity, cached);
    }
    return cached;
  }

  /** A float approximation in the base currency, for metrics only (money stays exact in span attributes). */
  private toBaseApprox(cp: CompiledPrice, quantity: number, timeMs: number): number {
    const amount = cp.price.approx * quantity;
    const currency = cp.version.currency;
    if (currency === this.catalog.baseCurrency) return amount;
    return amount * this.catalog.rates.rateAt(currency, timeMs).toNumber();
  }

  /** The rare path: Decimal per usage, summed exactly; converted into the base currency when `toBase`. */
  private decimalTotal(usages: readonly Usage[], n: number, timeMs: number, toBase: boolean): string {
    let total: Decimal = new D(0);
    for (let i = 0; i < n; i++) {
      const u = usages[i]!;
      const p = this.catalog.price(u.sku, u.quantity, timeMs, u.ruleId);
      if (!p.known) continue;
      total = total.plus(toBase ? this.catalog.rates.toBase(p.amount, p.currency, timeMs) : p.amount);
    }
    return formatAmount(total);
  }
}
