/**
 * A small InfluxQL lexer: for every character of a statement, whether it is inside a string literal
 * (`'…'`), a quoted identifier (`"…"`), a regex literal (`/…/`), a comment, or plain code.
 *
 * That is all raw InfluxQL needs to substitute template variables safely (a value is escaped for the token
 * it lands in) and to split a text into statements at top-level `;`. It follows InfluxQL's scanner where
 * that matters for structure:
 *
 * - strings and quoted identifiers end at the first quote not preceded by an escaping backslash;
 * - a `/` opens a regex only right after `=~` or `!~` (anywhere else it is division), and the regex ends at
 *   the first `/` not preceded by an escaping backslash;
 * - `--` comments run to the end of the line, `/* … *\/` comments to their end.
 *
 * @packageDocumentation
 */

/** What a run of text is. `code` is everything outside literals and comments. */
export type TokenKind = 'code' | 'string' | 'ident' | 'regex' | 'comment';

/** A run of text `[start, end)` of one kind; literal tokens include their delimiters. */
export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  /** `false` when the text ended before the literal or comment was closed. */
  closed: boolean;
}

/** Splits `text` into tokens covering it entirely, in order. Never throws: see {@link Token.closed}. */
export function lex(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let codeStart = 0;
  // The last two non-blank code characters: a regex literal may only follow `=~` or `!~`.
  let prev1 = '';
  let prev2 = '';
  const push = (kind: TokenKind, start: number, end: number, closed: boolean): void => {
    if (codeStart < start) out.push({ kind: 'code', start: codeStart, end: start, closed: true });
    out.push({ kind, start, end, closed });
    codeStart = end;
  };
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "'" || c === '"') {
      const end = scanDelimited(text, i + 1, c);
      push(c === "'" ? 'string' : 'ident', i, end.end, end.closed);
      prev1 = prev2 = '';
      i = end.end;
    } else if (c === '-' && next === '-') {
      const nl = text.indexOf('\n', i + 2);
      const end = nl === -1 ? n : nl;
      push('comment', i, end, true);
      i = end;
    } else if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close === -1 ? n : close + 2;
      push('comment', i, end, close !== -1);
      i = end;
    } else if (c === '/' && (prev2 + prev1 === '=~' || prev2 + prev1 === '!~')) {
      const end = scanDelimited(text, i + 1, '/');
      push('regex', i, end.end, end.closed);
      prev1 = prev2 = '';
      i = end.end;
    } else {
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') {
        prev2 = prev1;
        prev1 = c;
      }
      i++;
    }
  }
  if (codeStart < n) out.push({ kind: 'code', start: codeStart, end: n, closed: true });
  return out;
}

/** From just after an opening delimiter: the offset after the closing one (a backslash escapes one character). */
function scanDelimited(text: string, from: number, quote: string): { end: number; closed: boolean } {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === quote) return { end: i + 1, closed: true };
  }
  return { end: text.length, closed: false };
}

/**
 * Splits InfluxQL into statements at `;` in code (never inside a literal or comment), trimmed, empty ones
 * dropped: `SELECT 1; SELECT 2;` → two statements.
 */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const t of lex(text)) {
    if (t.kind !== 'code') continue;
    for (let i = t.start; i < t.end; i++) {
      if (text[i] === ';') {
        out.push(text.slice(start, i));
        start = i + 1;
      }
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** The content of a string literal or quoted identifier token as InfluxQL reads it (escapes undone). */
export function unquote(token: string): string {
  return token.slice(1, -1).replace(/\\(.)/gs, (_m, c: string) => (c === 'n' ? '\n' : c));
}

/** The regex source of a regex literal token as InfluxQL reads it (`\/` → `/`, other escapes kept). */
export function regexSource(token: string): string {
  return token.slice(1, -1).replace(/\\(.)/gs, (m, c: string) => (c === '/' ? '/' : m));
}
