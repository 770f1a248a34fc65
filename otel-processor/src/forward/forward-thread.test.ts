import { decodeTracesProtobuf } from '../otlp/decode';
import { encodeMetricsProtobuf, encodeTracesProtobuf } from '../otlp/encode';
import { stringKeyValue } from '../otlp/attributes';
import { allMetricKinds, NOW_MS, span, traces } from '../otlp/samples.fixture';
import { RecordEntry, SpanCostWriter, type SpanCostRecords } from '../engine/span-cost-records';
import { encodeSpanAttributes } from '../otlp/splice';
import { downstream, target, until } from './downstream.fixture';
import { ForwardThread } from './forward-thread';

/** The `cost.*` attributes of each forwarded span, in document order. */
function costAttributes(body: Uint8Array): Record<string, unknown>[] {
  return decodeTracesProtobuf(body).resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) =>
      ss.spans.map((s) =>
        Object.fromEntries(
          s.attributes
            .filter((kv) => kv.key.startsWith('cost.'))
            .map((kv) => [kv.key, kv.value?.stringValue]),
        ),
      ),
    ),
  );
}

const records = (tenant: string) => encodeSpanAttributes([stringKeyValue('cost.tenant', tenant)]);

/** Compact records giving each span the `cost.tenant` of `tenants` (undefined: nothing). */
function compact(tenants: readonly (string | undefined)[]): SpanCostRecords {
  const w = new SpanCostWriter(4, 4); // small buffers: they grow
  for (const tenant of tenants) {
    if (tenant === undefined) w.skip();
    else {
      w.begin();
      w.attribution(new RecordEntry(records(tenant)));
      w.end();
    }
  }
  return w.finish();
}

describe('ForwardThread', () => {
  it('splices the cost attributes into trace bodies on its thread and forwards them', async () => {
    const ds = await downstream(() => ({ status: 200 }));
    const returned: ArrayBuffer[] = [];
    const fwd = new ForwardThread([target(ds.url)], { onRecordBuffer: (b) => returned.push(b) });
    try {
      const body = encodeTracesProtobuf(traces([span(0), span(1), span(2)]));
      const added = compact(['acme', undefined, 'globex']);
      const sizes = [added.ops.buffer.byteLength, added.dict.buffer.byteLength];
      fwd.enqueueSpliced(body, added, NOW_MS);
      expect(added.ops.byteLength + added.dict.byteLength).toBe(0); // transferred
      expect(await fwd.close(5_000)).toBe(true);
      // The records' buffers came back for reuse once spliced.
      expect(returned.map((b) => b.byteLength)).toEqual(sizes);
      expect(ds.received).toHaveLength(1);
      expect(ds.received[0]!.path).toBe('/v1/traces');
      expect(costAttributes(ds.received[0]!.body)).toEqual([
        { 'cost.tenant': 'acme' },
        {},
        { 'cost.tenant': 'globex' },
      ]);
      expect(fwd.stats).toMatchObject({ sent: 1, dropped: 0, queued: 0, queuedBytes: 0 });
    } finally {
      await ds.close();
    }
  });

  it('re-encodes a body it cannot splice (span count differs from the records) instead of losing it', async () => {
    const ds = await downstream(() => ({ status: 200 }));
    const warnings: string[] = [];
    const fwd = new ForwardThread([target(ds.url)], {
      logger: { warn: (_o, msg) => warnings.push(msg), error: (_o, msg) => warnings.push(msg) },
    });
    try {
      const body = encodeTracesProtobuf(traces([span(0), span(1)]));
      fwd.enqueueSpliced(body, compact(['acme']), NOW_MS);
      expect(await fwd.close(5_000)).toBe(true);
      expect(costAttributes(ds.received[0]!.body)).toEqual([{ 'cost.tenant': 'acme' }, {}]);
      expect(warnings).toContain('could not splice cost attributes: re-encoding the request');
    } finally {
      await ds.close();
    }
  });

  it('forwards encoded bodies and models unchanged; a handed-over body is transferred, others copied', async () => {
    const ds = await downstream(() => ({ status: 200 }));
    const fwd = new ForwardThread([target(ds.url)]);
    try {
      const metrics = encodeMetricsProtobuf(allMetricKinds());
      const expected = Buffer.from(metrics).toString('hex');
      const kept = new Uint8Array(metrics);
      const handedOver = new Uint8Array(metrics);
      const pooled = Buffer.from(metrics); // small: a slice of Node's shared pool, never transferable
      fwd.enqueueEncoded('metrics', kept);
      fwd.enqueueEncoded('metrics', handedOver, true);
      fwd.enqueueEncoded('metrics', pooled, true);
      fwd.enqueue('traces', traces([span(7)]));
      expect(kept.byteLength).toBe(metrics.byteLength);
      expect(handedOver.byteLength).toBe(0); // detached: its buffer moved to the thread
      expect(pooled.toString('hex')).toBe(expected);
      expect(await fwd.close(5_000)).toBe(true);
      const byPath = (p: string) => ds.received.filter((r) => r.path === p).map((r) => r.body);
      expect(byPath('/v1/metrics').map((b) => b.toString('hex'))).toEqual([expected, expected, expected]);
      expect(
        byPath('/v1/traces').map(
          (b) => decodeTracesProtobuf(b).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name,
        ),
      ).toEqual(['span 7']);
      expect(fwd.stats.sent).toBe(4);
    } finally {
      await ds.close();
    }
  });

  it('drops and counts what exceeds maxQueueBytes while its thread is behind, never blocking the caller', async () => {
    const ds = await downstream(() => ({ status: 200 }));
    const fwd = new ForwardThread([target(ds.url)], { maxQueueBytes: 8192 });
    const body = encodeMetricsProtobuf(allMetricKinds());
    const n = 200;
    // One synchronous burst right after start: the thread (still starting) reports nothing taken meanwhile,
    // so only about 8 KiB of the 200 bodies can be handed over.
    for (let i = 0; i < n; i++) fwd.enqueueEncoded('metrics', body);
    expect(fwd.stats.dropped).toBe(n - Math.floor(8192 / body.length));
    try {
      expect(await fwd.close(5_000)).toBe(true);
      // Every request is accounted for: sent or dropped, none lost silently.
      expect(fwd.stats.sent + fwd.stats.dropped).toBe(n);
      expect(ds.received).toHaveLength(fwd.stats.sent);
    } finally {
      await ds.close();
    }
  });

  it('reports counters while running and ignores requests after close', async () => {
    const ds = await downstream(() => ({ status: 200 }));
    const fwd = new ForwardThread([target(ds.url)]);
    try {
      fwd.enqueueEncoded('metrics', encodeMetricsProtobuf(allMetricKinds()));
      await until(() => fwd.stats.sent === 1);
      expect(await fwd.close(5_000)).toBe(true);
      fwd.enqueueEncoded('metrics', Uint8Array.of(1));
      expect(ds.received).toHaveLength(1);
      expect(fwd.stats.sent).toBe(1);
    } finally {
      await ds.close();
    }
  });

  it('does nothing (and starts no thread) without targets', async () => {
    const fwd = new ForwardThread([]);
    expect(fwd.enabled).toBe(false);
    fwd.enqueueEncoded('traces', Uint8Array.of(1));
    expect(await fwd.close()).toBe(true);
    expect(fwd.stats).toEqual({ sent: 0, retried: 0, dropped: 0, queued: 0, queuedBytes: 0 });
  });
});
