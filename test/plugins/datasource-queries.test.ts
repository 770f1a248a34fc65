/**
 * The data source's query types against a real InfluxDB filled by meterline itself: the runaway scenario
 * (test/support/runaway.ts: history, then real OTel SDK spans through a real `meterline serve`, a deploy and
 * a runaway autoscaler), signals evaluated by `runSignals`. Expected money is computed here from what was
 * sent (requests per minute, span durations, the catalog's prices), in BigInt, never by the code under test.
 * Values that meterline derived itself (burn rates, scores) are compared with the stored points, read with a
 * plain InfluxQL statement of this test.
 *
 * Grafana's server is not here: the data source's requests to `<proxy>/influx-none/…` go straight to
 * influxd (the route without credentials), and template variables come from a small map.
 */
import type { DataFrame } from '@grafana/data';
import { createInfluxStore } from '../../otel-processor/src/influx/store';
import { runSignals } from '../../otel-processor/src/signals/evaluate';
import {
  REQUEST_COMPUTE_NANO,
  REQUEST_NANO,
  RUNAWAY_BUDGET,
  RUNAWAY_SERVICE,
  RUNAWAY_SPANS_PER_MINUTE,
  RUNAWAY_TENANT,
  VERSION_AFTER,
  VERSION_BEFORE,
  ordinaryRequests,
  setUpRunawayScenario,
  type RunawayScenario,
} from '../support/runaway';
import {
  MIN,
  decimal,
  directDataSource,
  fieldOf,
  labelsOf,
  request,
  runQuery,
  timeField,
  valueField,
} from '../support/datasource-direct';
import type { DataSource } from '../../datasource-plugin/src/datasource';
import type { MeterlineQuery, MeterlineVariableQuery } from '../../datasource-plugin/src/types';

let scenario: RunawayScenario;
let ds: DataSource;
const vars: Record<string, string | string[]> = {};

const run = (target: Partial<MeterlineQuery>, fromMs: number, toMs: number) =>
  runQuery(ds, target, fromMs, toMs);

/** Seconds of the i-th runaway span of a minute (the scenario's child sends 30–90 s spans). */
const runawaySeconds = (i: number) => 30 + ((i * 37) % 61);

/** What serve priced in the minute starting at `m`: ordinary requests, plus the runaway from its start. */
function expectedMinuteNano(m: number): bigint {
  const n = BigInt(ordinaryRequests(m));
  let total = n * (REQUEST_NANO + REQUEST_COMPUTE_NANO);
  if (m >= scenario.incidentMs)
    for (let i = 0; i < RUNAWAY_SPANS_PER_MINUTE; i++)
      total += REQUEST_NANO + BigInt(runawaySeconds(i)) * 200_000n;
  return total;
}

function expectedRequests(m: number): bigint {
  return BigInt(ordinaryRequests(m)) + (m >= scenario.incidentMs ? BigInt(RUNAWAY_SPANS_PER_MINUTE) : 0n);
}

async function stored(q: string): Promise<Array<Record<string, unknown>>> {
  const json = await scenario.influx.query(q, scenario.database);
  return (json.results[0]?.series ?? []).flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  );
}

beforeAll(async () => {
  scenario = await setUpRunawayScenario();
  const store = createInfluxStore(scenario.config.influx!);
  try {
    const report = await runSignals(store, scenario.config, scenario.afterMs);
    expect(report.errors).toEqual([]);
  } finally {
    await store.close();
  }
  ds = directDataSource(
    scenario.influx.url,
    { database: scenario.database, defaultCurrency: 'USD', tempoUid: 'tempo' },
    vars,
  );
}, 180_000);

afterAll(async () => {
  await scenario?.stop();
});

beforeEach(() => {
  vars.service = RUNAWAY_SERVICE;
});

describe('spend', () => {
  it('per minute, exactly what serve priced from the spans sent', async () => {
    const frames = await run(
      {
        queryType: 'spend',
        groupBy: ['service'],
        filters: [{ key: 'service', operator: '=', value: '$service' }],
        interval: '1m',
      },
      scenario.serveFromMs,
      scenario.t0 - 1,
    );
    expect(frames).toHaveLength(1);
    const frame = frames[0]!;
    expect(labelsOf(frame)).toMatchObject({ service: RUNAWAY_SERVICE, currency: 'USD' });
    const times = timeField(frame).values as number[];
    const values = valueField(frame).values as number[];
    expect(times).toHaveLength(40);
    times.forEach((t, i) => {
      expect(values[i]).toBe(decimal(expectedMinuteNano(t)));
    });
    expect(valueField(frame).config.unit).toMatch(/USD/);
  });

  it('cumulative: the running total ends at the exact sum', async () => {
    const frames = await run(
      { queryType: 'spend', groupBy: ['service'], mode: 'cumulative', interval: '1m' },
      scenario.serveFromMs,
      scenario.t0 - 1,
    );
    let sum = 0n;
    for (let m = scenario.serveFromMs; m < scenario.t0; m += MIN) sum += expectedMinuteNano(m);
    const values = valueField(frames[0]!).values as number[];
    expect(values[values.length - 1]).toBe(decimal(sum));
  });

  it('by version: the deploy splits the spend', async () => {
    const frames = await run(
      { queryType: 'spend', groupBy: ['version'], interval: '1h' },
      scenario.serveFromMs,
      scenario.t0 - 1,
    );
    const byVersion = new Map(frames.map((f) => [labelsOf(f).version, f]));
    expect([...byVersion.keys()].sort()).toEqual([VERSION_BEFORE, VERSION_AFTER]);
    let before = 0n;
    let after = 0n;
    for (let m = scenario.serveFromMs; m < scenario.t0; m += MIN)
      if (m < scenario.deployMs) before += expectedMinuteNano(m);
      else after += expectedMinuteNano(m);
    const total = (f: DataFrame) =>
      (valueField(f).values as Array<number | null>).reduce<number>((a, v) => a + (v ?? 0), 0);
    // One or two hour buckets each: compare the sum of decimals with a nano of slack per bucket.
    expect(total(byVersion.get(VERSION_BEFORE)!)).toBeCloseTo(decimal(before), 8);
    expect(total(byVersion.get(VERSION_AFTER)!)).toBeCloseTo(decimal(after), 8);
  });

  it('a hostile variable value cannot widen the filter', async () => {
    vars.service = `${RUNAWAY_SERVICE}' OR "service" =~ /.*/ OR 'x' = 'x`;
    const frames = await run(
      {
        queryType: 'spend',
        groupBy: ['service'],
        filters: [{ key: 'service', operator: '=', value: '$service' }],
        interval: '1m',
      },
      scenario.serveFromMs,
      scenario.t0 - 1,
    );
    expect(frames.filter((f) => (valueField(f)?.values.length ?? 0) > 0)).toEqual([]);
  });
});

describe('ad-hoc filters', () => {
  it('offer the tag values that exist and narrow every query', async () => {
    const versions = await ds.getTagValues({ key: 'version', filters: [] } as never);
    expect(versions.map((v) => v.text).sort()).toEqual([VERSION_BEFORE, VERSION_AFTER]);
    const req = request(
      [
        {
          refId: 'A',
          queryType: 'spend',
          groupBy: ['version'],
          mode: 'cumulative',
          interval: '1m',
        } as MeterlineQuery,
      ],
      scenario.serveFromMs,
      scenario.t0 - 1,
    );
    req.filters = [{ key: 'version', operator: '=', value: VERSION_AFTER }];
    const response = await new Promise<{ data: DataFrame[] }>((resolve, reject) =>
      ds.query(req).subscribe({ next: (r) => resolve(r as never), error: reject }),
    );
    expect(response.data.map((f) => labelsOf(f).version)).toEqual([VERSION_AFTER]);
    let after = 0n;
    for (let m = scenario.deployMs; m < scenario.t0; m += MIN) after += expectedMinuteNano(m);
    const values = valueField(response.data[0]!).values as number[];
    expect(values[values.length - 1]).toBe(decimal(after));
  });
});

describe('cost per transaction', () => {
  it('spend divided by the request count, per minute', async () => {
    const frames = await run(
      { queryType: 'perTransaction', service: '$service', requestSku: 'api.requests', interval: '1m' },
      scenario.serveFromMs,
      scenario.t0 - 1,
    );
    expect(frames).toHaveLength(1);
    const times = timeField(frames[0]!).values as number[];
    const values = valueField(frames[0]!).values as number[];
    expect(times).toHaveLength(40);
    times.forEach((t, i) => {
      const total = expectedMinuteNano(t);
      const requests = expectedRequests(t);
      expect(values[i]).toBeCloseTo(Number(total) / Number(requests) / 1e9, 9);
    });
  });
});

describe('burn rate and budgets', () => {
  it('reads the burn rates, projection and budget meterline signals wrote', async () => {
    const frames = await run(
      { queryType: 'burn', budget: RUNAWAY_BUDGET, windows: ['1h', '6h'] },
      scenario.afterMs - 10 * MIN,
      scenario.afterMs + MIN,
    );
    const burn1h = frames.find((f) => labelsOf(f).window === '1h' && labelsOf(f).budget === RUNAWAY_BUDGET);
    expect(burn1h).toBeDefined();
    const [storedBurn] = await stored(
      `SELECT "value" FROM "cost_signal" WHERE "signal" = 'burn_rate' AND "window" = '1h' AND "budget" = '${RUNAWAY_BUDGET}' AND time = ${scenario.afterMs}ms`,
    );
    const values = (valueField(burn1h!).values as Array<number | null>).filter((v) => v !== null);
    expect(values[values.length - 1]).toBe(storedBurn!.value);
    expect(storedBurn!.value as number).toBeGreaterThan(14.4);
    const budgetAmount = frames
      .flatMap((f) => f.fields)
      .find(
        (f) =>
          f.type === 'number' &&
          /budget/i.test(f.config.displayNameFromDS ?? f.name) &&
          !/burn/i.test(f.name),
      );
    expect(budgetAmount).toBeDefined();
    expect((budgetAmount!.values as number[]).filter((v) => v !== null).pop()).toBe(900);
  });
});

describe('anomalies', () => {
  it('score series of the service reaches the threshold after the runaway', async () => {
    const frames = await run(
      { queryType: 'anomalies', anomalyView: 'series', dimension: 'service', dimensionValue: '$service' },
      scenario.afterMs - 30 * MIN,
      scenario.afterMs + MIN,
    );
    const score = frames.flatMap((f) => f.fields).find((f) => f.type === 'number' && /score/i.test(f.name));
    expect(score).toBeDefined();
    const max = Math.max(...(score!.values as Array<number | null>).map((v) => v ?? 0));
    expect(max).toBeGreaterThan(0.99);
  });

  it('events: the anomaly with the runaway traces (linked to Tempo) and the deploy', async () => {
    const frames = await run(
      { queryType: 'anomalies', anomalyView: 'events', dimension: 'service' },
      scenario.serveFromMs,
      scenario.afterMs + MIN,
    );
    const fields = frames.flatMap((f) => f.fields);
    const traceField = fields.find((f) => /trace/i.test(f.name) && f.type === 'string');
    expect(traceField).toBeDefined();
    const ids = (traceField!.values as string[]).filter(Boolean);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(scenario.runawayTraceIds.has(id)).toBe(true);
    expect(traceField!.config.links?.[0]?.internal?.datasourceUid).toBe('tempo');
    const versions = fields.filter((f) => /version/i.test(f.name)).flatMap((f) => f.values as unknown[]);
    expect(versions).toContain(VERSION_AFTER);
  });
});

describe('top costly traces', () => {
  it('the costliest exemplars are runaway spans, most expensive first, linked to Tempo', async () => {
    const frames = await run({ queryType: 'traces', limit: 5 }, scenario.serveFromMs, scenario.t0);
    const frame = frames[0]!;
    const trace = fieldOf(frame, (f) => f.name === 'trace_id' || /trace/i.test(f.name))!;
    const amount = fieldOf(frame, (f) => f.type === 'number' && /amount|cost/i.test(f.name))!;
    expect(trace.values).toHaveLength(5);
    for (const id of trace.values as string[]) expect(scenario.runawayTraceIds.has(id)).toBe(true);
    // Exemplars are per usage (service, tenant, SKU): the costliest is the compute of the longest runaway
    // span, 90 s × 0.0002 USD/s.
    expect((amount.values as number[])[0]).toBe(decimal(90n * 200_000n));
    const sorted = [...(amount.values as number[])].sort((a, b) => b - a);
    expect(amount.values).toEqual(sorted);
    expect(trace.config.links?.[0]?.internal?.query).toMatchObject({
      query: '${__value.raw}',
      queryType: 'traceql',
    });
  });
});

describe('raw InfluxQL', () => {
  it('with macros and an escaped variable', async () => {
    const frames = await run(
      {
        queryType: 'raw',
        rawFormat: 'table',
        rawQuery: `SELECT SUM("events") AS "events" FROM "cost" WHERE $timeFilter AND "service" = '$service' AND "sku" = 'api.requests'`,
      },
      scenario.serveFromMs,
      scenario.t0 - 1,
    );
    let requests = 0n;
    for (let m = scenario.serveFromMs; m < scenario.t0; m += MIN) requests += expectedRequests(m);
    const events = frames.flatMap((f) => f.fields).find((f) => f.name === 'events')!;
    expect(events.values).toEqual([Number(requests)]);
  });

  it('shows the InfluxDB error with the statement', async () => {
    await expect(
      run({ queryType: 'raw', rawQuery: 'SELECT FROM WHERE' }, scenario.serveFromMs, scenario.t0),
    ).rejects.toThrow(/SELECT FROM WHERE/);
  });
});

describe('variables and annotations', () => {
  it.each<[MeterlineVariableQuery['kind'], string]>([
    ['services', RUNAWAY_SERVICE],
    ['tenants', RUNAWAY_TENANT],
    ['budgets', RUNAWAY_BUDGET],
  ])('%s', async (kind, expected) => {
    const values = await ds.metricFindQuery({ refId: 'v', kind } as MeterlineVariableQuery);
    expect(values.map((v) => v.text)).toEqual([expected]);
  });

  it('the deploy is an annotation with both versions', async () => {
    const response = await new Promise<{ data: DataFrame[] }>((resolve, reject) =>
      ds
        .query(
          request(
            [{ refId: 'Anno', queryType: 'annotations', events: ['deploy'] } as unknown as MeterlineQuery],
            scenario.serveFromMs,
            scenario.t0,
          ),
        )
        .subscribe({ next: (r) => resolve(r as never), error: reject }),
    );
    const frame = response.data[0]!;
    const time = timeField(frame).values as number[];
    const text = fieldOf(frame, (f) => f.name === 'text' || f.name === 'title')!.values as string[];
    expect(time).toHaveLength(1);
    expect(time[0]! - scenario.deployMs).toBeGreaterThanOrEqual(0);
    expect(time[0]! - scenario.deployMs).toBeLessThan(MIN);
    expect(text[0]).toContain(VERSION_AFTER);
  });

  it('testDatasource says it is connected', async () => {
    const result = await ds.testDatasource();
    expect(result.status).toBe('success');
    expect(result.message).toContain(scenario.database);
  });
});
