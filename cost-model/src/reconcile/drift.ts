/**
 * Reconciliation drift: how far Meterline's modelled telemetry cost is from what a provider billed, per
 * UTC day and provider account (guide metric M7; ARCHITECTURE.md "Signals"):
 *
 *     drift_ratio = |billed − modelled| / |billed|
 *
 * Pure computation over per-day sums that the caller read from InfluxDB (`provider_cost.billed_nano` and
 * `cost.amount_nano`, both integer nano-units with a `currency` tag). Money stays `bigint` nano-units;
 * ratios and currency conversions are exact decimals (decimal.js, 40 significant digits), rounded
 * half-to-even to nano-units once per converted sum.
 *
 * Decisions, and why:
 * - **Only charges telemetry models are compared.** Bills carry taxes, credits, purchases (reserved
 *   capacity, support) that no span or metric can model; comparing them would report drift that is not a
 *   modelling error. The billed side keeps the `charge` categories listed in `charges` (default `usage`,
 *   compared case-insensitively); what is left out is totalled in {@link DriftReport.excludedBilled}.
 * - **Accounts.** Telemetry has no account. With `accounts` rules, each `cost` series goes to the first
 *   rule whose `match` (equality on `cost` tags) holds, and is compared with that provider account's bill;
 *   unmatched telemetry and bills of accounts no rule names are reported, not compared. Without rules, all
 *   telemetry of a day is compared with the sum of the bills of all accounts of that day: the row's
 *   provider/account is `*`/`*`, or the account itself when exactly one account billed that day (decided
 *   per day, so a re-run over any range writes the same signal points).
 * - **Currency.** The comparison is in the billed currency. When the row's bills use several currencies
 *   (or there is no bill and the telemetry uses several), in the catalog's base currency. Amounts in
 *   another currency are converted at the catalog rates in force at the start of the UTC day
 *   (`rate(from) / rate(to)`, both into the base currency), and every conversion is listed on the row.
 * - **No bill.** A day with billed = 0 and modelled ≠ 0 has no ratio: status `no bill`, counted as
 *   exceeding (telemetry says money was spent; no bill says otherwise, or the bill was not imported yet).
 *   billed = modelled = 0 is a ratio of 0.
 * - **Teams.** Where bills carry a team (from tag attribution) and telemetry has the same team, one more
 *   row per team is compared under the account row; `unknown` and empty teams are skipped on both sides.
 *
 * @packageDocumentation
 */
import type Decimal from 'decimal.js';
import { UNKNOWN } from '../attribution/rules';
import type { ReconcileAccountConfig } from '../config/types';
import { D, fromNano, toNano } from '../money/money';
import type { ExchangeRates } from '../pricing/fx';

/** Provider and account of a row that compares the bills of several accounts with all telemetry. */
export const ALL_ACCOUNTS = '*';

const DAY_MS = 86_400_000;

/** One day's billed sum of one `provider_cost` group (as read with `GROUP BY time(1d), provider, …`). */
export interface BilledDaySum {
  /** Start of the UTC day, epoch ms. */
  dayMs: number;
  provider: string;
  account: string;
  currency: string;
  /** The `charge` tag (`usage`, `tax`, `credit`, …); compared case-insensitively. */
  charge: string;
  /** The `team` tag; `''` when absent. */
  team: string;
  billedNano: bigint;
}

/** One day's modelled sum of one group of `cost` series (grouped by `currency` and the tags rules use). */
export interface ModelledDaySum {
  /** Start of the UTC day, epoch ms. */
  dayMs: number;
  currency: string;
  /** `cost` tags of the group: at least `team` and every key an account rule matches on. */
  tags: Readonly<Record<string, string>>;
  amountNano: bigint;
}

/** Whether a row is within the threshold. `no bill`: billed 0, modelled not. */
export type DriftStatus = 'ok' | 'over' | 'no bill';

/** One currency conversion that went into a row. */
export interface CurrencyConversion {
  side: 'billed' | 'modelled';
  from: string;
  to: string;
  /** `1 from = rate to`, exact (`rate(from) / rate(to)` of the catalog at the day start). */
  rate: Decimal;
  /** The sum before conversion, in `from`. */
  amountNano: bigint;
  /** The sum after conversion, in `to`, rounded half-to-even to nano-units. */
  convertedNano: bigint;
}

/** One compared (day, provider, account[, team]). */
export interface DriftRow {
  dayMs: number;
  provider: string;
  account: string;
  /** `''` for the account row; the team for a team row. */
  team: string;
  /** Currency both amounts are in. */
  currency: string;
  billedNano: bigint;
  modelledNano: bigint;
  /** |billed − modelled| / |billed|; null when billed is 0 and modelled is not. */
  ratio: Decimal | null;
  status: DriftStatus;
  conversions: CurrencyConversion[];
}

/** What {@link computeDrift} needs besides the sums. */
export interface DriftOptions {
  /** Largest acceptable ratio (e.g. `'0.05'`); a row passes when ratio ≤ threshold. */
  threshold: Decimal.Value;
  /** Charge categories compared (default `['usage']`). */
  charges?: readonly string[];
  /** Telemetry → account rules (default none: all accounts of a day against all telemetry). */
  accounts?: readonly ReconcileAccountConfig[];
  /** The catalog's exchange rates, for rows whose amounts are in different currencies. */
  rates: ExchangeRates;
}

/** The outcome of a reconciliation. */
export interface DriftReport {
  threshold: Decimal;
  charges: string[];
  /** Sorted by day, provider, account, then the account row before its team rows (teams sorted). */
  rows: DriftRow[];
  /** Whether any row (account or team) is `over` or `no bill`. */
  exceeded: boolean;
  /** The row with the largest ratio (a `no bill` row counts as the largest); undefined without rows. */
  worst: DriftRow | undefined;
  /** Day starts (ms) with at least one row over the threshold, ascending. */
  daysOver: number[];
  /** Whether any bill of a compared charge category was seen at all. */
  hasProviderData: boolean;
  /** Billed totals of the charge categories left out, per (charge, currency). */
  excludedBilled: { charge: string; currency: string; billedNano: bigint }[];
  /** With account rules: modelled cost no rule matched, per (day, currency). */
  unmatchedModelled: { dayMs: number; currency: string; amountNano: bigint }[];
  /** With account rules: bills of accounts no rule names, per (day, provider, account, currency). */
  unmappedBilled: {
    dayMs: number;
    provider: string;
    account: string;
    currency: string;
    billedNano: bigint;
  }[];
}

/** Raised when an amount cannot be converted into a row's currency (no catalog rate): names both. */
export class CurrencyConversionError extends Error {
  constructor(
    message: string,
    readonly from: string,
    readonly to: string,
    readonly dayMs: number,
  ) {
    super(message);
    this.name = 'CurrencyConversionError';
  }
}

/** `YYYY-MM-DD` of a UTC day start. */
export function utcDay(dayMs: number): string {
  return new Date(dayMs).toISOString().slice(0, 10);
}

/**
 * |billed − modelled| / |billed|, exact. `null` when billed is 0 and modelled is not (no ratio exists);
 * 0 when both are 0. The absolute value of the bill keeps the ratio non-negative for (rare) negative bills.
 */
export function driftRatio(billedNano: bigint, modelledNano: bigint): Decimal | null {
  const diff = billedNano > modelledNano ? billedNano - modelledNano : modelledNano - billedNano;
  if (billedNano === 0n) return diff === 0n ? new D(0) : null;
  const denominator = billedNano < 0n ? -billedNano : billedNano;
  // Both in nano-units: the factor 1e-9 cancels, so the integers divide directly.
  return new D(diff.toString()).div(denominator.toString());
}

/** A ratio as a percentage with `decimals` places (half-even), e.g. `0.045` → `"4.50"`. */
export function driftPercent(ratio: Decimal, decimals = 2): string {
  return ratio.times(100).toFixed(decimals);
}

/**
 * Converts `nano` of `from` into `to` at the catalog rates in force at `atMs`: `rate(from) / rate(to)`, both
 * rates being "1 unit = rate base currency". Exact up to the single half-even rounding to nano-units.
 *
 * @throws CurrencyConversionError naming both currencies and the day when a rate is missing.
 */
export function convertNano(
  nano: bigint,
  from: string,
  to: string,
  atMs: number,
  rates: ExchangeRates,
): { nano: bigint; rate: Decimal } {
  if (from === to) return { nano, rate: new D(1) };
  let rate: Decimal;
  try {
    rate = rates.rateAt(from, atMs).div(rates.rateAt(to, atMs));
  } catch (err) {
    throw new CurrencyConversionError(
      `cannot convert ${from} into ${to} for ${utcDay(atMs)}: ${(err as Error).message} (add it under catalog.exchangeRates)`,
      from,
      to,
      atMs,
    );
  }
  return { nano: toNano(fromNano(nano).times(rate)), rate };
}

/** The first rule whose `match` holds for `tags` (all listed tags equal), or undefined. */
export function matchAccount(
  tags: Readonly<Record<string, string>>,
  accounts: readonly ReconcileAccountConfig[],
): ReconcileAccountConfig | undefined {
  return accounts.find((a) => Object.entries(a.match).every(([k, v]) => (tags[k] ?? '') === v));
}

/** Whether a team value can be compared across the two sides. */
function comparableTeam(team: string | undefined): team is string {
  return team !== undefined && team !== '' && team !== UNKNOWN;
}

interface Group {
  dayMs: number;
  provider: string;
  account: string;
  billed: BilledDaySum[];
  modelled: ModelledDaySum[];
}

const SEP = '\u0000';

function bump<K>(map: Map<K, bigint>, key: K, nano: bigint): void {
  map.set(key, (map.get(key) ?? 0n) + nano);
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares per-day billed and modelled sums and returns the rows, sorted, with the verdict. See the module
 * notes for what is compared with what.
 *
 * @throws CurrencyConversionError when amounts of a row are in currencies the catalog cannot convert.
 * @throws RangeError when the threshold is not a non-negative number.
 */
export function computeDrift(
  billed: readonly BilledDaySum[],
  modelled: readonly ModelledDaySum[],
  options: DriftOptions,
): DriftReport {
  let threshold: Decimal;
  try {
    threshold = new D(options.threshold);
  } catch {
    threshold = new D(NaN);
  }
  if (!threshold.isFinite() || threshold.isNegative()) {
    throw new RangeError(`drift threshold must be a non-negative number, got ${String(options.threshold)}`);
  }
  const charges = [...new Set((options.charges ?? ['usage']).map((c) => c.toLowerCase()))];
  const accounts = options.accounts ?? [];
  const mapped = accounts.length > 0;

  const excluded = new Map<string, bigint>();
  const compared: BilledDaySum[] = [];
  for (const b of billed) {
    if (charges.includes(b.charge.toLowerCase())) compared.push(b);
    else bump(excluded, `${b.charge}${SEP}${b.currency}`, b.billedNano);
  }

  const groups = new Map<string, Group>();
  const group = (dayMs: number, provider: string, account: string): Group => {
    const key = `${dayMs}${SEP}${provider}${SEP}${account}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { dayMs, provider, account, billed: [], modelled: [] };
      groups.set(key, g);
    }
    return g;
  };
  const unmatched = new Map<string, bigint>();
  const unmapped = new Map<string, bigint>();

  if (mapped) {
    const named = new Set(accounts.map((a) => `${a.provider}${SEP}${a.account}`));
    for (const b of compared) {
      if (named.has(`${b.provider}${SEP}${b.account}`)) group(b.dayMs, b.provider, b.account).billed.push(b);
      else bump(unmapped, `${b.dayMs}${SEP}${b.provider}${SEP}${b.account}${SEP}${b.currency}`, b.billedNano);
    }
    for (const m of modelled) {
      const rule = matchAccount(m.tags, accounts);
      if (rule !== undefined) group(m.dayMs, rule.provider, rule.account).modelled.push(m);
      else bump(unmatched, `${m.dayMs}${SEP}${m.currency}`, m.amountNano);
    }
  } else {
    // Per day: the single account that billed, or `*` when several did (or none did).
    const accountsOfDay = new Map<number, Set<string>>();
    for (const b of compared) {
      const set = accountsOfDay.get(b.dayMs) ?? new Set<string>();
      set.add(`${b.provider}${SEP}${b.account}`);
      accountsOfDay.set(b.dayMs, set);
    }
    const labelOf = (dayMs: number): [string, string] => {
      const set = accountsOfDay.get(dayMs);
      if (set !== undefined && set.size === 1) return [...set][0]!.split(SEP) as [string, string];
      return [ALL_ACCOUNTS, ALL_ACCOUNTS];
    };
    for (const b of compared) group(b.dayMs, ...labelOf(b.dayMs)).billed.push(b);
    for (const m of modelled) group(m.dayMs, ...labelOf(m.dayMs)).modelled.push(m);
  }

  const rows: DriftRow[] = [];
  for (const g of groups.values()) {
    const currency = rowCurrency(g, options.rates.baseCurrency);
    rows.push(compare(g, '', g.billed, g.modelled, currency, threshold, options.rates));
    const billedTeams = new Set(g.billed.map((b) => b.team).filter(comparableTeam));
    const modelledTeams = new Set(g.modelled.map((m) => m.tags.team).filter(comparableTeam));
    for (const team of [...billedTeams].filter((t) => modelledTeams.has(t)).sort(byString)) {
      rows.push(
        compare(
          g,
          team,
          g.billed.filter((b) => b.team === team),
          g.modelled.filter((m) => m.tags.team === team),
          currency,
          threshold,
          options.rates,
        ),
      );
    }
  }
  rows.sort(
    (a, b) =>
      a.dayMs - b.dayMs ||
      byString(a.provider, b.provider) ||
      byString(a.account, b.account) ||
      byString(a.team, b.team),
  );

  let worst: DriftRow | undefined;
  for (const r of rows) {
    if (worst === undefined || moreDrift(r, worst)) worst = r;
  }
  const daysOver = [...new Set(rows.filter((r) => r.status !== 'ok').map((r) => r.dayMs))].sort(
    (a, b) => a - b,
  );
  return {
    threshold,
    charges,
    rows,
    exceeded: daysOver.length > 0,
    worst,
    daysOver,
    hasProviderData: compared.length > 0,
    excludedBilled: [...excluded]
      .map(([k, billedNano]) => {
        const [charge, currency] = k.split(SEP) as [string, string];
        return { charge, currency, billedNano };
      })
      .sort((a, b) => byString(a.charge, b.charge) || byString(a.currency, b.currency)),
    unmatchedModelled: [...unmatched]
      .map(([k, amountNano]) => {
        const [day, currency] = k.split(SEP) as [string, string];
        return { dayMs: Number(day), currency, amountNano };
      })
      .sort((a, b) => a.dayMs - b.dayMs || byString(a.currency, b.currency)),
    unmappedBilled: [...unmapped]
      .map(([k, billedNano]) => {
        const [day, provider, account, currency] = k.split(SEP) as [string, string, string, string];
        return { dayMs: Number(day), provider, account, currency, billedNano };
      })
      .sort(
        (a, b) =>
          a.dayMs - b.dayMs ||
          byString(a.provider, b.provider) ||
          byString(a.account, b.account) ||
          byString(a.currency, b.currency),
      ),
  };
}

/** True when `a` drifts more than `b`: no-bill rows first, then the larger ratio. */
function moreDrift(a: DriftRow, b: DriftRow): boolean {
  if (a.ratio === null) return b.ratio !== null;
  if (b.ratio === null) return false;
  return a.ratio.greaterThan(b.ratio);
}

/** The billed currency when the bills use one; else the telemetry's when it uses one and nothing was billed; else the base. */
function rowCurrency(g: Group, baseCurrency: string): string {
  const billed = new Set(g.billed.map((b) => b.currency));
  if (billed.size === 1) return [...billed][0]!;
  if (billed.size > 1) return baseCurrency;
  const modelled = new Set(g.modelled.map((m) => m.currency));
  return modelled.size === 1 ? [...modelled][0]! : baseCurrency;
}

function compare(
  g: Group,
  team: string,
  billed: readonly BilledDaySum[],
  modelled: readonly ModelledDaySum[],
  currency: string,
  threshold: Decimal,
  rates: ExchangeRates,
): DriftRow {
  const conversions: CurrencyConversion[] = [];
  const where = `${utcDay(g.dayMs)} ${g.provider}/${g.account}${team ? ` team ${team}` : ''}`;
  // Sum per currency first and convert each sum once: one rounding per currency, independent of grouping.
  const total = (side: 'billed' | 'modelled', sums: Map<string, bigint>): bigint => {
    let out = 0n;
    for (const [from, nano] of [...sums].sort((a, b) => byString(a[0], b[0]))) {
      if (from === currency) {
        out += nano;
        continue;
      }
      let converted: { nano: bigint; rate: Decimal };
      try {
        converted = convertNano(nano, from, currency, g.dayMs, rates);
      } catch (err) {
        if (err instanceof CurrencyConversionError) {
          throw new CurrencyConversionError(
            `reconcile ${where}: ${side} amounts are in ${from}, the row compares in ${currency}: ${err.message}`,
            from,
            currency,
            g.dayMs,
          );
        }
        throw err;
      }
      conversions.push({
        side,
        from,
        to: currency,
        rate: converted.rate,
        amountNano: nano,
        convertedNano: converted.nano,
      });
      out += converted.nano;
    }
    return out;
  };
  const billedByCurrency = new Map<string, bigint>();
  for (const b of billed) bump(billedByCurrency, b.currency, b.billedNano);
  const modelledByCurrency = new Map<string, bigint>();
  for (const m of modelled) bump(modelledByCurrency, m.currency, m.amountNano);
  const billedNano = total('billed', billedByCurrency);
  const modelledNano = total('modelled', modelledByCurrency);
  const ratio = driftRatio(billedNano, modelledNano);
  const status: DriftStatus = ratio === null ? 'no bill' : ratio.lessThanOrEqualTo(threshold) ? 'ok' : 'over';
  return {
    dayMs: g.dayMs,
    provider: g.provider,
    account: g.account,
    team,
    currency,
    billedNano,
    modelledNano,
    ratio,
    status,
    conversions,
  };
}

/** Start of the UTC day containing `timeMs`. */
export function utcDayStart(timeMs: number): number {
  return Math.floor(timeMs / DAY_MS) * DAY_MS;
}
