import { DECIMAL_PATTERN } from '../money/parse';
import { COST_TAG_KEYS } from '../rollup/keys';
import { METRIC_QUANTITY_TYPES, SPAN_QUANTITY_TYPES } from '../skus/rules';
import { type ConfigIssue, ConfigError, closest } from './errors';
import type {
  AssignedValue,
  AttributeMatcher,
  AttributeSource,
  AttributionConfig,
  AttributionRuleConfig,
  BudgetConfig,
  CatalogConfig,
  CatalogSkuConfig,
  DiscountConfig,
  ExchangeRateConfig,
  FallbackConfig,
  ForwardConfig,
  ServeConfig,
  SignalsAnomalyConfig,
  SignalsConfig,
  InfluxConfig,
  MeterlineConfig,
  PriceVersionConfig,
  QuantityConfig,
  ReconcileAccountConfig,
  ReconcileConfig,
  SkuMatchConfig,
  SkuRuleConfig,
  TierConfig,
} from './types';

export { type ConfigIssue, ConfigError } from './errors';

/** Defaults applied by {@link validateConfig}, stated once. */
export const CONFIG_DEFAULTS = {
  baseCurrency: 'USD',
  budgetTimezone: 'UTC',
  influxBatchSize: 5000,
  influxTimeoutMs: 10_000,
  forwardTimeoutMs: 10_000,
  serve: {
    listen: '127.0.0.1:4318',
    maxBodyBytes: 64 * 1024 * 1024,
    walDir: '.meterline/wal',
    walHighWaterBytes: 1024 * 1024 * 1024,
    latenessMs: 300_000,
    dedupeWindowMs: 600_000,
    flushIntervalMs: 5_000,
    checkpointIntervalMs: 30_000,
    exemplarsPerKey: 5,
  },
  matcherSource: 'any' as AttributeSource,
  /** `reconcile` section: 5% drift allowed, only usage charges compared, no account mapping. */
  reconcile: {
    threshold: '0.05',
    charges: ['usage'] as readonly string[],
  },
  /**
   * `signals` section: evaluated every minute; 5-minute spend buckets scored against 14 days of history;
   * events at a score of 0.9; at most 500 series; deploys up to 2 hours before an anomaly. `enabled` has no
   * fixed default: true when the section is written, otherwise only when budgets are configured.
   */
  signals: {
    intervalMs: 60_000,
    anomaly: { bucket: '5m', lookbackDays: 14, threshold: 0.9, maxSeries: 500 },
    deployLookbackMs: 7_200_000,
  },
} as const;

const SOURCES: readonly AttributeSource[] = ['attributes', 'resource', 'baggage', 'any'];
const SPAN_KINDS = ['internal', 'server', 'client', 'producer', 'consumer'] as const;
const SPAN_STATUSES = ['unset', 'ok', 'error'] as const;
const PERIODS = ['month', 'week', 'day'] as const;
const MEMORY_UNITS = ['B', 'KB', 'MB', 'GB'] as const;
const QUANTITY_KEYS: Record<QuantityConfig['type'], readonly string[]> = {
  count: ['type', 'scale'],
  duration: ['type', 'scale'],
  duration_memory: ['type', 'memoryAttribute', 'memorySource', 'memoryUnit', 'memoryGb'],
  attribute: ['type', 'attribute', 'source', 'scale'],
  sum: ['type', 'scale'],
  gauge_integral: ['type', 'per', 'scale'],
  histogram_count: ['type', 'scale'],
  histogram_sum: ['type', 'scale'],
};
const MATCH_OPERATORS = ['equals', 'in', 'prefix', 'regex', 'exists'] as const;
const EXACT_HINT = 'write prices as quoted decimal strings to keep them exact';

type Obj = Record<string, unknown>;

/**
 * Validates a parsed `meterline.yaml` (camelCase keys as in `config/types.ts`) and applies defaults.
 * Times may be ISO-8601 strings (a date-time without an offset is UTC), `Date` objects or epoch ms; they
 * become epoch ms. Money and prices must be decimal strings (integers may be written as numbers).
 * Every issue is collected; none stops the others from being found.
 *
 * @throws {ConfigError} listing every issue as `path: message`.
 */
export function validateConfig(raw: unknown): MeterlineConfig {
  const v = new Validator();
  const config = v.config(raw);
  if (v.issues.length > 0 || config === undefined) throw new ConfigError(v.issues);
  return config;
}

const at = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
const item = (path: string, i: number): string => `${path}[${i}]`;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** How a wrong value is described in messages. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `the ${typeof value} ${String(value)}`;
}

function quoteList(values: readonly string[]): string {
  return values.map((s) => `'${s}'`).join(', ');
}

class Validator {
  readonly issues: ConfigIssue[] = [];
  /** Every SKU id the catalog declares, even on entries with other issues, so references don't cascade. */
  private declaredSkus: string[] = [];

  issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  // ------------------------------------------------------------------ primitives

  /** A mapping with only `known` keys; unknown keys are issues with a suggestion. */
  object(value: unknown, path: string, known: readonly string[]): Obj | undefined {
    if (!isObj(value)) {
      this.issue(path, `expected a mapping, got ${describe(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const guess = closest(key, known);
      this.issue(
        at(path, key),
        `unknown key '${key}'` +
          (guess ? `; did you mean '${guess}'?` : `; expected one of ${quoteList(known)}`),
      );
    }
    return value;
  }

  /** A list at `o[key]`; missing → `[]` unless required. */
  list(o: Obj, key: string, path: string, required = false): unknown[] {
    const value = o[key];
    if (value === undefined || value === null) {
      if (required) this.issue(at(path, key), 'is required');
      return [];
    }
    if (!Array.isArray(value)) {
      this.issue(at(path, key), `expected a list, got ${describe(value)}`);
      return [];
    }
    return value;
  }

  string(o: Obj, key: string, path: string, required: boolean): string | undefined {
    const value = o[key];
    if (value === undefined || value === null) {
      if (required) this.issue(at(path, key), 'is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.issue(at(path, key), `expected a string, got ${describe(value)}`);
      return undefined;
    }
    if (value.trim() === '') {
      this.issue(at(path, key), 'must not be empty');
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(
    o: Obj,
    key: string,
    path: string,
    allowed: readonly T[],
    required: boolean,
  ): T | undefined {
    const value = o[key];
    if (value === undefined || value === null) {
      if (required) this.issue(at(path, key), `is required (one of ${quoteList(allowed)})`);
      return undefined;
    }
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      const guess = typeof value === 'string' ? closest(value, allowed) : undefined;
      this.issue(
        at(path, key),
        `invalid value ${describe(value)}; expected one of ${quoteList(allowed)}` +
          (guess ? ` (did you mean '${guess}'?)` : ''),
      );
      return undefined;
    }
    return value as T;
  }

  /**
   * An exact non-negative decimal. Strings must be decimal literals; numbers are accepted only when they are
   * integers (a YAML float has already lost exactness).
   */
  decimal(
    o: Obj,
    key: string,
    path: string,
    opts: { required: boolean; positive?: boolean; max?: number; what?: string },
  ): string | undefined {
    const p = at(path, key);
    const value = o[key];
    if (value === undefined || value === null) {
      if (opts.required) this.issue(p, 'is required');
      return undefined;
    }
    let text: string;
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) {
        this.issue(p, `got the number ${String(value)}: ${EXACT_HINT} (e.g. "${decimalHint(value)}")`);
        return undefined;
      }
      text = String(value);
    } else if (typeof value === 'string') {
      text = value.trim();
      if (!DECIMAL_PATTERN.test(text)) {
        this.issue(p, `invalid decimal ${JSON.stringify(value)}`);
        return undefined;
      }
    } else {
      this.issue(p, `expected a decimal string, got ${describe(value)}`);
      return undefined;
    }
    const n = Number(text);
    if (text.startsWith('-') && n !== 0) {
      this.issue(p, `must not be negative, got ${text}`);
      return undefined;
    }
    if (opts.positive && n === 0) {
      this.issue(p, `must be greater than 0, got ${text}`);
      return undefined;
    }
    if (opts.max !== undefined && n > opts.max) {
      this.issue(p, `must be at most ${opts.max}, got ${text}`);
      return undefined;
    }
    return text;
  }

  /** A non-negative factor (not money): a number or a numeric string; returned as a string. */
  factor(o: Obj, key: string, path: string, positive = false): string | undefined {
    const value = o[key];
    if (value === undefined || value === null) return undefined;
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && DECIMAL_PATTERN.test(value.trim())
          ? Number(value)
          : NaN;
    if (!Number.isFinite(n) || n < 0 || (positive && n === 0)) {
      this.issue(
        at(path, key),
        `expected a ${positive ? 'positive' : 'non-negative'} number, got ${describe(value)}`,
      );
      return undefined;
    }
    return typeof value === 'string' ? value.trim() : String(value);
  }

  integer(o: Obj, key: string, path: string, def: number | undefined, min = 1): number | undefined {
    const value = o[key];
    if (value === undefined || value === null) return def;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      this.issue(at(path, key), `expected an integer ≥ ${min}, got ${describe(value)}`);
      return def;
    }
    return value;
  }

  /** An instant: ISO-8601 string (UTC when no offset), Date, or epoch ms → epoch ms. */
  time(o: Obj, key: string, path: string, required: boolean): number | undefined {
    const p = at(path, key);
    const value = o[key];
    if (value === undefined || value === null) {
      if (required) this.issue(p, 'is required (an ISO-8601 date or date-time)');
      return undefined;
    }
    if (value instanceof Date) {
      const t = value.getTime();
      if (Number.isNaN(t)) this.issue(p, 'invalid date');
      return Number.isNaN(t) ? undefined : t;
    }
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) {
        this.issue(
          p,
          `expected epoch milliseconds (an integer) or an ISO-8601 string, got ${describe(value)}`,
        );
        return undefined;
      }
      return value;
    }
    if (typeof value === 'string') {
      const t = parseIsoTime(value.trim());
      if (t === undefined) {
        this.issue(
          p,
          `invalid date ${JSON.stringify(value)}: expected ISO-8601 like "2024-01-01" or "2024-01-01T00:00:00Z"`,
        );
      }
      return t;
    }
    this.issue(p, `expected an ISO-8601 date, got ${describe(value)}`);
    return undefined;
  }

  currency(o: Obj, key: string, path: string, required: boolean): string | undefined {
    const p = at(path, key);
    const value = o[key];
    if (value === undefined || value === null) {
      if (required) this.issue(p, 'is required (an ISO 4217 code such as "USD")');
      return undefined;
    }
    if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value)) {
      const hint =
        typeof value === 'string' && /^[a-z]{3}$/.test(value)
          ? ` (did you mean "${value.toUpperCase()}"?)`
          : '';
      this.issue(
        p,
        `unknown currency ${typeof value === 'string' ? JSON.stringify(value) : describe(value)}: expected an ISO 4217 code of 3 uppercase letters${hint}`,
      );
      return undefined;
    }
    return value;
  }

  url(o: Obj, key: string, path: string): string | undefined {
    const value = this.string(o, key, path, true);
    if (value === undefined) return undefined;
    if (!isHttpUrl(value)) {
      this.issue(
        at(path, key),
        `invalid URL ${JSON.stringify(value)}: expected http(s)://host[:port][/path]`,
      );
      return undefined;
    }
    return value;
  }

  stringList(o: Obj, key: string, path: string): string[] | undefined {
    if (o[key] === undefined || o[key] === null) return undefined;
    const out: string[] = [];
    this.list(o, key, path).forEach((v, i) => {
      if (typeof v === 'string' && v !== '') out.push(v);
      else this.issue(item(at(path, key), i), `expected a non-empty string, got ${describe(v)}`);
    });
    return out;
  }

  enumList<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[]): T[] | undefined {
    if (o[key] === undefined || o[key] === null) return undefined;
    const out: T[] = [];
    this.list(o, key, path).forEach((v, i) => {
      if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) out.push(v as T);
      else
        this.issue(
          item(at(path, key), i),
          `invalid value ${describe(v)}; expected one of ${quoteList(allowed)}`,
        );
    });
    return out;
  }

  /** Reports duplicates of `ids` (path of each id given). */
  unique(entries: { id: string | undefined; path: string }[], what: string): void {
    const first = new Map<string, string>();
    for (const { id, path } of entries) {
      if (id === undefined) continue;
      const seen = first.get(id);
      if (seen !== undefined) this.issue(path, `duplicate ${what} ${JSON.stringify(id)} (first at ${seen})`);
      else first.set(id, path);
    }
  }

  // ------------------------------------------------------------------ document

  config(raw: unknown): MeterlineConfig | undefined {
    const known = [
      'catalog',
      'skus',
      'attribution',
      'budgets',
      'influx',
      'forward',
      'serve',
      'reconcile',
      'signals',
    ];
    if (raw === undefined || raw === null) raw = {};
    const o = this.object(raw, '', known);
    if (o === undefined) return undefined;
    const catalog = this.catalog(o.catalog);
    const skus = this.skuRules(o);
    const attribution = this.attribution(o.attribution);
    const budgets = this.list(o, 'budgets', '').map((b, i) => this.budget(b, item('budgets', i)));
    this.unique(
      budgets.map((b, i) => ({ id: b?.name, path: `budgets[${i}].name` })),
      'budget name',
    );
    const influx = o.influx === undefined || o.influx === null ? undefined : this.influx(o.influx);
    const forward = this.list(o, 'forward', '').map((f, i) => this.forward(f, item('forward', i)));
    const serve = this.serve(o.serve);
    const reconcile =
      o.reconcile === undefined || o.reconcile === null ? undefined : this.reconcile(o.reconcile);
    const signals = o.signals === undefined || o.signals === null ? undefined : this.signals(o.signals);
    return {
      catalog,
      skus,
      attribution,
      budgets: budgets.filter((b): b is BudgetConfig => b !== undefined),
      ...(influx ? { influx } : {}),
      forward: forward.filter((f): f is ForwardConfig => f !== undefined),
      serve,
      ...(reconcile ? { reconcile } : {}),
      ...(signals ? { signals } : {}),
    };
  }

  // ------------------------------------------------------------------ signals

  signals(raw: unknown): SignalsConfig | undefined {
    const path = 'signals';
    const d = CONFIG_DEFAULTS.signals;
    const o = this.object(raw, path, ['enabled', 'intervalMs', 'anomaly', 'deployLookbackMs']);
    if (o === undefined) return undefined;
    let enabled = true;
    if (o.enabled !== undefined && o.enabled !== null) {
      if (typeof o.enabled === 'boolean') enabled = o.enabled;
      else this.issue(at(path, 'enabled'), `expected true or false, got ${describe(o.enabled)}`);
    }
    const intervalMs = this.integer(o, 'intervalMs', path, d.intervalMs, 1000)!;
    const deployLookbackMs = this.integer(o, 'deployLookbackMs', path, d.deployLookbackMs, 0)!;
    const anomaly: SignalsAnomalyConfig = { ...d.anomaly };
    const ap = at(path, 'anomaly');
    const ao =
      o.anomaly === undefined || o.anomaly === null
        ? undefined
        : this.object(o.anomaly, ap, ['bucket', 'lookbackDays', 'threshold', 'maxSeries']);
    if (ao !== undefined) {
      const bucket = this.string(ao, 'bucket', ap, false);
      if (bucket !== undefined) {
        const ms = bucketDurationMs(bucket);
        if (ms === undefined) {
          this.issue(
            at(ap, 'bucket'),
            `invalid bucket ${JSON.stringify(bucket)}: expected minutes or hours that divide a day, from 1m to 24h (e.g. '5m', '15m', '1h')`,
          );
        } else anomaly.bucket = bucket;
      }
      anomaly.lookbackDays = this.integer(ao, 'lookbackDays', ap, d.anomaly.lookbackDays)!;
      anomaly.maxSeries = this.integer(ao, 'maxSeries', ap, d.anomaly.maxSeries)!;
      const threshold = ao.threshold;
      if (threshold !== undefined && threshold !== null) {
        const n =
          typeof threshold === 'string' && DECIMAL_PATTERN.test(threshold.trim())
            ? Number(threshold)
            : threshold;
        if (typeof n !== 'number' || !(n > 0 && n < 1))
          this.issue(
            at(ap, 'threshold'),
            `expected a score between 0 and 1 (exclusive) such as 0.9, got ${describe(threshold)}`,
          );
        else anomaly.threshold = n;
      }
    }
    return { enabled, intervalMs, anomaly, deployLookbackMs };
  }

  // ------------------------------------------------------------------ reconcile

  reconcile(raw: unknown): ReconcileConfig | undefined {
    const path = 'reconcile';
    const d = CONFIG_DEFAULTS.reconcile;
    const o = this.object(raw, path, ['threshold', 'charges', 'accounts']);
    if (o === undefined) return undefined;
    // A ratio, not money: a YAML float such as 0.05 is read back as the text the author wrote.
    const threshold = this.factor(o, 'threshold', path) ?? d.threshold;
    let charges = [...d.charges];
    const listed = this.stringList(o, 'charges', path);
    if (listed !== undefined) {
      if (listed.length === 0 && Array.isArray(o.charges))
        this.issue(at(path, 'charges'), "needs at least one charge category (e.g. 'usage')");
      else charges = [...new Set(listed.map((c) => c.toLowerCase()))];
    }
    const accounts: ReconcileAccountConfig[] = [];
    this.list(o, 'accounts', path).forEach((a, i) => {
      const account = this.reconcileAccount(a, item(at(path, 'accounts'), i));
      if (account !== undefined) accounts.push(account);
    });
    return { threshold, charges, accounts };
  }

  reconcileAccount(raw: unknown, path: string): ReconcileAccountConfig | undefined {
    const o = this.object(raw, path, ['provider', 'account', 'match']);
    if (o === undefined) return undefined;
    const provider = this.string(o, 'provider', path, true);
    let account: string | undefined;
    if (typeof o.account === 'number') {
      // YAML reads 012345678901 as a number and drops the leading zero: the account would never match.
      this.issue(
        at(path, 'account'),
        `got the number ${String(o.account)}: write account ids as quoted strings (a YAML number loses leading zeros)`,
      );
    } else {
      account = this.string(o, 'account', path, true);
    }
    const match: Record<string, string> = {};
    if (o.match !== undefined && o.match !== null) {
      const mo = this.object(o.match, at(path, 'match'), COST_TAG_KEYS);
      if (mo !== undefined) {
        for (const [key, value] of Object.entries(mo)) {
          if (!(COST_TAG_KEYS as readonly string[]).includes(key)) continue; // reported by object()
          if (typeof value === 'string' && value !== '') match[key] = value;
          else if (typeof value === 'number' || typeof value === 'boolean') match[key] = String(value);
          else
            this.issue(
              at(at(path, 'match'), key),
              `expected the ${key} tag value as a string, got ${describe(value)}`,
            );
        }
      }
    }
    if (provider === undefined || account === undefined) return undefined;
    return { provider, account, match };
  }

  serve(raw: unknown): ServeConfig {
    const d = CONFIG_DEFAULTS.serve;
    const path = 'serve';
    if (raw === undefined || raw === null) return { ...d };
    const keys = [...Object.keys(d), 'bearerToken'];
    const o = this.object(raw, path, keys);
    if (o === undefined) return { ...d };
    const listen = this.string(o, 'listen', path, false) ?? d.listen;
    if (
      !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(listen) ||
      Number(listen.slice(listen.lastIndexOf(':') + 1)) > 65535
    ) {
      this.issue(
        at(path, 'listen'),
        `expected host:port (e.g. 127.0.0.1:4318 or 0.0.0.0:4318), got "${listen}"`,
      );
    }
    const bearerToken = this.string(o, 'bearerToken', path, false);
    const out: ServeConfig = {
      listen,
      maxBodyBytes: this.integer(o, 'maxBodyBytes', path, d.maxBodyBytes)!,
      walDir: this.string(o, 'walDir', path, false) ?? d.walDir,
      walHighWaterBytes: this.integer(o, 'walHighWaterBytes', path, d.walHighWaterBytes)!,
      latenessMs: this.integer(o, 'latenessMs', path, d.latenessMs, 0)!,
      dedupeWindowMs: this.integer(o, 'dedupeWindowMs', path, d.dedupeWindowMs, 0)!,
      flushIntervalMs: this.integer(o, 'flushIntervalMs', path, d.flushIntervalMs)!,
      checkpointIntervalMs: this.integer(o, 'checkpointIntervalMs', path, d.checkpointIntervalMs)!,
      exemplarsPerKey: this.integer(o, 'exemplarsPerKey', path, d.exemplarsPerKey, 0)!,
    };
    if (bearerToken !== undefined) {
      if (bearerToken.length < 16)
        this.issue(at(path, 'bearerToken'), 'a bearer token needs at least 16 characters');
      out.bearerToken = bearerToken;
    }
    return out;
  }

  // ------------------------------------------------------------------ catalog

  catalog(raw: unknown): CatalogConfig {
    const path = 'catalog';
    const empty: CatalogConfig = {
      baseCurrency: CONFIG_DEFAULTS.baseCurrency,
      skus: [],
      discounts: [],
      exchangeRates: [],
    };
    if (raw === undefined || raw === null) return empty;
    const o = this.object(raw, path, ['baseCurrency', 'skus', 'discounts', 'exchangeRates']);
    if (o === undefined) return empty;
    const baseCurrency = this.currency(o, 'baseCurrency', path, false) ?? CONFIG_DEFAULTS.baseCurrency;

    const exchangeRates: ExchangeRateConfig[] = [];
    const ratePaths = new Map<string, string>();
    this.list(o, 'exchangeRates', path).forEach((r, i) => {
      const p = item(at(path, 'exchangeRates'), i);
      const ro = this.object(r, p, ['currency', 'rate', 'effectiveFrom']);
      if (ro === undefined) return;
      const currency = this.currency(ro, 'currency', p, true);
      const rate = this.decimal(ro, 'rate', p, { required: true, positive: true });
      const effectiveFrom = this.time(ro, 'effectiveFrom', p, true);
      if (currency === baseCurrency) {
        this.issue(at(p, 'currency'), `${currency} is the base currency: it needs no exchange rate`);
        return;
      }
      if (currency === undefined || rate === undefined || effectiveFrom === undefined) return;
      const dupKey = `${currency}@${effectiveFrom}`;
      const seen = ratePaths.get(dupKey);
      if (seen !== undefined) {
        this.issue(
          at(p, 'effectiveFrom'),
          `a ${currency} rate from ${new Date(effectiveFrom).toISOString()} is already defined at ${seen}`,
        );
        return;
      }
      ratePaths.set(dupKey, p);
      exchangeRates.push({ currency, rate, effectiveFrom });
    });
    const rateCurrencies = new Set(exchangeRates.map((r) => r.currency));

    const skus: CatalogSkuConfig[] = [];
    const skuIds: { id: string | undefined; path: string }[] = [];
    this.list(o, 'skus', path).forEach((s, i) => {
      const p = item(at(path, 'skus'), i);
      const so = this.object(s, p, ['id', 'unit', 'description', 'prices']);
      if (so === undefined) return;
      const id = this.string(so, 'id', p, true);
      skuIds.push({ id, path: at(p, 'id') });
      const unit = this.string(so, 'unit', p, true);
      const description = this.string(so, 'description', p, false);
      const prices: PriceVersionConfig[] = [];
      const starts = new Map<number, string>();
      const rawPrices = this.list(so, 'prices', p, true);
      if (Array.isArray(so.prices) && rawPrices.length === 0)
        this.issue(at(p, 'prices'), 'needs at least one price');
      rawPrices.forEach((pr, j) => {
        const pp = item(at(p, 'prices'), j);
        const price = this.price(pr, pp, baseCurrency, rateCurrencies);
        if (price === undefined) return;
        const seen = starts.get(price.effectiveFrom);
        if (seen !== undefined) {
          this.issue(
            at(pp, 'effectiveFrom'),
            `another price of this SKU is effective from the same instant (${seen})`,
          );
          return;
        }
        starts.set(price.effectiveFrom, pp);
        prices.push(price);
      });
      if (id === undefined || unit === undefined) return;
      skus.push({ id, unit, ...(description !== undefined ? { description } : {}), prices });
    });
    this.unique(skuIds, 'SKU id');
    const ids = skuIds.flatMap((s) => (s.id === undefined ? [] : [s.id]));
    this.declaredSkus = ids;

    const discounts: DiscountConfig[] = [];
    const discountIds: { id: string | undefined; path: string }[] = [];
    this.list(o, 'discounts', path).forEach((d, i) => {
      const p = item(at(path, 'discounts'), i);
      const dO = this.object(d, p, ['id', 'percent', 'skus', 'effectiveFrom', 'effectiveTo']);
      if (dO === undefined) return;
      const id = this.string(dO, 'id', p, true);
      discountIds.push({ id, path: at(p, 'id') });
      const percent = this.decimal(dO, 'percent', p, { required: true, max: 100 });
      const skuRefs = this.stringList(dO, 'skus', p);
      skuRefs?.forEach((ref, k) => this.skuReference(ref, ids, item(at(p, 'skus'), k)));
      const effectiveFrom = this.time(dO, 'effectiveFrom', p, false);
      const effectiveTo = this.time(dO, 'effectiveTo', p, false);
      if (effectiveFrom !== undefined && effectiveTo !== undefined && effectiveTo <= effectiveFrom) {
        this.issue(at(p, 'effectiveTo'), 'must be after effectiveFrom');
      }
      if (id === undefined || percent === undefined) return;
      discounts.push({
        id,
        percent,
        ...(skuRefs !== undefined ? { skus: skuRefs } : {}),
        ...(effectiveFrom !== undefined ? { effectiveFrom } : {}),
        ...(effectiveTo !== undefined ? { effectiveTo } : {}),
      });
    });
    this.unique(discountIds, 'discount id');
    return { baseCurrency, skus, discounts, exchangeRates };
  }

  price(
    raw: unknown,
    path: string,
    baseCurrency: string,
    rateCurrencies: Set<string>,
  ): PriceVersionConfig | undefined {
    const o = this.object(raw, path, ['effectiveFrom', 'currency', 'unitPrice', 'tiers', 'version']);
    if (o === undefined) return undefined;
    const effectiveFrom = this.time(o, 'effectiveFrom', path, true);
    const currency = this.currency(o, 'currency', path, true);
    if (currency !== undefined && currency !== baseCurrency && !rateCurrencies.has(currency)) {
      this.issue(
        at(path, 'currency'),
        `no exchange rate from ${currency} to the base currency ${baseCurrency}: add one under catalog.exchangeRates`,
      );
    }
    const unitPrice = this.decimal(o, 'unitPrice', path, { required: true });
    const version = this.string(o, 'version', path, false);
    if (version !== undefined && (version.includes(',') || version === 'unknown')) {
      this.issue(
        at(path, 'version'),
        `invalid version label ${JSON.stringify(version)}: must not contain ',' or be 'unknown'`,
      );
    }
    let tiers: TierConfig[] | undefined;
    if (o.tiers !== undefined && o.tiers !== null) {
      tiers = [];
      const rawTiers = this.list(o, 'tiers', path);
      let previous: { upTo: number; path: string } | undefined;
      rawTiers.forEach((t, k) => {
        const tp = item(at(path, 'tiers'), k);
        const to = this.object(t, tp, ['upTo', 'unitPrice']);
        if (to === undefined) return;
        const last = k === rawTiers.length - 1;
        const upTo = this.decimal(to, 'upTo', tp, { required: false, positive: true });
        const tierPrice = this.decimal(to, 'unitPrice', tp, { required: true });
        if (last && to.upTo !== undefined && to.upTo !== null) {
          this.issue(at(tp, 'upTo'), 'the last tier must be open: remove its upTo');
        } else if (!last && (to.upTo === undefined || to.upTo === null)) {
          this.issue(at(tp, 'upTo'), 'is required on every tier but the last (only the last tier is open)');
        }
        if (upTo !== undefined) {
          const n = Number(upTo);
          if (previous !== undefined && !(n > previous.upTo)) {
            this.issue(
              at(tp, 'upTo'),
              `tiers must be in increasing order of upTo: ${upTo} is not above ${previous.upTo} (${previous.path})`,
            );
          }
          previous = { upTo: n, path: at(tp, 'upTo') };
        }
        if (tierPrice !== undefined)
          tiers!.push({ ...(upTo !== undefined ? { upTo } : {}), unitPrice: tierPrice });
      });
      if (rawTiers.length === 0) tiers = undefined;
    }
    if (effectiveFrom === undefined || currency === undefined || unitPrice === undefined) return undefined;
    return {
      effectiveFrom,
      currency,
      unitPrice,
      ...(tiers !== undefined ? { tiers } : {}),
      ...(version !== undefined ? { version } : {}),
    };
  }

  skuReference(ref: string, ids: readonly string[], path: string): void {
    if (ids.includes(ref)) return;
    const guess = closest(ref, ids);
    this.issue(
      path,
      `unknown SKU ${JSON.stringify(ref)} (not in catalog.skus)` +
        (guess ? `; did you mean "${guess}"?` : ''),
    );
  }

  // ------------------------------------------------------------------ SKU rules

  skuRules(o: Obj): SkuRuleConfig[] {
    const ids = this.declaredSkus;
    const out: SkuRuleConfig[] = [];
    const ruleIds: { id: string | undefined; path: string }[] = [];
    this.list(o, 'skus', '').forEach((r, i) => {
      const p = item('skus', i);
      const ro = this.object(r, p, ['id', 'sku', 'match', 'quantity']);
      if (ro === undefined) return;
      const id = this.string(ro, 'id', p, true);
      ruleIds.push({ id, path: at(p, 'id') });
      const sku = this.string(ro, 'sku', p, true);
      if (sku !== undefined) this.skuReference(sku, ids, at(p, 'sku'));
      const match =
        ro.match === undefined
          ? (this.issue(at(p, 'match'), 'is required'), undefined)
          : this.skuMatch(ro.match, at(p, 'match'));
      const quantity =
        ro.quantity === undefined
          ? (this.issue(at(p, 'quantity'), 'is required'), undefined)
          : this.quantity(ro.quantity, at(p, 'quantity'), match?.signal);
      if (id === undefined || sku === undefined || match === undefined || quantity === undefined) return;
      out.push({ id, sku, match, quantity });
    });
    this.unique(ruleIds, 'SKU rule id');
    return out;
  }

  skuMatch(raw: unknown, path: string): SkuMatchConfig | undefined {
    const o = this.object(raw, path, ['signal', 'names', 'kinds', 'statuses', 'attributes']);
    if (o === undefined) return undefined;
    const signal = this.oneOf(o, 'signal', path, ['span', 'metric'] as const, true);
    const names = this.stringList(o, 'names', path);
    const kinds = this.enumList(o, 'kinds', path, SPAN_KINDS);
    const statuses = this.enumList(o, 'statuses', path, SPAN_STATUSES);
    if (signal === 'metric') {
      if (kinds !== undefined)
        this.issue(at(path, 'kinds'), 'applies to spans only (match.signal is metric)');
      if (statuses !== undefined)
        this.issue(at(path, 'statuses'), 'applies to spans only (match.signal is metric)');
    }
    const attributes = this.matchers(o, 'attributes', path, signal === 'metric');
    if (signal === undefined) return undefined;
    return {
      signal,
      ...(names !== undefined ? { names } : {}),
      ...(kinds !== undefined ? { kinds } : {}),
      ...(statuses !== undefined ? { statuses } : {}),
      ...(attributes !== undefined ? { attributes } : {}),
    };
  }

  quantity(raw: unknown, path: string, signal: 'span' | 'metric' | undefined): QuantityConfig | undefined {
    if (!isObj(raw)) {
      this.issue(path, `expected a mapping with a type, got ${describe(raw)}`);
      return undefined;
    }
    const types = Object.keys(QUANTITY_KEYS) as QuantityConfig['type'][];
    const type = this.oneOf(raw, 'type', path, types, true);
    if (type === undefined) return undefined;
    const o = this.object(raw, path, QUANTITY_KEYS[type]);
    if (o === undefined) return undefined;
    if (signal === 'span' && !(SPAN_QUANTITY_TYPES as readonly string[]).includes(type)) {
      this.issue(
        at(path, 'type'),
        `quantity type '${type}' applies to metrics, but this rule matches spans (match.signal: span); span types: ${quoteList(SPAN_QUANTITY_TYPES)}`,
      );
    } else if (signal === 'metric' && !(METRIC_QUANTITY_TYPES as readonly string[]).includes(type)) {
      this.issue(
        at(path, 'type'),
        `quantity type '${type}' applies to spans, but this rule matches metrics (match.signal: metric); metric types: ${quoteList(METRIC_QUANTITY_TYPES)}`,
      );
    }
    const scale = this.factor(o, 'scale', path);
    const withScale = scale !== undefined ? { scale } : {};
    switch (type) {
      case 'duration_memory': {
        const memoryAttribute = this.string(o, 'memoryAttribute', path, false);
        const memorySource = this.oneOf(o, 'memorySource', path, SOURCES, false);
        const memoryUnit = this.oneOf(o, 'memoryUnit', path, MEMORY_UNITS, false);
        const memoryGb = this.factor(o, 'memoryGb', path, true);
        if (
          memoryAttribute === undefined &&
          memoryGb === undefined &&
          o.memoryAttribute === undefined &&
          o.memoryGb === undefined
        ) {
          this.issue(
            path,
            'duration_memory needs memoryAttribute (memory per span) or memoryGb (fixed memory)',
          );
        }
        return {
          type,
          ...(memoryAttribute !== undefined ? { memoryAttribute } : {}),
          ...(memorySource !== undefined ? { memorySource } : {}),
          ...(memoryUnit !== undefined ? { memoryUnit } : {}),
          ...(memoryGb !== undefined ? { memoryGb } : {}),
        };
      }
      case 'attribute': {
        const attribute = this.string(o, 'attribute', path, true);
        const source = this.oneOf(o, 'source', path, SOURCES, false);
        if (attribute === undefined) return undefined;
        return { type, attribute, ...(source !== undefined ? { source } : {}), ...withScale };
      }
      case 'gauge_integral': {
        const per = o.per;
        if (per !== undefined && (typeof per !== 'number' || !(per > 0) || !Number.isFinite(per))) {
          this.issue(at(path, 'per'), `expected a positive number of seconds, got ${describe(per)}`);
        }
        return { type, ...(typeof per === 'number' && per > 0 ? { per } : {}), ...withScale };
      }
      default:
        return { type, ...withScale };
    }
  }

  matchers(o: Obj, key: string, path: string, metric: boolean): AttributeMatcher[] | undefined {
    if (o[key] === undefined || o[key] === null) return undefined;
    const out: AttributeMatcher[] = [];
    this.list(o, key, path).forEach((m, i) => {
      const matcher = this.matcher(m, item(at(path, key), i), metric);
      if (matcher !== undefined) out.push(matcher);
    });
    return out;
  }

  matcher(raw: unknown, path: string, metric: boolean): AttributeMatcher | undefined {
    const o = this.object(raw, path, ['key', 'source', ...MATCH_OPERATORS]);
    if (o === undefined) return undefined;
    const key = this.string(o, 'key', path, true);
    const source = this.oneOf(o, 'source', path, SOURCES, false) ?? CONFIG_DEFAULTS.matcherSource;
    if (metric && source === 'baggage') this.issue(at(path, 'source'), 'metric data points carry no baggage');
    const present = MATCH_OPERATORS.filter((op) => o[op] !== undefined && o[op] !== null);
    if (present.length > 1) {
      this.issue(path, `set at most one of ${quoteList(MATCH_OPERATORS)} (got ${quoteList(present)})`);
      return undefined;
    }
    if (key === undefined) return undefined;
    const m: AttributeMatcher = { key, source };
    const op = present[0];
    const value = op === undefined ? undefined : o[op];
    const p = op === undefined ? path : at(path, op);
    const scalar = (v: unknown): v is string | number | boolean =>
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    switch (op) {
      case undefined:
        return m;
      case 'equals':
      case 'prefix':
        if (!scalar(value)) {
          this.issue(p, `expected a string, got ${describe(value)}`);
          return undefined;
        }
        m[op] = String(value);
        return m;
      case 'in':
        if (!Array.isArray(value) || value.length === 0 || !value.every(scalar)) {
          this.issue(p, `expected a non-empty list of strings, got ${describe(value)}`);
          return undefined;
        }
        m.in = value.map(String);
        return m;
      case 'regex':
        if (typeof value !== 'string') {
          this.issue(p, `expected a regular expression string, got ${describe(value)}`);
          return undefined;
        }
        try {
          new RegExp(value);
        } catch (err) {
          this.issue(p, `invalid regex ${JSON.stringify(value)}: ${(err as Error).message}`);
          return undefined;
        }
        m.regex = value;
        return m;
      case 'exists':
        if (typeof value !== 'boolean') {
          this.issue(p, `expected true or false, got ${describe(value)}`);
          return undefined;
        }
        m.exists = value;
        return m;
    }
  }

  // ------------------------------------------------------------------ attribution

  attribution(raw: unknown): AttributionConfig {
    const path = 'attribution';
    const out: AttributionConfig = { rules: [], fallbacks: [] };
    if (raw === undefined || raw === null) return out;
    const o = this.object(raw, path, ['rules', 'fallbacks']);
    if (o === undefined) return out;
    const ids: { id: string | undefined; path: string }[] = [];
    this.list(o, 'rules', path).forEach((r, i) => {
      const p = item(at(path, 'rules'), i);
      const ro = this.object(r, p, ['id', 'match', 'set']);
      if (ro === undefined) return;
      const id = this.string(ro, 'id', p, true);
      ids.push({ id, path: at(p, 'id') });
      const match = this.matchers(ro, 'match', p, false) ?? [];
      const set = this.assignments(ro.set, at(p, 'set'));
      if (id === undefined || set === undefined) return;
      out.rules.push({ id, match, set });
    });
    this.unique(ids, 'attribution rule id');
    this.list(o, 'fallbacks', path).forEach((f, i) => {
      const p = item(at(path, 'fallbacks'), i);
      const fallback = this.fallback(f, p);
      if (fallback !== undefined) out.fallbacks.push(fallback);
    });
    return out;
  }

  assignments(raw: unknown, path: string): AttributionRuleConfig['set'] | undefined {
    if (raw === undefined || raw === null) {
      this.issue(path, 'is required (set at least one of tenant, team, center)');
      return undefined;
    }
    const o = this.object(raw, path, ['tenant', 'team', 'center']);
    if (o === undefined) return undefined;
    const set: AttributionRuleConfig['set'] = {};
    for (const field of ['tenant', 'team', 'center'] as const) {
      if (o[field] === undefined || o[field] === null) continue;
      const value = this.assigned(o[field], at(path, field));
      if (value !== undefined) set[field] = value;
    }
    if (Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null).length === 0) {
      this.issue(path, 'set at least one of tenant, team, center');
    }
    return set;
  }

  assigned(raw: unknown, path: string): AssignedValue | undefined {
    if (typeof raw === 'string') {
      if (raw.trim() === '') this.issue(path, 'must not be empty');
      return raw.trim() === '' ? undefined : raw;
    }
    if (isObj(raw)) {
      const o = this.object(raw, path, ['from', 'source']);
      if (o === undefined) return undefined;
      const from = this.string(o, 'from', path, true);
      const source = this.oneOf(o, 'source', path, SOURCES, false);
      if (from === undefined) return undefined;
      return { from, ...(source !== undefined ? { source } : {}) };
    }
    this.issue(path, `expected a string or { from: <attribute key> }, got ${describe(raw)}`);
    return undefined;
  }

  fallback(raw: unknown, path: string): FallbackConfig | undefined {
    const o = this.object(raw, path, ['key', 'source', 'map']);
    if (o === undefined) return undefined;
    const key = this.string(o, 'key', path, true);
    const source = this.oneOf(o, 'source', path, SOURCES, false) ?? CONFIG_DEFAULTS.matcherSource;
    const map: FallbackConfig['map'] = {};
    if (o.map === undefined || o.map === null) {
      this.issue(at(path, 'map'), 'is required');
    } else if (!isObj(o.map)) {
      this.issue(
        at(path, 'map'),
        `expected a mapping from ${key ?? 'key'} values to { tenant, team, center }, got ${describe(o.map)}`,
      );
    } else {
      for (const [value, target] of Object.entries(o.map)) {
        const p = at(at(path, 'map'), value);
        const to = this.object(target, p, ['tenant', 'team', 'center']);
        if (to === undefined) continue;
        const entry: { tenant?: string; team?: string; center?: string } = {};
        for (const field of ['tenant', 'team', 'center'] as const) {
          const v = this.string(to, field, p, false);
          if (v !== undefined) entry[field] = v;
        }
        if (Object.keys(entry).length === 0 && Object.keys(to).length === 0)
          this.issue(p, 'set at least one of tenant, team, center');
        Object.defineProperty(map, value, {
          value: entry,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    if (key === undefined) return undefined;
    return { key, source, map };
  }

  // ------------------------------------------------------------------ budgets, influx, forward

  budget(raw: unknown, path: string): BudgetConfig | undefined {
    const o = this.object(raw, path, ['name', 'scope', 'amount', 'currency', 'period', 'timezone']);
    if (o === undefined) return undefined;
    const name = this.string(o, 'name', path, true);
    const scope: BudgetConfig['scope'] = {};
    if (o.scope !== undefined && o.scope !== null) {
      const so = this.object(o.scope, at(path, 'scope'), ['tenant', 'team', 'service', 'center']);
      if (so !== undefined) {
        for (const field of ['tenant', 'team', 'service', 'center'] as const) {
          const v = this.string(so, field, at(path, 'scope'), false);
          if (v !== undefined) scope[field] = v;
        }
      }
    }
    const amount = this.decimal(o, 'amount', path, { required: true, positive: true });
    const currency = this.currency(o, 'currency', path, true);
    const period = this.oneOf(o, 'period', path, PERIODS, true);
    let timezone = this.string(o, 'timezone', path, false) ?? CONFIG_DEFAULTS.budgetTimezone;
    if (!isTimeZone(timezone)) {
      this.issue(
        at(path, 'timezone'),
        `unknown time zone ${JSON.stringify(timezone)}: expected an IANA name such as "Europe/Paris" or "UTC"`,
      );
      timezone = CONFIG_DEFAULTS.budgetTimezone;
    }
    if (name === undefined || amount === undefined || currency === undefined || period === undefined)
      return undefined;
    return { name, scope, amount, currency, period, timezone };
  }

  influx(raw: unknown): InfluxConfig | undefined {
    const path = 'influx';
    const o = this.object(raw, path, [
      'url',
      'database',
      'retentionPolicy',
      'username',
      'password',
      'org',
      'bucket',
      'token',
      'batchSize',
      'timeoutMs',
    ]);
    if (o === undefined) return undefined;
    const url = this.url(o, 'url', path);
    const opt: Partial<InfluxConfig> = {};
    for (const key of [
      'database',
      'retentionPolicy',
      'username',
      'password',
      'org',
      'bucket',
      'token',
    ] as const) {
      const v = this.string(o, key, path, false);
      if (v !== undefined) opt[key] = v;
    }
    const v2 = (['org', 'bucket', 'token'] as const).filter((k) => o[k] !== undefined && o[k] !== null);
    if (v2.length > 0 && v2.length < 3) {
      const missing = (['org', 'bucket', 'token'] as const).filter((k) => !v2.includes(k));
      this.issue(
        at(path, missing[0]!),
        `the v2/v3 write path needs org, bucket and token together: ${quoteList(missing)} missing`,
      );
    }
    if (v2.length === 0 && (o.database === undefined || o.database === null)) {
      this.issue(at(path, 'database'), 'set database (v1 API) or org, bucket and token (v2/v3)');
    }
    if ((o.username === undefined) !== (o.password === undefined)) {
      this.issue(
        at(path, o.username === undefined ? 'username' : 'password'),
        'username and password go together',
      );
    }
    const batchSize = this.integer(o, 'batchSize', path, CONFIG_DEFAULTS.influxBatchSize)!;
    const timeoutMs = this.integer(o, 'timeoutMs', path, CONFIG_DEFAULTS.influxTimeoutMs)!;
    if (url === undefined) return undefined;
    return { url, ...opt, batchSize, timeoutMs };
  }

  forward(raw: unknown, path: string): ForwardConfig | undefined {
    const o = this.object(raw, path, ['endpoint', 'signals', 'headers', 'timeoutMs', 'caFile']);
    if (o === undefined) return undefined;
    const endpoint = this.url(o, 'endpoint', path);
    let signals: Array<'traces' | 'metrics'> = ['traces', 'metrics'];
    if (o.signals !== undefined && o.signals !== null) {
      const list = Array.isArray(o.signals) ? o.signals : [o.signals];
      const bad = list.find((x) => x !== 'traces' && x !== 'metrics');
      if (list.length === 0)
        this.issue(at(path, 'signals'), 'expected "traces", "metrics" or both, got an empty list');
      else if (bad !== undefined)
        this.issue(at(path, 'signals'), `expected "traces" or "metrics", got ${describe(bad)}`);
      else signals = [...new Set(list as Array<'traces' | 'metrics'>)];
    }
    const headers: Record<string, string> = {};
    if (o.headers !== undefined && o.headers !== null) {
      if (!isObj(o.headers)) {
        this.issue(
          at(path, 'headers'),
          `expected a mapping of header names to strings, got ${describe(o.headers)}`,
        );
      } else {
        for (const [name, value] of Object.entries(o.headers)) {
          if (typeof value === 'string') headers[name] = value;
          else this.issue(at(at(path, 'headers'), name), `expected a string, got ${describe(value)}`);
        }
      }
    }
    const timeoutMs = this.integer(o, 'timeoutMs', path, CONFIG_DEFAULTS.forwardTimeoutMs)!;
    let caFile: string | undefined;
    if (o.caFile !== undefined && o.caFile !== null) {
      if (typeof o.caFile !== 'string' || o.caFile === '')
        this.issue(at(path, 'caFile'), `expected the path of a PEM file, got ${describe(o.caFile)}`);
      else if (endpoint !== undefined && !endpoint.startsWith('https:'))
        this.issue(at(path, 'caFile'), `only applies to an https endpoint, not ${endpoint}`);
      else caFile = o.caFile;
    }
    if (endpoint === undefined) return undefined;
    return caFile === undefined
      ? { endpoint, signals, headers, timeoutMs }
      : { endpoint, signals, headers, timeoutMs, caFile };
  }
}

/**
 * Milliseconds of an anomaly bucket such as `5m` or `1h`, or `undefined` unless it is whole minutes or hours
 * from 1 minute to 24 hours that divide a day (so buckets, aligned on the Unix epoch by InfluxDB, line up
 * with UTC hours and days, which seasonality-aware scoring relies on).
 */
function bucketDurationMs(text: string): number | undefined {
  const m = /^([1-9]\d*)([mh])$/.exec(text);
  if (m === null) return undefined;
  const ms = Number(m[1]) * (m[2] === 'h' ? 3_600_000 : 60_000);
  return ms <= 86_400_000 && 86_400_000 % ms === 0 ? ms : undefined;
}

/** A quoted form of a float for the message (plain notation, as YAML would have shown it). */
function decimalHint(n: number): string {
  const text = String(n);
  if (!/e/i.test(text) || !Number.isFinite(n)) return text;
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses ISO-8601 (date, or date-time with optional seconds, fraction and offset; no offset = UTC) strictly. */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO_TIME.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  if (new Date(utc).getUTCDate() !== day) return undefined; // e.g. 2023-02-30
  let offsetMin = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  return utc - offsetMin * 60_000;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

interface UrlLike {
  protocol: string;
  hostname: string;
}

/** `URL` is a global in browsers and Node, but not in the ES2022 lib this package compiles against. */
function isHttpUrl(text: string): boolean {
  const URLCtor = (globalThis as { URL?: new (s: string) => UrlLike }).URL;
  if (URLCtor === undefined) return /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/.test(text);
  try {
    const url = new URLCtor(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
