/**
 * Entry point of the forwarding thread started by {@link ForwardThread}: splices the `cost.*` attributes
 * into received trace bodies and runs the {@link OtlpForwarder} (HTTP client, retry queues), so none of
 * that competes with pricing on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { addCollectedAttributes } from '../engine/cost-engine';
import { decodeRequest } from '../ingest/decode-request';
import { encodeTracesProtobuf } from '../otlp/encode';
import type { TracesRequest } from '../otlp/model';
import { expandSpanCostRecords, type SpanCostRecords } from '../engine/span-cost-records';
import { SpliceError, spliceSpanAttributes } from '../otlp/splice';
import type { ForwardWorkerData, FromForwardWorker, ToForwardWorker } from './forward-messages';
import { OtlpForwarder } from './otlp-forwarder';

const port = parentPort!;
const data = workerData as ForwardWorkerData;
const post = (m: FromForwardWorker): void => port.postMessage(m);

const forwarder = new OtlpForwarder(data.targets, {
  maxQueueBytes: data.maxQueueBytes,
  maxAgeMs: data.maxAgeMs,
  concurrency: data.concurrency,
  logger: { warn: (obj, msg) => post({ t: 'log', level: 'warn', obj, msg }) },
});

// Counters go back coalesced (at most every 25 ms), not one message per request.
let takenBytes = 0;
let recordBuffers: ArrayBuffer[] = [];
let reportTimer: NodeJS.Timeout | undefined;
function sendReport(): void {
  const buffers = recordBuffers;
  port.postMessage(
    {
      t: 'stats',
      stats: { ...forwarder.stats },
      takenBytes,
      recordBuffers: buffers,
    } satisfies FromForwardWorker,
    buffers,
  );
  takenBytes = 0;
  recordBuffers = [];
}
function report(): void {
  if (reportTimer !== undefined) return;
  reportTimer = setTimeout(() => {
    reportTimer = undefined;
    sendReport();
  }, 25);
}
forwarder.onChange = report;

/** Where the records are expanded (reused: `spliceSpanAttributes` copies them into a new body). */
let expandBuffer: Uint8Array = new Uint8Array(256 * 1024);

/** The body with the records spliced in; re-encoded from a full decode if it cannot be spliced. */
function spliced(body: Uint8Array, added: SpanCostRecords, recvTimeMs: number): Uint8Array {
  const packed = expandSpanCostRecords(added, expandBuffer);
  // It grew: keep the bigger buffer for the next request.
  if (packed.records.buffer !== expandBuffer.buffer) expandBuffer = new Uint8Array(packed.records.buffer);
  try {
    return spliceSpanAttributes(body, packed);
  } catch (err) {
    if (!(err instanceof SpliceError)) throw err;
    post({
      t: 'log',
      level: 'warn',
      obj: { err: err.message },
      msg: 'could not splice cost attributes: re-encoding the request',
    });
    const request = decodeRequest('traces', 'protobuf', body, recvTimeMs).request as TracesRequest;
    addCollectedAttributes(request, packed);
    return encodeTracesProtobuf(request);
  }
}

port.on('message', (m: ToForwardWorker) => {
  if (m.t === 'close') {
    void forwarder.close(m.timeoutMs).then((ok) => {
      clearTimeout(reportTimer);
      sendReport();
      post({ t: 'closed', ok, stats: { ...forwarder.stats } });
    });
    return;
  }
  try {
    if (m.t === 'encoded') {
      takenBytes += m.body.byteLength;
      forwarder.enqueueEncoded(m.signal, m.body);
    } else {
      takenBytes += m.body.byteLength + m.ops.byteLength + m.dict.byteLength;
      forwarder.enqueueEncoded('traces', spliced(m.body, m, m.recvTimeMs));
      // Spliced (a copy): the records' buffers go back to the main thread's engine for reuse.
      if (recordBuffers.length < 64)
        recordBuffers.push(m.ops.buffer as ArrayBuffer, m.dict.buffer as ArrayBuffer);
    }
  } catch (err) {
    // One request that cannot be forwarded never stops the thread: it is counted and logged.
    forwarder.stats.dropped++;
    post({
      t: 'log',
      level: 'error',
      obj: { err: (err as Error).message },
      msg: 'forwarding a request failed: dropped',
    });
  }
  report();
});
