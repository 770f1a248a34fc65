import { BURN_RULES } from '@meterline/cost-model';
import { BURN_WINDOWS, DEFAULT_OPTIONS, PAGE_THRESHOLD, TICKET_THRESHOLD } from './types';

describe('defaults', () => {
  it('thresholds come from the alert rules: page 14.4, ticket 1.0, for every window', () => {
    expect(PAGE_THRESHOLD).toBe(BURN_RULES.find((r) => r.name === 'page')!.threshold);
    expect(TICKET_THRESHOLD).toBe(BURN_RULES.find((r) => r.name === 'ticket')!.threshold);
    expect([PAGE_THRESHOLD, TICKET_THRESHOLD]).toEqual([14.4, 1]);
    for (const w of BURN_WINDOWS) expect(DEFAULT_OPTIONS.thresholds[w]).toEqual({ ticket: 1, page: 14.4 });
  });

  it('show every window, highest burn first, compact when small, with the projection chart', () => {
    expect(DEFAULT_OPTIONS).toMatchObject({
      windows: ['5m', '1h', '6h', '1d', '3d'],
      sortBy: 'burn',
      layout: 'auto',
      showProjection: true,
    });
  });
});
