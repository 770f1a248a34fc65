/**
 * Template variables inside query text: where they are, and what they stand for.
 *
 * Builders never paste a variable's text into InfluxQL. They find each reference (`$team`, `${team}`,
 * `${team:csv}`, `[[team]]`), ask the {@link Interpolator} for its values one reference at a time, and then
 * quote those values for the place the reference is in (a string literal, a regex, an identifier). So a
 * value can never close the literal it lands in, whatever it contains.
 *
 * A format (`${team:csv}`) is ignored: how a value is written is decided by where it goes, not by the
 * format, because a format such as `raw` would otherwise let a value out of its literal.
 *
 * @packageDocumentation
 */
import type { ScopedVars } from '@grafana/data';
import type { Interpolator } from '../queries/contract';

/** Grafana's variable syntax (the same expression as Grafana's `variableRegex`). */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** One variable reference in a text. */
export interface VariableRef {
  /** Offsets of the reference in the scanned text, `[start, end)`. */
  start: number;
  end: number;
  /** The reference as written, e.g. `${team:csv}`. */
  text: string;
  /** The variable name, e.g. `team` (or `__interval`). */
  name: string;
  /** What is asked of the interpolator: `${team}`, or `${team.path}` with a field path; no format. */
  ref: string;
}

/** Every variable reference in `text`, in order. */
export function scanVariables(text: string): VariableRef[] {
  const out: VariableRef[] = [];
  for (const m of text.matchAll(VARIABLE)) {
    const name = (m[1] ?? m[2] ?? m[4])!;
    const path = m[5];
    out.push({
      start: m.index,
      end: m.index + m[0].length,
      text: m[0],
      name,
      ref: path === undefined ? `\${${name}}` : `\${${name}.${path}}`,
    });
  }
  return out;
}

/**
 * What a reference stands for:
 *
 * - `values`: the selected value(s), at least one, without duplicates;
 * - `all`: "All" without a custom all value, or nothing selected — no condition;
 * - `unresolved`: not a variable Grafana knows (the interpolator returned the reference unchanged); the
 *   text is then kept as written, as Grafana does (a `$` in a regex is often just an anchor).
 */
export type VariableValue = { kind: 'values'; values: string[] } | { kind: 'all' } | { kind: 'unresolved' };

/** The context needed to resolve variables (part of a `BuildContext`). */
export interface VariableContext {
  vars: Interpolator;
  scopedVars?: ScopedVars;
}

/** Resolves one reference through the interpolator. */
export function resolveVariable(ref: VariableRef, ctx: VariableContext): VariableValue {
  const values = ctx.vars.values(ref.ref, ctx.scopedVars);
  // An empty multi-value selection is treated like "All": Grafana shows it as "All" in most pickers, and
  // a query that silently matches nothing is harder to notice than one that shows everything.
  if (values === undefined || values.length === 0 || values.some((v) => v === undefined || v === null)) {
    return { kind: 'all' };
  }
  if (values.length === 1 && (values[0] === ref.ref || values[0] === ref.text)) return { kind: 'unresolved' };
  return { kind: 'values', values: [...new Set(values)] };
}

/** A text split into literal text and resolved variable references. */
export type TemplatePart =
  { kind: 'text'; text: string } | { kind: 'var'; ref: VariableRef; value: VariableValue };

/** Splits `text` into its literal parts and its (resolved) variable references. */
export function templateParts(text: string, ctx: VariableContext): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  for (const ref of scanVariables(text)) {
    if (ref.start > at) parts.push({ kind: 'text', text: text.slice(at, ref.start) });
    parts.push({ kind: 'var', ref, value: resolveVariable(ref, ctx) });
    at = ref.end;
  }
  if (at < text.length) parts.push({ kind: 'text', text: text.slice(at) });
  return parts;
}
