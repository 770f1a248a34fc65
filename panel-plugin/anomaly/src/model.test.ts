import { FieldType, toDataFrame } from '@grafana/data';
import {
  DEFAULT_STEP_MS,
  anomalousRuns,
  anomalyMatches,
  buildModel,
  dataFrames,
  deployMatches,
  episodeEnd,
  frameKind,
  parseDeployTitle,
  readSeries,
  selectSeries,
  seriesChoices,
  seriesKey,
  seriesTitle,
  tracesInText,
  versionChange,
} from './model';
import {
  CHECKOUT,
  CHECKOUT_DEPLOY,
  CHECKOUT_EVENTS,
  TRACES,
  annotationFrames,
  at,
  bucket,
  eventsFrames,
  seriesFrames,
} from './testing';
import { DEFAULT_OPTIONS } from './types';

const opts = DEFAULT_OPTIONS;

describe('reading the data source frames', () => {
  const frames = seriesFrames({ checkout: CHECKOUT });

  it('one series from the five frames, points by time, the bucket as step', () => {
    const [s, ...rest] = readSeries(frames);
    expect(rest).toEqual([]);
    expect(s!.key).toBe('currency=USD,service=checkout');
    expect(s!.title).toBe('checkout · USD');
    expect(s!.stepMs).toBe(5 * 60_000);
    expect(s!.points).toHaveLength(12);
    expect(s!.points[8]).toEqual({
      time: at(40),
      score: 0.99,
      expected: 1,
      lower: 0.5,
      upper: 1.5,
      actual: 6,
    });
    expect(Object.keys(s!.fields).sort()).toEqual(['actual', 'expected', 'lower', 'score', 'upper']);
    expect(s!.fields.actual!.config.unit).toBe('currencyUSD');
  });

  it('recognises each frame by its fields', () => {
    const events = eventsFrames(CHECKOUT_EVENTS, [CHECKOUT_DEPLOY]);
    const annotations = annotationFrames([CHECKOUT_DEPLOY]);
    const exemplars = seriesFrames(
      { checkout: CHECKOUT },
      { exemplars: [{ time: at(36), traceId: 'a', amount: 1 }] },
    );
    expect(frames.map(frameKind)).toEqual(['series', 'series', 'series', 'series', 'series']);
    expect(frameKind(exemplars[5]!)).toBe('exemplars');
    expect(frameKind(events[0]!)).toBe('events');
    expect(frameKind(annotations[0]!)).toBe('annotations');
    expect(dataFrames([...exemplars, ...events, ...annotations])).toHaveLength(5);
  });

  it('a wide frame (another data source) with the same field names works too', () => {
    const wide = toDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [at(0), at(10)] },
        { name: 'actual', type: FieldType.number, values: [2, 3] },
        { name: 'expected', type: FieldType.number, values: [2, 2] },
      ],
    });
    const [s] = readSeries([wide]);
    expect(s!.title).toBe('Spend');
    expect(s!.stepMs).toBe(10 * 60_000);
    expect(s!.points.map((p) => [p.actual, p.expected, p.score])).toEqual([
      [2, 2, null],
      [3, 2, null],
    ]);
  });

  it('keys and titles of label sets', () => {
    expect(seriesKey({ service: 'checkout', currency: 'USD' })).toBe('currency=USD,service=checkout');
    expect(seriesKey(undefined)).toBe('');
    expect(seriesTitle({ currency: 'EUR', tenant: 'acme', region: 'eu' })).toBe('acme · eu · EUR');
  });
});

describe('choosing the series', () => {
  const frames = seriesFrames({
    search: [bucket(0, 1, 0.2), bucket(5, 1, 0.3)],
    checkout: [bucket(0, 1, 0.2), bucket(5, 6, 0.99)],
    cart: [bucket(0, 1, 0.1), bucket(5, 1, 0.5)],
  });
  const all = readSeries(frames);

  it('the highest score by default, the option (key or title) when it names one', () => {
    expect(all.map((s) => s.title)).toEqual(['search · USD', 'checkout · USD', 'cart · USD']);
    expect(selectSeries(all, '')!.title).toBe('checkout · USD');
    expect(selectSeries(all, 'currency=USD,service=cart')!.title).toBe('cart · USD');
    expect(selectSeries(all, 'search · USD')!.title).toBe('search · USD');
    expect(selectSeries(all, 'gone')!.title).toBe('checkout · USD');
    expect(selectSeries([], '')).toBeUndefined();
  });

  it('choices for the option', () => {
    expect(seriesChoices(frames)).toEqual([
      { value: 'currency=USD,service=search', label: 'search · USD' },
      { value: 'currency=USD,service=checkout', label: 'checkout · USD' },
      { value: 'currency=USD,service=cart', label: 'cart · USD' },
    ]);
    expect(seriesChoices(undefined)).toEqual([]);
  });
});

describe('events and deploys', () => {
  const frames = [
    ...seriesFrames({ checkout: CHECKOUT }),
    ...eventsFrames(CHECKOUT_EVENTS, [CHECKOUT_DEPLOY]),
  ];

  it('anomaly events at or above the threshold, with their traces, Tempo and the deploy before them', () => {
    const model = buildModel(frames, annotationFrames([CHECKOUT_DEPLOY]), opts);
    expect(model.hiddenAnomalies).toBe(1);
    expect(model.anomalies).toHaveLength(1);
    const a = model.anomalies[0]!;
    expect(a).toMatchObject({
      kind: 'anomaly',
      time: at(35),
      // Back under the threshold at 10:50.
      end: at(50),
      score: 0.99,
      title: 'Cost anomaly: service checkout',
      traceIds: [...TRACES],
      tempoUid: 'tempo-uid',
      source: 'events',
    });
    expect(a.deploys.map((d) => d.id)).toEqual([model.deploys[0]!.id]);
    // The deploy is in the events table and in the annotations: one marker, versions from the table.
    expect(model.deploys).toHaveLength(1);
    expect(model.deploys[0]).toMatchObject({
      time: at(25),
      service: 'checkout',
      version: '1.1.0',
      previousVersion: '1.0.0',
      env: 'prod',
      team: 'payments',
    });
  });

  it('a lower threshold shows the event scored 0.6; showDeploys off hides deploys', () => {
    const model = buildModel(frames, undefined, { ...opts, threshold: 0.5, showDeploys: false });
    expect(model.anomalies.map((a) => a.score)).toEqual([0.6, 0.99]);
    expect(model.hiddenAnomalies).toBe(0);
    expect(model.deploys).toEqual([]);
    // Still the deploy before the anomaly, for its tooltip and menu.
    expect(model.anomalies[1]!.deploys).toHaveLength(1);
  });

  it('deploys from annotations alone: versions from the title, service from the tags', () => {
    const model = buildModel(seriesFrames({ checkout: CHECKOUT }), annotationFrames([CHECKOUT_DEPLOY]), opts);
    expect(model.deploys).toEqual([
      expect.objectContaining({
        service: 'checkout',
        version: '1.1.0',
        previousVersion: '1.0.0',
        env: 'prod',
      }),
    ]);
  });

  it('anomaly annotations: trace IDs from the text, the events table wins for the same event', () => {
    const annotations = annotationFrames([], [{ m: 35, score: 0.99, traceIds: TRACES }]);
    const fromAnnotations = buildModel(seriesFrames({ checkout: CHECKOUT }), annotations, opts);
    expect(fromAnnotations.anomalies).toHaveLength(1);
    expect(fromAnnotations.anomalies[0]).toMatchObject({
      source: 'annotations',
      traceIds: [...TRACES],
      score: null,
    });
    const both = buildModel(frames, annotations, opts);
    expect(both.anomalies.map((a) => a.source)).toEqual(['events']);
  });

  it('events and deploys of other series are not shown', () => {
    const other = [
      ...seriesFrames({ checkout: CHECKOUT }),
      ...eventsFrames(
        [
          { m: 35, score: 0.99, traceIds: TRACES, service: 'search' },
          { m: 40, score: 0.95, traceIds: [], service: '', tenant: 'acme' },
        ],
        [{ ...CHECKOUT_DEPLOY, service: 'search' }],
      ),
    ];
    const model = buildModel(other, undefined, opts);
    expect(model.anomalies).toEqual([]);
    expect(model.deploys).toEqual([]);
  });

  it('without trace IDs of its own, an event offers the costliest exemplars of its episode', () => {
    const exemplars = [
      { time: at(36), traceId: 'cheap', amount: 0.01 },
      { time: at(41), traceId: 'costly', amount: 2 },
      { time: at(42), traceId: 'costly', amount: 1 },
      { time: at(20), traceId: 'before', amount: 9 },
      { time: at(51), traceId: 'after', amount: 9 },
      { time: at(44), traceId: 'other-service', amount: 5, service: 'search' },
    ];
    const model = buildModel(
      [
        ...seriesFrames({ checkout: CHECKOUT }, { exemplars }),
        ...eventsFrames([{ m: 35, score: 0.99, traceIds: [] }]),
      ],
      undefined,
      opts,
    );
    expect(model.anomalies[0]!.traceIds).toEqual(['costly', 'cheap']);
    expect(model.anomalies[0]!.tempoUid).toBe('tempo-uid');
  });

  it('no event source: runs of scores at or above the threshold become the markers', () => {
    const exemplars = [{ time: at(40) + 1_000, traceId: TRACES[0], amount: 3 }];
    const model = buildModel(
      seriesFrames({ checkout: CHECKOUT }, { exemplars }),
      annotationFrames([CHECKOUT_DEPLOY]),
      opts,
    );
    expect(model.anomalies).toEqual([
      expect.objectContaining({
        source: 'scores',
        time: at(35),
        end: at(50),
        score: 0.99,
        traceIds: [TRACES[0]],
        tempoUid: 'tempo-uid',
        title: 'Cost anomaly: checkout · USD',
      }),
    ]);
    expect(
      buildModel(seriesFrames({ checkout: CHECKOUT }), undefined, { ...opts, threshold: 0.995 }).anomalies,
    ).toEqual([]);
  });
});

describe('helpers', () => {
  const [s] = readSeries(seriesFrames({ checkout: CHECKOUT }));

  it('episodes and runs', () => {
    expect(episodeEnd(s, at(35), 0.9)).toBe(at(50));
    // Still anomalous at the end of the series: one bucket after its last point.
    expect(episodeEnd(s, at(35), 0.1)).toBe(at(60));
    expect(episodeEnd(undefined, at(35), 0.9)).toBe(at(35) + DEFAULT_STEP_MS);
    expect(anomalousRuns(s!, 0.9)).toEqual([{ start: at(35), end: at(50), score: 0.99 }]);
    expect(anomalousRuns(s!, 0.98)).toEqual([{ start: at(40), end: at(45), score: 0.99 }]);
  });

  it('deploy titles, trace lines, versions', () => {
    expect(parseDeployTitle('checkout 1.0.0 → 1.1.0')).toEqual({
      service: 'checkout',
      previousVersion: '1.0.0',
      version: '1.1.0',
    });
    expect(parseDeployTitle('checkout  → 1.0.0')).toEqual({
      service: 'checkout',
      previousVersion: '',
      version: '1.0.0',
    });
    expect(parseDeployTitle('Budget reached 80%')).toBeUndefined();
    expect(tracesInText('spent 4 USD\nTraces: a, b,c')).toEqual(['a', 'b', 'c']);
    expect(tracesInText('no traces')).toEqual([]);
    expect(versionChange({ version: '1.1.0', previousVersion: '1.0.0' })).toBe('1.0.0 → 1.1.0');
    expect(versionChange({ version: '1.1.0', previousVersion: '' })).toBe('1.1.0');
  });

  it('matching events and deploys to a series', () => {
    expect(
      anomalyMatches({ service: 'checkout', currency: 'USD' }, { service: 'checkout', currency: 'USD' }),
    ).toBe(true);
    expect(
      anomalyMatches({ service: 'checkout', currency: 'EUR' }, { service: 'checkout', currency: 'USD' }),
    ).toBe(false);
    expect(anomalyMatches({ tenant: 'acme' }, { service: 'checkout' })).toBe(false);
    expect(anomalyMatches({ tenant: 'acme' }, {})).toBe(true);
    expect(deployMatches({ service: 'checkout', team: 'payments' }, { tenant: 'acme' })).toBe(true);
    expect(deployMatches({ service: 'checkout', team: 'payments' }, { team: 'search' })).toBe(false);
  });
});
