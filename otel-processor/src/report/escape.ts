/**
 * Escaping for the report's text formats. Tag values (tenant, team, service, provider…) come from telemetry
 * and export files, i.e. from anyone: they must print as text, never act as markup.
 *
 * @packageDocumentation
 */
import { printable } from '../reconcile/output';

/**
 * Text for HTML and SVG content and attribute values: `&`, `<`, `>`, `"` and `'` as character references,
 * control characters as visible `\xNN`.
 */
export function escapeHtml(text: string): string {
  return printable(text).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text for a Markdown table cell (CommonMark + GFM tables): characters that start markup (emphasis, code,
 * links, raw HTML, entities, strikethrough) and the cell separator `|` are backslash-escaped, which CommonMark
 * allows for any ASCII punctuation; control characters (newlines included) become visible `\xNN`, so a value
 * cannot end its row.
 */
export function escapeMarkdown(text: string): string {
  return printable(text.replace(/[\\`*_[\]<>|&~]/g, '\\$&'));
}
