/**
 * How the panel uses its box, from a 4×3 grid cell (~300×130 px: the number and its trend) to full width
 * (number and trend beside the table). Pure, so each size is tested without a browser.
 *
 * @packageDocumentation
 */

/** Where the table goes: beside the number, below it, nowhere (too small), or alone (no ratio query). */
export type TablePlacement = 'side' | 'below' | 'none' | 'only';

/** The panel's layout in pixels. */
export interface Layout {
  table: TablePlacement;
  /** Width of the number-and-trend column (the whole width unless the table is beside it). */
  statWidth: number;
  /** Font size of the big number. */
  fontSize: number;
  /** Height of the sparkline; 0 hides it. */
  sparkHeight: number;
  /** Whether the other currencies are listed under the number. */
  showOthers: boolean;
  /** Width of the table, when there is one. */
  tableWidth: number;
  showSku: boolean;
  showResource: boolean;
}

/** What the layout depends on. */
export interface LayoutInput {
  width: number;
  height: number;
  hasRatio: boolean;
  hasTable: boolean;
  /** The sparkline option is on and the trend has at least two points. */
  sparkline: boolean;
  /** More than one currency has a ratio. */
  others: boolean;
}

/** Padding inside the panel (theme.spacing(1)). */
export const PAD = 8;
/** Side-by-side from this width: below it the table's columns would be cramped. */
export const SIDE_MIN_WIDTH = 600;
/** Table below the number from this height (about four rows and the number). */
export const BELOW_MIN_HEIGHT = 240;

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

/** The layout of a `width` × `height` panel. */
export function layoutFor(input: LayoutInput): Layout {
  const width = Math.max(0, input.width - 2 * PAD);
  const height = Math.max(0, input.height - 2 * PAD);
  let table: TablePlacement;
  if (!input.hasRatio) table = input.hasTable ? 'only' : 'none';
  else if (!input.hasTable) table = 'none';
  else if (width >= SIDE_MIN_WIDTH - 2 * PAD && height >= 120) table = 'side';
  else if (height >= BELOW_MIN_HEIGHT - 2 * PAD) table = 'below';
  else table = 'none';

  const statWidth = table === 'side' ? Math.round(clamp(width * 0.35, 200, 320)) : width;
  // The number's block gets the whole height, or a third of it when the table is below.
  const statHeight = table === 'below' ? Math.min(130, height / 3) : height;
  const fontSize = Math.round(clamp(Math.min(statWidth / 5, statHeight / 3), 18, 56));
  const statusLine = 18;
  const showOthers = input.others && statHeight - fontSize * 1.2 - statusLine >= 60;
  const used = fontSize * 1.2 + statusLine + (showOthers ? 20 : 0) + PAD;
  let sparkHeight = 0;
  if (input.sparkline && input.hasRatio) {
    const room = table === 'below' ? Math.min(48, height - statHeight) : statHeight - used;
    sparkHeight = room >= 20 ? Math.round(Math.min(room, 140)) : 0;
  }
  const tableWidth = table === 'side' ? width - statWidth - PAD : width;
  return {
    table,
    statWidth,
    fontSize,
    sparkHeight,
    showOthers,
    tableWidth,
    showSku: tableWidth >= 300,
    showResource: tableWidth >= 440,
  };
}
