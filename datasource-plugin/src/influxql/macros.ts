/**
 * Raw InfluxQL: macros and template variables, substituted according to where each one appears.
 *
 * Macros (in code only, not inside literals or comments):
 *
 * | macro | becomes |
 * |---|---|
 * | `$timeFilter`, `$__timeFilter` | `time >= <from>ms AND time <= <to>ms` |
 * | `$__interval`, `$interval` (also `${…}`) | the bucket, e.g. `5m`: Grafana's interval, at least 1m, whole minutes |
 * | `$__interval_ms` | the same bucket in milliseconds |
 * | `$__from`, `$__to` (also `${…}`) | the range ends in epoch milliseconds (write `time >= ${__from}ms`) |
 *
 * Template variables are replaced by their value escaped for the token they are in:
 *
 * | where | single value | several values | "All" |
 * |---|---|---|---|
 * | `'…'` string literal | literal-escaped | error | error |
 * | `/…/` regex literal | regex-escaped | `(?:a|b)`, each escaped | `.*` |
 * | `"…"` identifier | identifier-escaped | error | error |
 * | anywhere else | only `[A-Za-z0-9_.:-]+`, not a keyword, no `--` | error | error |
 *
 * An error is a {@link QueryBuildError} naming the variable. A reference Grafana does not know is left as
 * written. Nothing a variable holds can add a statement, end a literal or start a comment.
 *
 * @packageDocumentation
 */
import { escapeIdentifier, quoteString, regexLiteral } from '@meterline/cost-model';
import { QueryBuildError, type BuildContext } from '../queries/contract';
import { bucketInterval } from './interval';
import { lex, type Token } from './lexer';
import { resolveVariable, scanVariables, type VariableRef, type VariableValue } from './template-vars';
import { alternation, timeCondition } from './where';

/** What a value substituted into code (outside any literal) may look like. */
const SAFE_CODE_VALUE = /^[A-Za-z0-9_.:-]+$/;

/**
 * InfluxQL keywords: a bare value equal to one (`OR`, `DROP`, `INTO`…) could change what the statement
 * does even without spaces or quotes, so it is refused in code.
 */
const KEYWORDS = new Set(
  (
    'ALL ALTER ANALYZE AND ANY AS ASC BEGIN BY CARDINALITY CREATE CONTINUOUS DATABASE DATABASES DEFAULT ' +
    'DELETE DESC DESTINATIONS DIAGNOSTICS DISTINCT DROP DURATION END EVERY EXACT EXPLAIN FIELD FOR FROM ' +
    'GRANT GRANTS GROUP GROUPS IN INF INSERT INTO KEY KEYS KILL LIMIT MEASUREMENT MEASUREMENTS NAME ' +
    'OFFSET ON OR ORDER PASSWORD POLICY POLICIES PRIVILEGES QUERIES QUERY READ REPLICATION RESAMPLE ' +
    'RETENTION REVOKE SELECT SERIES SET SHARD SHARDS SHOW SLIMIT SOFFSET STATS SUBSCRIPTION ' +
    'SUBSCRIPTIONS TAG TO USER USERS VALUES WHERE WITH WRITE NOT TRUE FALSE'
  ).split(' '),
);

/** Macros by name, computed once per expansion. */
function macroValues(ctx: BuildContext): Map<string, string> {
  const time = timeCondition(ctx.fromMs, ctx.toMs);
  const bucket = bucketInterval('', ctx);
  return new Map([
    ['timeFilter', time],
    ['__timeFilter', time],
    ['__interval', bucket.text],
    ['interval', bucket.text],
    ['__interval_ms', String(bucket.ms)],
    ['__from', String(Math.floor(ctx.fromMs))],
    ['__to', String(Math.floor(ctx.toMs))],
  ]);
}

/**
 * Raw InfluxQL with macros and variables substituted (see the module doc). Throws a
 * {@link QueryBuildError} for an unterminated literal, or a variable value that cannot go where it is.
 */
export function expandRawQuery(text: string, ctx: BuildContext): string {
  const macros = macroValues(ctx);
  let out = '';
  for (const token of lex(text)) {
    const body = text.slice(token.start, token.end);
    if (!token.closed && token.kind !== 'comment') {
      throw new QueryBuildError(
        `raw query: unterminated ${describe(token)} starting at offset ${token.start}: ${body.slice(0, 40)}`,
      );
    }
    if (token.kind === 'comment') {
      out += body;
      continue;
    }
    let at = 0;
    let piece = '';
    for (const ref of scanVariables(body)) {
      // In a literal, a backslash before `$` escapes it: `/\$x/` is a regex for a literal `$x`.
      if (token.kind !== 'code' && precededByLoneBackslash(body, ref.start)) continue;
      piece += body.slice(at, ref.start);
      const macro = token.kind === 'code' ? macros.get(ref.name) : undefined;
      if (macro !== undefined) piece += macro;
      else {
        piece += substitute(ref, resolveVariable(ref, ctx), token, out + piece);
      }
      at = ref.end;
    }
    out += piece + body.slice(at);
  }
  return out;
}

function describe(token: Token): string {
  return token.kind === 'string'
    ? "string literal '…'"
    : token.kind === 'ident'
      ? 'identifier "…"'
      : 'regex /…/';
}

function precededByLoneBackslash(text: string, at: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= 0 && text[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** The text that replaces `ref` inside `token`. */
function substitute(ref: VariableRef, value: VariableValue, token: Token, before: string): string {
  if (value.kind === 'unresolved') return ref.text;
  if (token.kind === 'regex') {
    const source = value.kind === 'all' ? '.*' : alternation(value.values);
    // The escaped source has no lone backslash, so regexLiteral's `/` escaping is exact.
    return regexLiteral(source).slice(1, -1);
  }
  const where =
    token.kind === 'string'
      ? "inside a '…' string"
      : token.kind === 'ident'
        ? 'inside a "…" identifier'
        : 'in code';
  if (value.kind === 'all') {
    throw new QueryBuildError(
      `raw query: variable ${ref.text} is set to "All", which has no single value ${where}; use it in a regex (=~ /^${ref.text}$/)`,
    );
  }
  if (value.values.length > 1) {
    throw new QueryBuildError(
      `raw query: variable ${ref.text} has ${value.values.length} values, which cannot go ${where}; use it in a regex (=~ /^${ref.text}$/)`,
    );
  }
  const v = value.values[0]!;
  if (token.kind === 'string') return quoteString(v).slice(1, -1);
  if (token.kind === 'ident') return escapeIdentifier(v).slice(1, -1);
  // `--` starts a comment: refuse one inside the value, one formed with the character before it, and a
  // trailing `-` that would form one with whatever follows.
  const comment = (before.slice(-1) + v).includes('--') || v.endsWith('-');
  if (!SAFE_CODE_VALUE.test(v) || KEYWORDS.has(v.toUpperCase()) || comment) {
    throw new QueryBuildError(
      `raw query: the value of variable ${ref.text} cannot be used outside quotes (only letters, digits and _ . : - are allowed there, and no keyword); put it in '…', "…" or /…/`,
    );
  }
  return v;
}
