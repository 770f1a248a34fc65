/**
 * Header lookups shared by the export formats: column names compared without case, surrounding blanks
 * or a stray BOM (a reader removes the file's BOM; a file re-saved by a spreadsheet may carry another).
 *
 * @packageDocumentation
 */

/** A header cell as compared: BOM and blanks removed, lower case. */
export function normaliseColumn(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase();
}

/** Column index by normalised name; the first of duplicate names wins. */
export function columnIndex(columns: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  columns.forEach((name, i) => {
    const key = normaliseColumn(name);
    if (!index.has(key)) index.set(key, i);
  });
  return index;
}
