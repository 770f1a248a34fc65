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
import { encodeLine, int } from '../influx/line-protocol';
import { sanitizeTagValue } from '../influx/line-protocol';
import type { DecimalSum } from './decimal-sum';
import { PROVIDER_COST_MEASUREMENT, type ProviderCostCell } from './provider-cost-table';

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
 * carried rounding (see the module comment).
 */
export function roundCells(cells: readonly ProviderCostCell[]): ProviderCostPoint[] {
  const rounders = new Map<string, [CarryRounder, CarryRounder, CarryRounder]>();
  return cells.map((cell) => {
    let r = rounders.get(cell.tags.currency);
    if (r === undefined) {
      r = [new CarryRounder(), new CarryRounder(), new CarryRounder()];
      rounders.set(cell.tags.currency, r);
    }
    return {
      cell,
      billedNano: r[0].next(cell.billed),
      effectiveNano: r[1].next(cell.effective),
      listNano: r[2].next(cell.list),
    };
  });
}

/** The line of one point; `file` is the digest of the delivery it came from. */
export function encodeProviderCostPoint(p: ProviderCostPoint, file: string): string {
  const t = p.cell.tags;
  const tags: Record<string, string> = {};
  for (const k of Object.keys(t) as (keyof typeof t)[]) tags[k] = sanitizeTagValue(t[k]);
  return encodeLine(
    {
      measurement: PROVIDER_COST_MEASUREMENT,
      tags,
      fields: {
        billed_nano: int(p.billedNano),
        effective_nano: int(p.effectiveNano),
        list_nano: int(p.listNano),
        quantity: Number(p.cell.quantity.toDecimal().toString()),
        rows: int(p.cell.rows),
        file,
      },
      time: p.cell.time,
    },
    'ms',
  );
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
