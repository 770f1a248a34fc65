/**
 * `provider_cost` cells as line protocol, with money rounded to integer nano-units so that the sum of the
 * points equals the file's own sum exactly.
 *
 * Rounding each point on its own would not give that: 28-decimal amounts rounded per point drift by up
 * to half a nano-unit each. Instead, per (currency, cost column), points are rounded cumulatively in their
 * deterministic order: a point gets `round(S_k) − round(S_{k−1})`, where `S_k` is the exact sum of the
 * first k points. Every point stays within one nano-unit of its exact amount, the total over the import
 * is `round(file sum)` (half-even), and the same input always gives the same points (idempotent writes).
 *
 * @packageDocumentation
 */
import { NANO_DECIMALS } from '@meterline/cost-model';
import {
  encodeFloatField,
  encodeLine,
  encodeStringField,
  escapeMeasurement,
  escapeTagValue,
  int,
  sanitizeTagValue,
} from '../influx/line-protocol';
import type { DecimalSum } from './decimal-sum';
import {
  PROVIDER_COST_MEASUREMENT,
  PROVIDER_COST_TAG_KEYS,
  type ProviderCostCell,
} from './provider-cost-table';

const NANO = NANO_DECIMALS;

/** Exact cumulative rounding of one column in one currency. */
class CarryRounder {
  /** Exact running sum as `sum × 10^-scale`, scale ≥ 9. */
  private sum = 0n;
  private scale = NANO;
  private rounded = 0n;

  /** The nano-units of the next amount: the change in the rounded running sum. */
  next(amount: DecimalSum): bigint {
    const { mantissa, scale } = amount.toScaled();
    if (scale > this.scale) {
      this.sum *= 10n ** BigInt(scale - this.scale);
      this.scale = scale;
    }
    this.sum += scale < this.scale ? mantissa * 10n ** BigInt(this.scale - scale) : mantissa;
    const r = roundHalfEven(this.sum, this.scale - NANO);
    const nano = r - this.rounded;
    this.rounded = r;
    return nano;
  }
}

/** `value / 10^digits`, rounded half to even. */
export function roundHalfEven(value: bigint, digits: number): bigint {
  if (digits === 0) return value;
  const d = 10n ** BigInt(digits);
  let q = value / d; // truncates toward zero
  const r = value - q * d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice > d || (twice === d && q % 2n !== 0n)) q += value < 0n ? -1n : 1n;
  return q;
}

/** A `provider_cost` point as written, for summaries and tests. */
export interface ProviderCostPoint {
  cell: ProviderCostCell;
  billedNano: bigint;
  effectiveNano: bigint;
  listNano: bigint;
}

/**
 * Rounds `cells` (already in their deterministic order) to nano-units, per currency and column, with
 * carried rounding (see the module comment). Lazy: one point per cell as the cells are reached.
 */
export function* roundCells(cells: Iterable<ProviderCostCell>): Generator<ProviderCostPoint> {
  const rounders = new Map<string, [CarryRounder, CarryRounder, CarryRounder]>();
  for (const cell of cells) {
    let r = rounders.get(cell.tags.currency);
    if (r === undefined) {
      r = [new CarryRounder(), new CarryRounder(), new CarryRounder()];
      rounders.set(cell.tags.currency, r);
    }
    yield {
      cell,
      billedNano: r[0].next(cell.billed),
      effectiveNano: r[1].next(cell.effective),
      listNano: r[2].next(cell.list),
    };
  }
}

/**
 * Encodes the points of one delivery. The measurement and tags of a series are escaped once and reused
 * for each of its hours (a month of hourly points shares one series prefix 720 times).
 */
export class ProviderCostEncoder {
  private readonly prefixes = new Map<string, string>();
  private readonly fileField: string;

  /** @param file the digest of the delivery, the `file` field of every point. */
  constructor(file: string) {
    this.fileField = encodeStringField(file);
  }

  /** The line of one point (precision ms). */
  encode(p: ProviderCostPoint): string {
    const cell = p.cell;
    let prefix = this.prefixes.get(cell.key);
    if (prefix === undefined) {
      prefix = escapeMeasurement(PROVIDER_COST_MEASUREMENT);
      const t = cell.tags;
      // Sorted by key, as InfluxDB prefers; empty values omitted (a tag cannot be empty).
      for (const k of SORTED_TAG_KEYS) {
        const v = sanitizeTagValue(t[k]);
        if (v !== '') prefix += ',' + k + '=' + escapeTagValue(v, k, PROVIDER_COST_MEASUREMENT);
      }
      this.prefixes.set(cell.key, prefix);
    }
    const { mantissa, scale } = cell.quantity.toScaled();
    const quantity = encodeFloatField(Number(`${mantissa}e-${scale}`), 'quantity');
    return (
      `${prefix} billed_nano=${p.billedNano}i,effective_nano=${p.effectiveNano}i,list_nano=${p.listNano}i,` +
      `quantity=${quantity},rows=${cell.rows}i,file=${this.fileField} ${cell.time}`
    );
  }
}

/** Tag keys in byte order (they are plain ASCII names: no escaping needed). */
const SORTED_TAG_KEYS = [...PROVIDER_COST_TAG_KEYS].sort();

/** The line of one point; `file` is the digest of the delivery it came from. */
export function encodeProviderCostPoint(p: ProviderCostPoint, file: string): string {
  return new ProviderCostEncoder(file).encode(p);
}

/**
 * The line that neutralises a point an older delivery wrote and this one no longer has: the same series
 * and time with zero money and zero rows, so sums over the period count only the newer delivery.
 */
export function encodeSupersededPoint(tags: Record<string, string>, timeMs: number, file: string): string {
  return encodeLine(
    {
      measurement: PROVIDER_COST_MEASUREMENT,
      tags,
      fields: {
        billed_nano: int(0n),
        effective_nano: int(0n),
        list_nano: int(0n),
        quantity: 0,
        rows: int(0),
        file,
      },
      time: timeMs,
    },
    'ms',
  );
}
