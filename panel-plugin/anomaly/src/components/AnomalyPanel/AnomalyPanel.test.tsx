import { act, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  FieldType,
  LoadingState,
  dateTime,
  toDataFrame,
  type DataFrame,
  type PanelProps,
} from '@grafana/data';
import {
  CHECKOUT,
  CHECKOUT_DEPLOY,
  CHECKOUT_EVENTS,
  RANGE,
  TRACES,
  annotationFrames,
  at,
  bucket,
  eventsFrames,
  seriesFrames,
  type Bucket,
} from '../../testing';
import { DEFAULT_OPTIONS, type AnomalyOptions } from '../../types';
import { AnomalyPanel } from './AnomalyPanel';

// @grafana/ui's icons fetch their SVG and set state after act(): render them as nothing in tests.
jest.mock('react-inlinesvg', () => ({ __esModule: true, default: () => null }));

interface Setup {
  series: DataFrame[];
  annotations?: DataFrame[];
  options?: Partial<AnomalyOptions>;
  width?: number;
  height?: number;
}

function props({
  series,
  annotations,
  options,
  width = 800,
  height = 300,
}: Setup): PanelProps<AnomalyOptions> {
  const timeRange = {
    from: dateTime(RANGE.from),
    to: dateTime(RANGE.to),
    raw: { from: 'now-1h', to: 'now' },
  };
  return {
    id: 1,
    data: { state: LoadingState.Done, series, annotations, timeRange },
    timeRange,
    timeZone: 'utc',
    options: { ...DEFAULT_OPTIONS, ...options },
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width,
    height,
    renderCounter: 0,
    title: 'Anomalies',
    eventBus: undefined as never,
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    replaceVariables: (s: string) => s,
    onChangeTimeRange: jest.fn(),
  };
}

function renderPanel(setup: Setup) {
  return render(<AnomalyPanel {...props(setup)} />);
}

/** The frames of the checkout incident: series, events table (with the deploy), deploy annotation. */
function incident(over: Partial<Setup> = {}): Setup {
  return {
    series: [...seriesFrames({ checkout: CHECKOUT }), ...eventsFrames(CHECKOUT_EVENTS, [CHECKOUT_DEPLOY])],
    annotations: annotationFrames([CHECKOUT_DEPLOY]),
    ...over,
  };
}

const cells = (c: HTMLElement) => Array.from(c.querySelectorAll('rect[role="img"]'));
const markers = () =>
  screen.queryAllByRole('button').filter((b) => b.getAttribute('aria-haspopup') === 'menu');
/** Every number in an SVG path. */
const numbersIn = (d: string | null) =>
  (d ?? '')
    .split(/[MLZ,]/)
    .filter((s) => s !== '')
    .map(Number);

describe('AnomalyPanel', () => {
  it('normal: spend, band and expected, a score cell per bucket, the anomaly and deploy markers', () => {
    const { container } = renderPanel(incident());
    expect(container.querySelector('[data-testid="actual"]')).not.toBeNull();
    expect(container.querySelector('[data-testid="expected"]')?.getAttribute('stroke-dasharray')).toBe('6 4');
    expect(container.querySelector('[data-testid="band"]')).not.toBeNull();
    expect(cells(container)).toHaveLength(12);
    expect(cells(container).filter((c) => c.getAttribute('data-over') === 'true')).toHaveLength(3);
    expect(cells(container)[8]!.getAttribute('aria-label')).toBe(
      '10:40: score 0.99, at or above the threshold',
    );
    expect(cells(container)[8]!.querySelector('title')?.textContent).toBe(
      '10:40: score 0.99, at or above the threshold',
    );
    expect(cells(container)[0]!.getAttribute('aria-label')).toBe('10:00: score 0.10');
    expect(markers().map((b) => b.getAttribute('aria-label'))).toEqual([
      'Deploy checkout 1.0.0 → 1.1.0 at 10:25',
      'Anomaly at 10:35, score 0.99, 3 traces',
    ]);
    // Header: title, legend, latest values (money through the field config: USD), the event hidden below 0.9.
    const header = screen.getByTestId('anomaly-header');
    expect(header.textContent).toContain('checkout · USD');
    expect(header.textContent).toContain('last $1.00 · expected $1.00 · score 0.20');
    expect(header.textContent).toContain('1 event below 0.90 hidden');
    expect(
      screen.getByRole('img', { name: /^Actual spend of checkout · USD with its expected value and band/ }),
    ).not.toBeNull();
    // The episode 10:35–10:50 is shaded, and its buckets are dotted.
    expect(container.querySelectorAll('[data-testid="episode"]')).toHaveLength(1);
    expect(container.querySelectorAll('[data-testid="anomalous-point"]')).toHaveLength(3);
  });

  it('threshold crossed, from the scores alone: a marker per run at or above the threshold', () => {
    const exemplars = [{ time: at(41), traceId: TRACES[1], amount: 2 }];
    const { container, rerender } = renderPanel({
      series: seriesFrames({ checkout: CHECKOUT }, { exemplars }),
    });
    expect(markers().map((b) => b.getAttribute('aria-label'))).toEqual([
      'Anomaly at 10:35, score 0.99, 1 trace',
    ]);
    rerender(
      <AnomalyPanel
        {...props({ series: seriesFrames({ checkout: CHECKOUT }), options: { threshold: 0.98 } })}
      />,
    );
    expect(markers().map((b) => b.getAttribute('aria-label'))).toEqual([
      'Anomaly at 10:40, score 0.99, no traces',
    ]);
    expect(cells(container).filter((c) => c.getAttribute('data-over') === 'true')).toHaveLength(1);
    rerender(
      <AnomalyPanel
        {...props({ series: seriesFrames({ checkout: CHECKOUT }), options: { threshold: 0.995 } })}
      />,
    );
    expect(markers()).toEqual([]);
  });

  it('events below the threshold are hidden, above it shown', () => {
    renderPanel(incident({ options: { threshold: 0.5 } }));
    expect(markers().map((b) => b.getAttribute('aria-label'))).toEqual([
      'Anomaly at 10:10, score 0.60, 1 trace',
      'Deploy checkout 1.0.0 → 1.1.0 at 10:25',
      'Anomaly at 10:35, score 0.99, 3 traces',
    ]);
  });

  it('clicking the anomaly opens its menu: a Tempo link per trace ID, and the deploy before it', async () => {
    const user = userEvent.setup();
    renderPanel(incident());
    await user.click(screen.getByRole('button', { name: /^Anomaly at 10:35/ }));
    const traces = screen.getByRole('group', { name: 'Open top traces' });
    const links = within(traces).getAllByRole('menuitem');
    expect(links.map((l) => l.textContent)).toEqual([...TRACES]);
    links.forEach((link, i) => {
      const href = link.getAttribute('href')!;
      const left = JSON.parse(new URL(href, 'http://grafana.local').searchParams.get('left')!);
      expect(left.datasource).toBe('tempo-uid');
      expect(left.queries).toEqual([
        { refId: 'A', datasource: { uid: 'tempo-uid' }, queryType: 'traceql', query: TRACES[i] },
      ]);
      expect(link.getAttribute('aria-label')).toBe(`Open trace ${TRACES[i]}`);
    });
    const deploys = screen.getByRole('group', { name: 'Deploys before it' });
    const open = within(deploys).getByRole('menuitem');
    expect(open.textContent).toContain('Open deploy');
    expect(open.textContent).toContain('checkout 1.0.0 → 1.1.0');
    const to = new URL(open.getAttribute('href')!, 'http://grafana.local').searchParams.get('to');
    expect(Number(to)).toBe(at(25) + 30 * 60_000);
  });

  it('the deploy marker’s menu: "Open deploy" with the link template', async () => {
    const user = userEvent.setup();
    renderPanel(
      incident({
        options: {
          deployLinkTemplate: 'https://ci.example.com/${deploy.service}/releases/${deploy.version}',
        },
      }),
    );
    await user.click(screen.getByRole('button', { name: 'Deploy checkout 1.0.0 → 1.1.0 at 10:25' }));
    const item = within(screen.getByRole('group', { name: 'Deploy' })).getByRole('menuitem');
    expect(item.textContent).toContain('Open deploy');
    expect(item.getAttribute('href')).toBe('https://ci.example.com/checkout/releases/1.1.0');
    expect(item.getAttribute('target')).toBe('_blank');
  });

  it('keyboard: Enter or Space opens the menu (focus inside), Escape closes it and returns to the marker', async () => {
    const user = userEvent.setup();
    renderPanel(incident());
    const anomaly = screen.getByRole('button', { name: /^Anomaly at 10:35/ });
    await user.tab();
    await user.tab();
    expect(document.activeElement).toBe(anomaly);
    expect(anomaly.getAttribute('aria-expanded')).toBe('false');
    await user.keyboard('{Enter}');
    expect(screen.getByRole('group', { name: 'Open top traces' })).not.toBeNull();
    expect(anomaly.getAttribute('aria-expanded')).toBe('true');
    expect(document.activeElement?.getAttribute('role')).toBe('menuitem');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('group', { name: 'Open top traces' })).toBeNull();
    expect(document.activeElement).toBe(anomaly);
    await user.keyboard(' ');
    expect(screen.getByRole('group', { name: 'Open top traces' })).not.toBeNull();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('group', { name: 'Open top traces' })).toBeNull();
  });

  it('no exemplars and no trace IDs: the menu says so, and Escape still closes it', async () => {
    const user = userEvent.setup();
    renderPanel({
      series: [
        ...seriesFrames({ checkout: CHECKOUT }),
        ...eventsFrames([{ m: 35, score: 0.99, traceIds: [] }]),
      ],
    });
    const anomaly = screen.getByRole('button', { name: 'Anomaly at 10:35, score 0.99, no traces' });
    await user.click(anomaly);
    const group = screen.getByRole('group', { name: 'Open top traces' });
    const item = within(group).getByRole('menuitem');
    expect(item.textContent).toContain('No traces for this anomaly');
    expect(item.hasAttribute('disabled')).toBe(true);
    expect(screen.queryByRole('group', { name: 'Deploys before it' })).toBeNull();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('group', { name: 'Open top traces' })).toBeNull();
  });

  it('trace IDs without a Tempo data source: listed, not linked', async () => {
    const user = userEvent.setup();
    const events = eventsFrames([{ m: 35, score: 0.99, traceIds: [TRACES[0]] }]);
    // The data source without a Tempo data source configured: no links on the trace field.
    for (const f of events[0]!.fields) if (f.name === 'trace_id') f.config = {};
    renderPanel({ series: [...seriesFrames({ checkout: CHECKOUT }), ...events] });
    await user.click(screen.getByRole('button', { name: /^Anomaly at 10:35/ }));
    const item = within(screen.getByRole('group', { name: 'Open top traces' })).getByRole('menuitem');
    expect(item.textContent).toBe(`${TRACES[0]} (no Tempo data source linked)`);
    expect(item.getAttribute('href')).toBeNull();
  });

  it('tooltips: a deploy’s versions, an anomaly’s score, traces and deploy, a bucket’s values', async () => {
    const user = userEvent.setup();
    const { container } = renderPanel(incident());
    await user.hover(screen.getByRole('button', { name: /^Deploy checkout/ }));
    let tip = screen.getByRole('tooltip');
    expect(tip.textContent).toContain('Deploy checkout');
    expect(tip.textContent).toContain('1.0.0 → 1.1.0');
    expect(tip.textContent).toContain('2026-03-01 10:25');
    expect(screen.getByRole('button', { name: /^Deploy checkout/ }).getAttribute('aria-describedby')).toBe(
      tip.id,
    );
    await user.unhover(screen.getByRole('button', { name: /^Deploy checkout/ }));
    expect(screen.queryByRole('tooltip')).toBeNull();

    act(() => screen.getByRole('button', { name: /^Anomaly at 10:35/ }).focus());
    tip = screen.getByRole('tooltip');
    expect(tip.textContent).toContain('Cost anomaly: service checkout');
    expect(tip.textContent).toContain('Score0.99');
    expect(tip.textContent).toContain('Actual$4.00');
    expect(tip.textContent).toContain('Traces3');
    expect(tip.textContent).toContain('Deploycheckout 1.0.0 → 1.1.0 at 10:25');
    act(() => screen.getByRole('button', { name: /^Anomaly at 10:35/ }).blur());

    // jsdom lays nothing out: the chart's left edge is at 0, so clientX is the x in the panel.
    const chart = container.querySelector('svg[role="img"]')!;
    const x40 = 64 + ((800 - 8 - 64) * 40) / 60;
    fireEvent.mouseMove(chart, { clientX: x40 });
    tip = screen.getByRole('tooltip');
    expect(tip.textContent).toContain('2026-03-01 10:40');
    expect(tip.textContent).toContain('Actual$6.00');
    expect(tip.textContent).toContain('Expected$1.00');
    expect(tip.textContent).toContain('Band$0.50 – $1.50');
    expect(tip.textContent).toContain('Score0.99');
    fireEvent.mouseLeave(chart);
    expect(screen.queryByRole('tooltip')).toBeNull();
    fireEvent.mouseMove(chart, { clientX: 64 + ((800 - 8 - 64) * 25) / 60 });
    expect(screen.getByRole('tooltip').textContent).toContain('Deploycheckout 1.0.0 → 1.1.0');
  });

  it('no data: says so and names the query', () => {
    renderPanel({ series: [] });
    expect(screen.getByRole('status').textContent).toContain('No data');
    expect(screen.getByRole('status').textContent).toContain('"Anomalies" query');
    renderPanel({ series: seriesFrames({}) });
    expect(screen.getAllByRole('status')[1]!.textContent).toContain('No data');
  });

  it('wrong frames: names the fields it expects', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [at(0)] },
        { name: 'burn', type: FieldType.number, values: [1.2] },
      ],
    });
    renderPanel({ series: [frame] });
    const status = screen.getByRole('status');
    expect(status.textContent).toContain('These frames do not have what this panel needs');
    expect(status.textContent).toContain('score (number 0–1, labels team, service or tenant)');
    // Only the events table: rows, but no series to draw them on.
    renderPanel({ series: eventsFrames(CHECKOUT_EVENTS, [CHECKOUT_DEPLOY]) });
    expect(screen.getAllByRole('status')[1]!.textContent).toContain('score (number 0–1');
  });

  it('many series: the highest score by default, "1 of N", the option picks another', () => {
    const frames = seriesFrames({
      search: [bucket(0, 1, 0.2), bucket(30, 1.1, 0.3)],
      checkout: CHECKOUT,
      cart: [bucket(0, 2, 0.1), bucket(30, 2.5, 0.5)],
    });
    const { rerender } = renderPanel({ series: frames });
    expect(screen.getByTestId('anomaly-header').textContent).toContain('checkout · USD (2 of 3 series)');
    expect(markers()).toHaveLength(1);
    rerender(
      <AnomalyPanel {...props({ series: frames, options: { series: 'currency=USD,service=cart' } })} />,
    );
    expect(screen.getByTestId('anomaly-header').textContent).toContain('cart · USD (3 of 3 series)');
    expect(markers()).toEqual([]);
  });

  it('negative spend (credits): the chart goes below zero and draws the zero line', () => {
    const rows: Bucket[] = [
      bucket(0, 1, 0.1),
      bucket(5, -2, 0.95),
      bucket(10, -0.5, 0.4),
      bucket(15, 1, 0.1),
    ];
    const { container } = renderPanel({ series: seriesFrames({ checkout: rows }) });
    const zero = container.querySelector('[data-testid="zero-line"]')!;
    expect(zero).not.toBeNull();
    const actual = numbersIn(container.querySelector('[data-testid="actual"]')!.getAttribute('d'));
    const chartHeight = Number(container.querySelector('svg[role="img"]')!.getAttribute('height'));
    const ys = actual.filter((_, i) => i % 2 === 1);
    expect(ys.every((y) => y >= 0 && y <= chartHeight)).toBe(true);
    // -2 is the lowest point: drawn below the zero line.
    expect(Math.max(...ys)).toBeGreaterThan(Number(zero.getAttribute('y1')));
    expect(screen.getByTestId('anomaly-header').textContent).toContain('last $1.00');
    // The value labels include a negative amount.
    expect(Array.from(container.querySelectorAll('text')).some((t) => /^-\$/.test(t.textContent ?? ''))).toBe(
      true,
    );
  });

  it('zero values: a flat line at the bottom, no NaN, no zero line', () => {
    const rows: Bucket[] = [0, 5, 10].map((m) => ({
      m,
      score: 0,
      expected: 0,
      lower: 0,
      upper: 0,
      actual: 0,
    }));
    const { container } = renderPanel({ series: seriesFrames({ checkout: rows }) });
    const d = container.querySelector('[data-testid="actual"]')!.getAttribute('d');
    expect(numbersIn(d).every(Number.isFinite)).toBe(true);
    expect(container.querySelector('[data-testid="zero-line"]')).toBeNull();
    expect(cells(container).map((c) => c.getAttribute('aria-label'))).toEqual([
      '10:00: score 0.00',
      '10:05: score 0.00',
      '10:10: score 0.00',
    ]);
  });

  it('only a score series: the strip and markers, and a note instead of the chart', () => {
    const onlyScores = seriesFrames({ checkout: CHECKOUT }).filter((f) =>
      f.fields.some((x) => x.name === 'score'),
    );
    const { container } = renderPanel({ series: onlyScores });
    expect(screen.getByRole('img', { name: 'Scores only for checkout · USD' }).textContent).toContain(
      'Scores only',
    );
    expect(cells(container)).toHaveLength(12);
    expect(Number(container.querySelector('svg[role="group"]')!.getAttribute('height'))).toBe(48);
    expect(markers()).toHaveLength(1);
  });

  it('only actual and expected: no band, no strip; the band option hides a band that exists', () => {
    const noBand = seriesFrames({ checkout: CHECKOUT }).filter((f) =>
      f.fields.some((x) => x.name === 'actual' || x.name === 'expected'),
    );
    const { container, rerender } = renderPanel({ series: noBand });
    expect(container.querySelector('[data-testid="band"]')).toBeNull();
    expect(container.querySelector('[data-testid="expected"]')).not.toBeNull();
    expect(cells(container)).toHaveLength(0);
    rerender(<AnomalyPanel {...props({ ...incident(), options: { showBand: false } })} />);
    expect(container.querySelector('[data-testid="band"]')).toBeNull();
    expect(screen.getByTestId('anomaly-header').textContent).not.toContain('Band');
  });

  it('a 4×3 grid cell (300×130): chart, markers and strip, no header', () => {
    const { container } = renderPanel(incident({ width: 300, height: 130 }));
    expect(screen.queryByTestId('anomaly-header')).toBeNull();
    expect(container.querySelector('[data-testid="actual"]')).not.toBeNull();
    expect(markers()).toHaveLength(2);
    expect(cells(container)).toHaveLength(12);
    const root = container.firstElementChild as HTMLElement;
    expect([root.style.width, root.style.height]).toEqual(['300px', '130px']);
  });

  it('deploy markers off: no deploy marker, the anomaly still names its deploy', () => {
    renderPanel(incident({ options: { showDeploys: false } }));
    expect(markers().map((b) => b.getAttribute('data-kind'))).toEqual(['anomaly']);
  });
});
