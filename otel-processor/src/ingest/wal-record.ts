/**
 * What `meterline serve` writes to its WAL for one accepted request: the decompressed body as received,
 * its signal and format, and the receive time — everything the deterministic engine needs to apply it
 * again after a crash (docs/serve-durability.md).
 *
 * Layout: `[u8 version=1][u8 signal][u8 format][u8 0][f64 LE receive time ms][body]`.
 */
export interface IngestRecord {
  signal: 'traces' | 'metrics';
  format: 'protobuf' | 'json';
  recvTimeMs: number;
  body: Uint8Array;
}

const HEADER = 12;

/**
 * The record's header alone: the record is this followed by the body (`WriteAheadLog.append(header, body)`
 * writes them as one payload without copying the body).
 */
export function encodeIngestHeader(r: Omit<IngestRecord, 'body'>): Uint8Array {
  const out = Buffer.allocUnsafe(HEADER);
  out[0] = 1;
  out[1] = r.signal === 'traces' ? 0 : 1;
  out[2] = r.format === 'protobuf' ? 0 : 1;
  out[3] = 0;
  out.writeDoubleLE(r.recvTimeMs, 4);
  return out;
}

/** @throws naming the byte that is wrong, for a record this version cannot read. */
export function decodeIngestRecord(payload: Uint8Array): IngestRecord {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (buf.length < HEADER)
    throw new Error(`WAL ingest record: ${buf.length} bytes is shorter than its header`);
  if (buf[0] !== 1) throw new Error(`WAL ingest record: unknown version ${buf[0]}`);
  if (buf[1]! > 1 || buf[2]! > 1)
    throw new Error(`WAL ingest record: bad signal/format bytes ${buf[1]}/${buf[2]}`);
  return {
    signal: buf[1] === 0 ? 'traces' : 'metrics',
    format: buf[2] === 0 ? 'protobuf' : 'json',
    recvTimeMs: buf.readDoubleLE(4),
    // Copy: replay hands out views into a reused read buffer.
    body: new Uint8Array(buf.subarray(HEADER)),
  };
}
