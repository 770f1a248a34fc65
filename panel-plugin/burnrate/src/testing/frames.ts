/**
 * Test support (imported by `*.test.ts(x)` only): the frames the real data source makes for a "Burn rate &
 * budgets" query, from InfluxDB answers written by hand. The answers are shaped by
 * `meterline-cost-datasource`'s own `burnQuery.shape` (datasource-plugin `queries/burn.ts`), so the panel's
 * tests read exactly what the panel reads in Grafana.
 *
 * @packageDocumentation
 */
import type { DataFrame } from '@grafana/data';
import type { JsonValue } from '@meterline/cost-model';
import { burnQuery } from '../../../../datasource-plugin/src/queries/burn';
import type { StatementAnswer } from '../../../../datasource-plugin/src/queries/contract';
import { FROM, answer, buildCtx, series, shapeCtx } from '../../../../datasource-plugin/src/queries/testing';
import { DEFAULT_QUERY, type BurnMetric, type MeterlineQuery } from '../../../../datasource-plugin/src/types';
import type { BurnWindow } from '../types';

const NANO = 1_000_000_000;

/** One budget as `meterline signals` would have written it (amounts in currency units). */
export interface BudgetFixture {
  name: string;
  /** ISO 4217; the `cost_budget` point's `currency` tag. */
  currency?: string;
  burn?: Partial<Record<BurnWindow, number>>;
  spent?: number;
  budget?: number;
  projected?: number;
  /** `projected_ratio`'s value; computed from projected / budget when omitted. */
  ratio?: number;
  /** Seconds; `null` = not within the period (the field absent from the point). */
  exhaustionS?: number | null;
  page?: boolean;
  ticket?: boolean;
}

/** Amounts as InfluxDB returns the `*_nano` integer fields. */
const nano = (units: number | undefined): JsonValue =>
  units === undefined ? null : Math.round(units * NANO);

const PROJECTED_COLUMNS = [
  'time',
  'value',
  'exhaustion_s',
  'spent_nano',
  'projected_nano',
  'budget_nano',
  'warn',
  'escalate',
  'page',
  'ticket',
];

/** The InfluxDB answers to the statements of `query`, one evaluation per budget at `FROM`. */
function answers(query: MeterlineQuery, budgets: readonly BudgetFixture[]): StatementAnswer[] {
  const statements = burnQuery.build(query, buildCtx());
  return statements.map((s) => {
    if (s.role === 'burn') {
      return answer(
        ...budgets.flatMap((b) =>
          Object.entries(b.burn ?? {})
            // The statement selects only the query's windows.
            .filter(([window]) => (query.windows as string[]).includes(window))
            .map(([window, value]) =>
              series(
                'cost_signal',
                { budget: b.name, window },
                ['time', 'value', 'spend_nano'],
                [[FROM, value, 0]],
              ),
            ),
        ),
      );
    }
    if (s.role === 'projected') {
      return answer(
        ...budgets
          .filter((b) => b.spent !== undefined || b.budget !== undefined || b.projected !== undefined)
          .map((b) => {
            const ratio =
              b.ratio ??
              (b.projected !== undefined && b.budget !== undefined && b.budget > 0
                ? b.projected / b.budget
                : null);
            const row: JsonValue[] = [
              FROM,
              ratio,
              b.exhaustionS ?? null,
              nano(b.spent),
              nano(b.projected),
              nano(b.budget),
              false,
              false,
              b.page ?? false,
              b.ticket ?? false,
            ];
            return series('cost_signal', { budget: b.name }, PROJECTED_COLUMNS, [row]);
          }),
      );
    }
    return answer(
      ...budgets
        .filter((b) => b.currency !== undefined)
        .map((b) =>
          series(
            'cost_budget',
            { budget: b.name, currency: b.currency! },
            ['time', 'amount_nano'],
            [[FROM, nano(b.budget)]],
          ),
        ),
    );
  });
}

/**
 * The frames the data source returns for `budgets`: per-budget series for `burnMetrics` (default: all) and
 * the `budgets` table, for the windows `windows` (default: every window any budget has).
 */
export function dataSourceFrames(
  budgets: readonly BudgetFixture[],
  options: { windows?: BurnWindow[]; burnMetrics?: BurnMetric[]; defaultCurrency?: string } = {},
): DataFrame[] {
  const windows = options.windows ?? [
    ...new Set(budgets.flatMap((b) => Object.keys(b.burn ?? {}) as BurnWindow[])),
  ];
  const query: MeterlineQuery = {
    ...DEFAULT_QUERY,
    refId: 'A',
    queryType: 'burn',
    windows,
    // Without a window the data source refuses the burn metric (no statement to run for it).
    burnMetrics:
      options.burnMetrics ??
      (windows.length > 0
        ? ['burn', 'projected', 'exhaustion', 'budget', 'spent']
        : ['projected', 'exhaustion', 'budget', 'spent']),
  };
  const ctx = buildCtx({
    settings: { defaultCurrency: options.defaultCurrency ?? 'USD', tempoUid: 'tempo' },
  });
  return burnQuery.shape(query, shapeCtx(burnQuery.build(query, ctx), answers(query, budgets), ctx));
}
