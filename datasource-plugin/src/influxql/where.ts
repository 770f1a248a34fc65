/**
 * WHERE conditions: the time range, and tag conditions from {@link TagFilter}s whose values may hold
 * template variables.
 *
 * Every identifier goes through `ident`/`escapeIdentifier`, every literal through `quoteString`, every
 * regex through {@link regexLiteralFrom} (cost-model's `regexLiteral`), and every variable value through
 * `escapeRegexText` when it lands in a regex. So a variable value — quotes, newlines, `/`, `' OR 1=1`,
 * `"); DROP …` — is always data inside one literal and can never change the statement's structure.
 *
 * Variable semantics of a filter (`key operator value`):
 *
 * | value | `=` / `!=` | `=~` / `!~` |
 * |---|---|---|
 * | no variable | `"k" = 'v'` | `"k" =~ /v/` (the user's regex as typed) |
 * | one variable, one value | `"k" = 'a'` | `"k" =~ /a/` (value regex-escaped) |
 * | one variable, several values | `"k" =~ /^(?:a|b)$/` (`!~` for `!=`) | `"k" =~ /(?:a|b)/` |
 * | one variable, "All" | no condition | no condition |
 * | text and variables mixed | `=` of the single combination, else `=~ /^…$/` with "All" as `.*` | `/…/` with "All" as `.*` |
 *
 * In a regex filter the typed text is regex source and anchoring is the user's choice: `^$team$` matches
 * exactly the selected teams, `$team` any team containing one of them. Variable values are always matched
 * literally (escaped), never as regex syntax.
 *
 * @packageDocumentation
 */
import { escapeRegexText, ident, quoteString, regexLiteral } from '@meterline/cost-model';
import { QueryBuildError } from '../queries/contract';
import type { TagFilter } from '../types';
import { templateParts, type TemplatePart, type VariableContext, type VariableValue } from './template-vars';

/** `time >= 123ms AND time <= 456ms`: both ends included, epoch milliseconds. */
export function timeCondition(fromMs: number, toMs: number): string {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) {
    throw new QueryBuildError(`invalid time range: from ${fromMs} to ${toMs}`);
  }
  return `time >= ${Math.floor(fromMs)}ms AND time <= ${Math.floor(toMs)}ms`;
}

/** Conditions joined with `AND`; `undefined` entries (no condition) are skipped. */
export function and(...conditions: Array<string | undefined | readonly (string | undefined)[]>): string {
  return conditions
    .flat()
    .filter((c): c is string => c !== undefined && c !== '')
    .join(' AND ');
}

const OPERATORS: ReadonlySet<string> = new Set(['=', '!=', '=~', '!~']);

/**
 * The InfluxQL condition of one filter, or `undefined` when it imposes nothing ("All"). The key may hold a
 * variable too (it is quoted as an identifier whatever it contains).
 */
export function tagCondition(filter: TagFilter, ctx: VariableContext): string | undefined {
  const key = ctx.vars.raw(filter.key ?? '', ctx.scopedVars).trim();
  const value = filter.value ?? '';
  if (key === '') {
    throw new QueryBuildError(`a filter has no tag key (operator ${filter.operator}, value '${value}')`);
  }
  if (!OPERATORS.has(filter.operator)) {
    throw new QueryBuildError(
      `filter on "${key}": unknown operator '${String(filter.operator)}' (use =, !=, =~ or !~)`,
    );
  }
  const parts = templateParts(value, ctx);
  const regexOp = filter.operator === '=~' || filter.operator === '!~';
  const positive = filter.operator === '=' || filter.operator === '=~';
  const first = parts[0];
  const only = parts.length === 1 && first?.kind === 'var' ? first.value : undefined;
  if (only?.kind === 'all') return undefined;
  const what = `filter on "${key}"`;
  if (regexOp) {
    return `${ident(key)} ${positive ? '=~' : '!~'} ${regexLiteralFrom(regexFromParts(parts, what), what)}`;
  }
  const combos = literalCombinations(parts);
  if (combos !== undefined && combos.length === 1) {
    return `${ident(key)} ${positive ? '=' : '!='} ${quoteString(combos[0]!)}`;
  }
  const source = parts.map((p) => (p.kind === 'text' ? escapeRegexText(p.text) : valueRegex(p))).join('');
  return `${ident(key)} ${positive ? '=~' : '!~'} ${regexLiteralFrom(`^${source}$`, what)}`;
}

/** The conditions of every filter (ANDed by the caller), "All" filters left out. */
export function tagConditions(filters: readonly TagFilter[] | undefined, ctx: VariableContext): string[] {
  const out: string[] = [];
  for (const f of filters ?? []) {
    const c = tagCondition(f, ctx);
    if (c !== undefined) out.push(c);
  }
  return out;
}

/** `"key" = 'value'` with variables (the common single-field filters: budget, service…); `''` → none. */
export function equalsCondition(
  key: string,
  value: string | undefined,
  ctx: VariableContext,
): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return tagCondition({ key, operator: '=', value: value.trim() }, ctx);
}

/** `"key" = 'value'` for a fixed value (a signal name, a window): quoted like any other literal. */
export function eq(key: string, value: string): string {
  return `${ident(key)} = ${quoteString(value)}`;
}

/**
 * `"key" = 'a'` for one value, `"key" =~ /^(?:a|b)$/` for several (each escaped): for fixed value lists
 * such as burn windows. `undefined` for none.
 */
export function oneOf(key: string, values: readonly string[]): string | undefined {
  const distinct = [...new Set(values)];
  if (distinct.length === 0) return undefined;
  if (distinct.length === 1) return `${ident(key)} = ${quoteString(distinct[0]!)}`;
  return `${ident(key)} =~ ${regexLiteral(`^${alternation(distinct)}$`)}`;
}

/** `(?:a|b)` of regex-escaped values; a single value is just escaped. */
export function alternation(values: readonly string[]): string {
  const escaped = values.map(escapeRegexText);
  return escaped.length === 1 ? escaped[0]! : `(?:${escaped.join('|')})`;
}

function valueRegex(part: Extract<TemplatePart, { kind: 'var' }>): string {
  return variableRegex(part.value, part.ref.text);
}

/** A resolved variable as regex source: escaped value(s), `.*` for "All", its own text when unresolved. */
function variableRegex(value: VariableValue, text: string): string {
  if (value.kind === 'all') return '.*';
  if (value.kind === 'unresolved') return escapeRegexText(text);
  return alternation(value.values);
}

/** A regex filter's source: typed text as regex source, variables as escaped alternations. */
function regexFromParts(parts: readonly TemplatePart[], what: string): string {
  let source = '';
  parts.forEach((p, i) => {
    if (p.kind === 'text') {
      // A lone backslash at the end of typed text would escape the first character of the value after it.
      if (i < parts.length - 1 && endsWithLoneBackslash(p.text)) {
        throw new QueryBuildError(
          `${what}: the regex text '${p.text}' ends with a lone backslash before a variable`,
        );
      }
      source += p.text;
    } else {
      // An unresolved `$name` in a regex is the user's own text (often a `$` anchor): keep it as typed.
      source += p.value.kind === 'unresolved' ? p.ref.text : variableRegex(p.value, p.ref.text);
    }
  });
  return source;
}

/** Every string a `=` filter value can stand for, or `undefined` when a variable is "All". */
function literalCombinations(parts: readonly TemplatePart[]): string[] | undefined {
  let out = [''];
  for (const p of parts) {
    if (p.kind === 'text') out = out.map((s) => s + p.text);
    else if (p.value.kind === 'all') return undefined;
    else if (p.value.kind === 'unresolved') out = out.map((s) => s + p.ref.text);
    else {
      const values = p.value.values;
      out = out.flatMap((s) => values.map((v) => s + v));
    }
  }
  return out;
}

function endsWithLoneBackslash(text: string): boolean {
  let n = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/**
 * A regex literal from a regex source typed by a user (`api\/v1`, copied from a `/…/` literal, is fine):
 * cost-model's `regexLiteral`, with its lone-trailing-backslash error turned into a query error naming `what`.
 */
export function regexLiteralFrom(source: string, what: string): string {
  try {
    return regexLiteral(source);
  } catch (err) {
    throw new QueryBuildError(`${what}: the regex '${source}' ends with a lone backslash`, { cause: err });
  }
}
