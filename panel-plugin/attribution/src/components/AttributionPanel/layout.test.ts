import { layoutFor, type LayoutInput } from './layout';

const input = (over: Partial<LayoutInput>): LayoutInput => ({
  width: 800,
  height: 300,
  hasRatio: true,
  hasTable: true,
  sparkline: true,
  others: false,
  ...over,
});

describe('layoutFor', () => {
  it('a 4×3 grid cell (~300×130): the number and its trend only', () => {
    const l = layoutFor(input({ width: 300, height: 130 }));
    expect(l.table).toBe('none');
    // 114 px inside the padding: a 38 px number (a third), its status line, and 42 px of trend.
    expect(l.fontSize).toBe(38);
    expect(l.sparkHeight).toBe(42);
    expect(l.showOthers).toBe(false);
  });

  it('full width: the table beside the number, with every column', () => {
    const l = layoutFor(input({ width: 800, height: 300, others: true }));
    expect(l).toMatchObject({
      table: 'side',
      statWidth: 274,
      showSku: true,
      showResource: true,
      showOthers: true,
    });
    expect(l.sparkHeight).toBeGreaterThan(40);
  });

  it('narrow and tall: the table below; narrow tables drop the resource, then the SKU', () => {
    expect(layoutFor(input({ width: 460, height: 400 }))).toMatchObject({
      table: 'below',
      sparkHeight: 48,
      showSku: true,
      showResource: true,
    });
    expect(layoutFor(input({ width: 400, height: 400 }))).toMatchObject({
      showSku: true,
      showResource: false,
    });
    expect(layoutFor(input({ width: 300, height: 400 }))).toMatchObject({
      showSku: false,
      showResource: false,
    });
  });

  it('only a table: the table, whatever the size; no trend without a ratio', () => {
    expect(layoutFor(input({ hasRatio: false, width: 300, height: 130 }))).toMatchObject({
      table: 'only',
      sparkHeight: 0,
    });
  });

  it('no trend when turned off, or with no room for it', () => {
    expect(layoutFor(input({ sparkline: false })).sparkHeight).toBe(0);
    expect(layoutFor(input({ width: 300, height: 80 })).sparkHeight).toBe(0);
  });

  it('degenerate sizes do not produce negative sizes', () => {
    const l = layoutFor(input({ width: 0, height: 0 }));
    expect(l.fontSize).toBeGreaterThan(0);
    expect(l.sparkHeight).toBe(0);
  });
});
