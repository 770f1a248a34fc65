/**
 * On-disk framing of a WAL record, all little-endian:
 *
 * ```
 * [u32 payload length][u32 CRC-32C of (seq bytes + payload)][u64 seq][payload]
 * ```
 *
 * The CRC covers the sequence number so a record copied to the wrong place (or a stale block) fails
 * validation; the length is outside the CRC because it is needed to find the CRC's extent, and a bad
 * length is caught either by the bounds check or by the CRC of the bytes it points at.
 *
 * Sequence numbers are JavaScript numbers (safe integers, up to 2^53 − 1 records) stored as u64.
 *
 * @packageDocumentation
 */
import { crc32c } from './crc32c';

/** Bytes before the payload. */
export const HEADER_BYTES = 16;

const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

/** CRC-32C of a record: its 8 sequence bytes followed by the payload. */
export function recordCrc(seq: number, payload: Uint8Array): number {
  scratchView.setUint32(0, seq >>> 0, true);
  scratchView.setUint32(4, Math.floor(seq / 0x1_0000_0000), true);
  return crc32c(payload, 0, payload.length, crc32c(scratch));
}

/** Writes a record header into `out` at `offset`. */
export function writeHeader(out: Uint8Array, offset: number, seq: number, length: number, crc: number): void {
  const view = new DataView(out.buffer, out.byteOffset + offset, HEADER_BYTES);
  view.setUint32(0, length, true);
  view.setUint32(4, crc, true);
  view.setUint32(8, seq >>> 0, true);
  view.setUint32(12, Math.floor(seq / 0x1_0000_0000), true);
}

/** Encodes a whole record (header + payload) into a new buffer. */
export function encodeRecord(seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  writeHeader(out, 0, seq, payload.length, recordCrc(seq, payload));
  out.set(payload, HEADER_BYTES);
  return out;
}

/** A decoded header. `seq` is `NaN` when the stored u64 exceeds 2^53 − 1. */
export interface RecordHeader {
  length: number;
  crc: number;
  seq: number;
}

/** Reads the header at `bytes[offset…offset + 16)`. */
export function readHeader(bytes: Uint8Array, offset: number): RecordHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_BYTES);
  const hi = view.getUint32(12, true);
  return {
    length: view.getUint32(0, true),
    crc: view.getUint32(4, true),
    seq: hi >= 0x20_0000 ? NaN : hi * 0x1_0000_0000 + view.getUint32(8, true),
  };
}
