/**
 * A small chart of the period: spend so far (solid, from the period start to now), the projection at the
 * last day's pace (dashed, from now to the period end) and the budget (a horizontal line). Drawn only when
 * the frames tell how much of the period has elapsed (see `elapsedShare`); the numbers are in the row's text.
 *
 * @packageDocumentation
 */
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { BudgetModel } from '../../budgets';
import { hasBudget } from '../../display';
import { getStyles } from './styles';

/** Size of the chart, px. */
export const PROJECTION_SIZE = { width: 112, height: 44 } as const;
const PAD = 3;

/** The chart's geometry in px (pure): points of the spend and projection lines, the budget's y. */
export interface ProjectionGeometry {
  /** Period start → now. */
  spent: { x1: number; y1: number; x2: number; y2: number };
  /** Now → period end. */
  projected: { x1: number; y1: number; x2: number; y2: number };
  /** y of the budget line; undefined without a positive budget. */
  budgetY?: number;
  /** The projection ends above the budget. */
  over: boolean;
}

/**
 * The geometry for `m` in a `width`×`height` box, or undefined when the elapsed share, spend or projection
 * is missing. The y scale runs from 0 to 110% of the largest of budget, spend and projection, so the budget
 * line is always inside; credits (negative spend) are drawn at 0.
 */
export function projectionGeometry(
  m: BudgetModel,
  width: number = PROJECTION_SIZE.width,
  height: number = PROJECTION_SIZE.height,
): ProjectionGeometry | undefined {
  if (m.elapsed === undefined || m.spent === undefined || m.projected === undefined) return undefined;
  const budget = hasBudget(m) ? m.budget!.value : undefined;
  const spent = Math.max(0, m.spent.value);
  const projected = Math.max(0, m.projected.value);
  const top = Math.max(budget ?? 0, spent, projected) * 1.1;
  const y = (v: number): number => (top > 0 ? height - PAD - (v / top) * (height - 2 * PAD) : height - PAD);
  const x = (share: number): number => PAD + share * (width - 2 * PAD);
  const now = x(m.elapsed);
  return {
    spent: { x1: x(0), y1: y(0), x2: now, y2: y(spent) },
    projected: { x1: now, y1: y(spent), x2: x(1), y2: y(projected) },
    budgetY: budget === undefined ? undefined : y(budget),
    over: budget !== undefined && projected > budget,
  };
}

export interface ProjectionLineProps {
  budget: BudgetModel;
}

/** The chart (see the module notes); nothing when the frames cannot place it. */
export function ProjectionLine({ budget: m }: ProjectionLineProps) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const g = projectionGeometry(m);
  if (g === undefined) return null;
  const { width, height } = PROJECTION_SIZE;
  const projectedColor = g.over ? theme.colors.error.main : theme.colors.text.secondary;
  return (
    <svg
      className={styles.svg}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      aria-hidden="true"
      data-testid="projection-line"
      data-over={g.over}
    >
      <title>Spent so far (solid), projected to the period end (dashed), budget (thin line)</title>
      {g.budgetY !== undefined && (
        <line
          x1={0}
          x2={width}
          y1={g.budgetY}
          y2={g.budgetY}
          stroke={theme.colors.text.secondary}
          strokeWidth={1}
          strokeDasharray="2 2"
          data-testid="projection-budget"
        />
      )}
      <line {...g.spent} stroke={theme.colors.primary.main} strokeWidth={2} strokeLinecap="round" />
      <line {...g.projected} stroke={projectedColor} strokeWidth={2} strokeDasharray="4 3" />
      <circle cx={g.spent.x2} cy={g.spent.y2} r={2.5} fill={theme.colors.primary.main} />
    </svg>
  );
}
