/**
 * The demo's summary: what it reads back from InfluxDB (spend per tenant, the deploy), what the final
 * signals evaluation wrote (burn rates, unknown attribution, anomalies — the same objects that were encoded
 * and stored), and what import, reconcile, report and the renderer produced. Printed as a terminal summary,
 * and written as JSON (`--json FILE`, and `summary.json` in the output directory) with money as exact
 * nano-unit integers in strings.
 *
 * @packageDocumentation
 */
import type { FieldValue } from '../influx/line-protocol';
import { influxql } from '../influx/influxql';
import { seriesRows, toBigInt } from '../influx/query-result';
import type { InfluxStore } from '../influx/store';
import type { SignalsReport } from '../signals/evaluate';
import { topUnattributedSources } from '../signals/unknown';
import { nanoDecimal } from './provider-export';
import type { PhaseTiming } from './progress';

/** Spend of one tenant in one currency. */
export interface TenantSpend {
  tenant: string;
  currency: string;
  /** Exact, integer nano-units of `currency`. */
  amountNano: string;
  /** The same, as decimal text. */
  amount: string;
  events: number;
}

/** One budget at the final evaluation. */
export interface BudgetSummary {
  budget: string;
  /** `team=payments`, `tenant=acme`. */
  scope: string;
  amount: string;
  currency: string;
  /** Burn rate per window (`5m` … `3d`): the stored `cost_signal signal=burn_rate` values. */
  burn: Record<string, number>;
  projectedRatio: number | null;
  /** `page` when the page rule fires, else `ticket` when the ticket rule does, else `ok`. */
  status: 'page' | 'ticket' | 'ok';
  flags: { page: boolean; ticket: boolean; warn: boolean; escalate: boolean };
}

/** One unknown-attribution ratio at the final evaluation (`cost_signal signal=unknown_ratio`). */
export interface UnknownSummary {
  window: string;
  source: string;
  currency: string;
  ratio: number;
  unknownNano: string;
  totalNano: string;
}

/** One anomaly event of the final evaluation (`cost_event kind=anomaly`). */
export interface AnomalySummary {
  dimension: string;
  value: string;
  currency: string;
  score: number;
  /** The episode's first bucket (the event's time), epoch ms. */
  sinceMs: number;
  traceIds: string[];
  /** How many of `traceIds` are spans of the runaway the demo sent. */
  runawayTraces: number;
  deployVersions: string[];
  deploys: string;
  text: string;
}

/** A `service.version` change serve recorded (`cost_event kind=deploy`). */
export interface DeploySummary {
  service: string;
  previousVersion: string;
  version: string;
  timeMs: number;
}

/** Everything the demo reports. */
export interface DemoSummary {
  influx: { url: string; database: string; kept: boolean };
  /** The story's times (epoch ms). */
  story: {
    historyFromMs: number;
    replayFromMs: number;
    liveFromMs: number;
    deployMs: number;
    newServiceMs: number;
    runawayMs: number;
    endMs: number;
  };
  /** What the demo services sent through serve. */
  traffic: {
    spans: number;
    replayed: number;
    live: number;
    runaway: number;
    unowned: number;
    otlpRequests: number;
    historyPoints: number;
  };
  /** Spend per tenant over `[fromMs, toMs)`: everything sent through serve. */
  spend: {
    fromMs: number;
    toMs: number;
    tenants: TenantSpend[];
    totals: { currency: string; amountNano: string; amount: string }[];
    events: number;
  };
  /** The final signals evaluation time (aligned to the minute). */
  evaluatedAtMs: number;
  /** Signals evaluations written before it (every 5 minutes over the replay). */
  backfilledEvaluations: number;
  budgets: BudgetSummary[];
  unknown: UnknownSummary[];
  topUnknownSources: { service: string; sku: string; currency: string; amountNano: string }[];
  anomalies: AnomalySummary[];
  deploys: DeploySummary[];
  providerExport?: {
    file: string;
    rows: number;
    rejected: number;
    points: number;
    firstDay: string;
    lastDay: string;
    billed: { currency: string; amount: string }[];
    unknownShare: { currency: string; ratio: number }[];
  };
  reconcile?: {
    from: string;
    to: string;
    threshold: string;
    exitCode: number;
    days: number;
    daysOver: string[];
    worst?: { day: string; driftPercent: string; billed: string; modelled: string; currency: string };
    file: string;
  };
  report?: { dir: string; period: string; files: string[] };
  images: { file: string; width: number; height: number; bytes: number; title: string }[];
  phases: PhaseTiming[];
}

// ------------------------------------------------------------------------------------------- reading

function num(v: FieldValue | null | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && v.kind === 'int') return Number(v.value);
  return undefined;
}

function intText(v: FieldValue | null | undefined): string {
  if (typeof v === 'bigint') return v.toString();
  if (v !== null && typeof v === 'object' && v.kind === 'int') return v.value.toString();
  if (typeof v === 'number') return String(v);
  return '0';
}

/** Spend per tenant and currency over `[fromMs, toMs)`, exact. */
export async function querySpendPerTenant(
  store: InfluxStore,
  fromMs: number,
  toMs: number,
): Promise<DemoSummary['spend']> {
  const q = influxql`SELECT SUM("amount_nano") AS "amount_nano", SUM("events") AS "events" FROM "cost" WHERE time >= ${new Date(fromMs)} AND time < ${new Date(toMs)} GROUP BY "tenant", "currency"`;
  const tenants: TenantSpend[] = [];
  const totals = new Map<string, bigint>();
  let events = 0;
  for (const result of await store.query(q, { epoch: 'ms' })) {
    for (const s of result.series) {
      for (const r of seriesRows(s)) {
        const nano = toBigInt(r.amount_nano ?? 0);
        const currency = String(r.currency ?? '');
        tenants.push({
          tenant: String(r.tenant ?? ''),
          currency,
          amountNano: nano.toString(),
          amount: nanoDecimal(nano),
          events: Number(r.events ?? 0),
        });
        totals.set(currency, (totals.get(currency) ?? 0n) + nano);
        events += Number(r.events ?? 0);
      }
    }
  }
  tenants.sort((a, b) => {
    const d = BigInt(b.amountNano) - BigInt(a.amountNano);
    return a.currency.localeCompare(b.currency) || (d > 0n ? 1 : d < 0n ? -1 : 0);
  });
  return {
    fromMs,
    toMs,
    tenants,
    totals: [...totals].map(([currency, n]) => ({
      currency,
      amountNano: n.toString(),
      amount: nanoDecimal(n),
    })),
    events,
  };
}

/** The deploys serve recorded in `[fromMs, toMs)`. */
export async function queryDeploys(
  store: InfluxStore,
  fromMs: number,
  toMs: number,
): Promise<DeploySummary[]> {
  const q = influxql`SELECT "version", "previous_version", "service" FROM "cost_event" WHERE "kind" = 'deploy' AND time >= ${new Date(fromMs)} AND time < ${new Date(toMs)}`;
  const out: DeploySummary[] = [];
  for (const result of await store.query(q, { epoch: 'ms' })) {
    for (const s of result.series) {
      for (const r of seriesRows(s)) {
        out.push({
          service: String(r.service ?? ''),
          previousVersion: String(r.previous_version ?? ''),
          version: String(r.version ?? ''),
          timeMs: Number(r.time),
        });
      }
    }
  }
  return out.sort((a, b) => a.timeMs - b.timeMs);
}

/** Budgets, unknown ratios and anomalies of the final evaluation's points (what was stored). */
export function signalsOf(
  report: SignalsReport,
  budgets: readonly {
    name: string;
    scope: Record<string, string | undefined>;
    amount: string;
    currency: string;
  }[],
  runawayTraceIds: ReadonlySet<string>,
): Pick<DemoSummary, 'budgets' | 'unknown' | 'anomalies'> {
  const out: Pick<DemoSummary, 'budgets' | 'unknown' | 'anomalies'> = {
    budgets: [],
    unknown: [],
    anomalies: [],
  };
  for (const b of budgets) {
    const scope = Object.entries(b.scope)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const burn: Record<string, number> = {};
    let projectedRatio: number | null = null;
    const flags = { page: false, ticket: false, warn: false, escalate: false };
    for (const p of report.points) {
      if (p.measurement !== 'cost_signal' || p.tags?.budget !== b.name) continue;
      if (p.tags.signal === 'burn_rate') burn[p.tags.window ?? ''] = num(p.fields.value) ?? NaN;
      if (p.tags.signal === 'projected_ratio') {
        projectedRatio = num(p.fields.value) ?? null;
        for (const f of ['page', 'ticket', 'warn', 'escalate'] as const) flags[f] = p.fields[f] === true;
      }
    }
    out.budgets.push({
      budget: b.name,
      scope,
      amount: b.amount,
      currency: b.currency,
      burn,
      projectedRatio,
      status: flags.page ? 'page' : flags.ticket ? 'ticket' : 'ok',
      flags,
    });
  }
  for (const p of report.points) {
    if (p.measurement === 'cost_signal' && p.tags?.signal === 'unknown_ratio') {
      out.unknown.push({
        window: p.tags.window ?? '',
        source: p.tags.source ?? '',
        currency: p.tags.currency ?? '',
        ratio: num(p.fields.value) ?? NaN,
        unknownNano: intText(p.fields.unknown_nano),
        totalNano: intText(p.fields.total_nano),
      });
    }
    if (p.measurement === 'cost_event' && p.tags?.kind === 'anomaly') {
      const dimension = ['service', 'team', 'tenant'].find((d) => p.tags?.[d] !== undefined) ?? '';
      const traceIds = String(p.fields.trace_ids ?? '')
        .split(',')
        .filter((t) => t !== '');
      out.anomalies.push({
        dimension,
        value: p.tags[dimension] ?? '',
        currency: p.tags.currency ?? '',
        score: num(p.fields.score) ?? NaN,
        sinceMs: p.time,
        traceIds,
        runawayTraces: traceIds.filter((t) => runawayTraceIds.has(t)).length,
        deployVersions: String(p.fields.deploy_versions ?? '')
          .split(',')
          .filter((v) => v !== ''),
        deploys: String(p.fields.deploys ?? ''),
        text: String(p.fields.text ?? ''),
      });
    }
  }
  const order = { service: 0, team: 1, tenant: 2 } as Record<string, number>;
  out.anomalies.sort(
    (a, b) => (order[a.dimension] ?? 9) - (order[b.dimension] ?? 9) || a.value.localeCompare(b.value),
  );
  return out;
}

/** The top unattributed telemetry sources of the hour before `atMs`. */
export async function topUnknown(
  store: InfluxStore,
  atMs: number,
): Promise<DemoSummary['topUnknownSources']> {
  const top = await topUnattributedSources(
    store,
    { fromMs: atMs - 3_600_000, toMs: atMs },
    {
      source: 'telemetry',
      limit: 3,
    },
  );
  return top.map((s) => ({
    service: s.tags.service ?? '',
    sku: s.tags.sku ?? '',
    currency: s.currency,
    amountNano: s.amountNano.toString(),
  }));
}

// ------------------------------------------------------------------------------------------- printing

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
const pct = (r: number): string => `${(r * 100).toFixed(2)}%`;

function table(rows: string[][], right: ReadonlySet<number>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map(
      (r) =>
        '  ' +
        r
          .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

function burnText(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** The terminal summary. */
export function formatSummary(s: DemoSummary, paths: { out: string; rel: (p: string) => string }): string {
  const out: string[] = [];
  const { story } = s;
  const liveS = Math.round((story.endMs - story.liveFromMs) / 1000);
  out.push(
    '',
    `Meterline demo — ${new Date(story.replayFromMs).toISOString().slice(0, 10)} ${hhmm(story.replayFromMs)}–${hhmm(story.endMs)} UTC`,
    `  ${s.traffic.spans.toLocaleString('en-US')} spans from the OTel SDK through meterline serve: ` +
      `${Math.round((story.liveFromMs - story.replayFromMs) / 60_000)} minutes replayed, then ${liveS} s live ` +
      `(after 14 days of history, ${s.traffic.historyPoints.toLocaleString('en-US')} points)`,
    `  InfluxDB ${s.influx.url}, database ${s.influx.database}`,
    '',
    `Spend per tenant, ${hhmm(s.spend.fromMs)}–${hhmm(s.spend.toMs)} UTC (measurement cost, exact):`,
  );
  const spendRows = [['tenant', 'amount', 'currency', 'events']];
  for (const t of s.spend.tenants) spendRows.push([t.tenant, t.amount, t.currency, String(t.events)]);
  for (const t of s.spend.totals) spendRows.push(['total', t.amount, t.currency, '']);
  out.push(table(spendRows, new Set([1, 3])), '');

  out.push(
    `Budgets at ${hhmm(s.evaluatedAtMs)} UTC — burn rate per window, 1 = on pace ` +
      '(page: 1h and 5m > 14.4; ticket: 3d and 6h > 1):',
  );
  const windows = ['5m', '1h', '6h', '1d', '3d'];
  const budgetRows = [['budget', 'scope', 'amount', ...windows, 'status']];
  for (const b of s.budgets) {
    const extra =
      b.status === 'ok' && (b.flags.escalate || b.flags.warn)
        ? b.flags.escalate
          ? ' (escalate)'
          : ' (warn)'
        : '';
    budgetRows.push([
      b.budget,
      b.scope,
      `${b.amount} ${b.currency}/month`,
      ...windows.map((w) => burnText(b.burn[w])),
      b.status.toUpperCase() + extra,
    ]);
  }
  out.push(table(budgetRows, new Set([3, 4, 5, 6, 7])), '');

  const tel = (w: string) => s.unknown.find((u) => u.window === w && u.source === 'telemetry');
  const h1 = tel('1h');
  const d1 = tel('1d');
  out.push(
    `Unknown attribution (telemetry${h1 ? `, ${h1.currency}` : ''}): ` +
      `${h1 ? pct(h1.ratio) : '–'} of the last hour, ${d1 ? pct(d1.ratio) : '–'} of the last day (target < 5%)`,
  );
  if (s.topUnknownSources.length > 0) {
    out.push(
      '  top unattributed sources, last hour: ' +
        s.topUnknownSources
          .map((t) => `${t.service} ${t.sku} ${nanoDecimal(BigInt(t.amountNano))} ${t.currency}`)
          .join('; '),
    );
  }
  out.push('');

  for (const d of s.deploys) {
    out.push(
      `Deploy: ${d.service} ${d.previousVersion} → ${d.version} at ${hhmm(d.timeMs)} UTC (cost_event kind=deploy)`,
    );
  }
  if (s.anomalies.length === 0) out.push('Anomalies: none in the last complete 5-minute bucket.');
  else out.push('Anomalies (5-minute spend, score ≥ 0.9; cost_event kind=anomaly):');
  for (const a of s.anomalies) {
    const deploys = a.deploys.replace(/\d{4}-\d\d-\d\dT(\d\d:\d\d):\d\d(\.\d+)?Z/g, '$1 UTC');
    out.push(
      `  ${a.dimension} ${a.value}: score ${a.score.toFixed(3)} since ${hhmm(a.sinceMs)} UTC` +
        (deploys === '' ? '' : `; deploys before it: ${deploys}`),
    );
    if (a.traceIds.length > 0) {
      const shownIds = a.traceIds.slice(0, 3);
      const more = a.traceIds.length - shownIds.length;
      out.push(`    costliest traces: ${shownIds.join(' ')}${more > 0 ? ` (+${more} in summary.json)` : ''}`);
    }
  }
  out.push('');

  if (s.providerExport !== undefined) {
    const p = s.providerExport;
    const billed = p.billed.map((b) => `${b.amount} ${b.currency}`).join(', ');
    const unknown = p.unknownShare.map((u) => pct(u.ratio)).join(', ');
    out.push(
      `Provider bill (FOCUS 1.0, ${p.firstDay} … ${p.lastDay}): ${paths.rel(p.file)}: ${p.rows} rows imported` +
        `${p.rejected > 0 ? ` (${p.rejected} rejected)` : ''}, ${billed} billed, ${unknown} unattributed`,
    );
  }
  if (s.reconcile !== undefined) {
    const r = s.reconcile;
    const over =
      r.daysOver.length === 0
        ? 'every day within it'
        : `${r.daysOver.length} day${r.daysOver.length === 1 ? '' : 's'} over it` +
          (r.worst
            ? `: ${r.worst.day} billed ${r.worst.billed} ${r.worst.currency} against ${r.worst.modelled} modelled (drift ${r.worst.driftPercent}%)`
            : '');
    out.push(
      `Reconciliation ${r.from} … ${r.to} (drift threshold ${pct(Number(r.threshold))}): ${r.days} days, ${over}`,
    );
  }
  if (s.report !== undefined) {
    out.push(
      `Billing report ${s.report.period} (by tenant): ${paths.rel(s.report.dir)}/ — ${s.report.files.join(', ')}`,
    );
  }
  if (s.images.length > 0) {
    out.push(`Panels: ${s.images.map((i) => paths.rel(i.file)).join(', ')}`);
  }
  out.push(`Summary as JSON: ${paths.rel(`${paths.out}/summary.json`)}`, '');
  return out.join('\n') + '\n';
}
