/**
 * Test support for query types (imported by `*.test.ts` only): an interpolator over a plain map, build
 * and shape contexts, and InfluxDB answers built by hand.
 *
 * @packageDocumentation
 */
import type { JsonValue } from '@meterline/cost-model';
import type { DataFrame, Field } from '@grafana/data';
import { lex, type Token } from '../influxql/lexer';
import type { MeterlineOptions } from '../types';
import type { BuildContext, BuiltStatement, Interpolator, ShapeContext, StatementAnswer } from './contract';

/** `null` = "All" (no custom all value). */
export type TestVarValue = string | string[] | null;

/**
 * An {@link Interpolator} over `vars`, following the contract: `values('${name}')` → the selected values,
 * `undefined` for "All", the text unchanged for an unknown variable.
 */
export class TestVars implements Interpolator {
  constructor(private readonly vars: Record<string, TestVarValue> = {}) {}

  values(text: string): string[] | undefined {
    let out = [''];
    let at = 0;
    for (const m of text.matchAll(/\$\{(\w+)\}|\$(\w+)/g)) {
      const name = (m[1] ?? m[2])!;
      const prefix = text.slice(at, m.index);
      at = m.index + m[0].length;
      const v = this.vars[name];
      if (v === null) return undefined;
      const list = v === undefined ? [m[0]] : Array.isArray(v) ? v : [v];
      out = out.flatMap((s) => list.map((x) => s + prefix + x));
    }
    return out.map((s) => s + text.slice(at));
  }

  raw(text: string): string {
    return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a?: string, b?: string) => {
      const v = this.vars[(a ?? b)!];
      if (v === undefined) return whole;
      return v === null ? '$__all' : Array.isArray(v) ? v.join(',') : v;
    });
  }
}

/** 2026-03-01T00:00:00Z and six hours later. */
export const FROM = Date.UTC(2026, 2, 1);
export const TO = FROM + 6 * 3_600_000;

/** A build context over `vars` (1-minute Grafana interval unless told). */
export function buildCtx(
  options: { vars?: Record<string, TestVarValue>; settings?: MeterlineOptions; intervalMs?: number } = {},
): BuildContext {
  return {
    fromMs: FROM,
    toMs: TO,
    intervalMs: options.intervalMs ?? 60_000,
    vars: new TestVars(options.vars ?? {}),
    settings: options.settings ?? { defaultCurrency: 'USD', tempoUid: 'tempo-uid' },
  };
}

/** A shape context: the statements built and their hand-made answers. */
export function shapeCtx(
  statements: BuiltStatement[],
  answers: StatementAnswer[],
  ctx: BuildContext = buildCtx(),
): ShapeContext {
  return { ...ctx, refId: 'A', statements, answers };
}

/** One answer series. */
export function series(
  name: string,
  tags: Record<string, string> | undefined,
  columns: string[],
  values: JsonValue[][],
): NonNullable<StatementAnswer['series']>[number] {
  return tags === undefined ? { name, columns, values } : { name, tags, columns, values };
}

/** The answer of a statement with these series. */
export function answer(...s: NonNullable<StatementAnswer['series']>): StatementAnswer {
  return s.length === 0 ? { statement_id: 0 } : { statement_id: 0, series: s };
}

/** The field called `name` (throws when missing, so tests fail with a clear message). */
export function fieldOf(frame: DataFrame, name: string): Field {
  const f = frame.fields.find((x) => x.name === name);
  if (f === undefined) {
    throw new Error(`no field ${name} in frame ${frame.name}: ${frame.fields.map((x) => x.name).join(', ')}`);
  }
  return f;
}

/** The structure of a statement: its tokens' kinds, with code text verbatim and literals blanked. */
export function structure(text: string): string {
  return lex(text)
    .map((t: Token) => (t.kind === 'code' ? text.slice(t.start, t.end) : `<${t.kind}${t.closed ? '' : '!'}>`))
    .join('');
}

/** The literal tokens of a statement, as written. */
export function literals(text: string): string[] {
  return lex(text)
    .filter((t) => t.kind !== 'code')
    .map((t) => text.slice(t.start, t.end));
}
