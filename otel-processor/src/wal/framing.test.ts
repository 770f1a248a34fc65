import { crc32c } from './crc32c';
import { continueRecordCrc, legacyRecordCrc, recordCrc, recordCrcMatches } from './framing';

/** Bitwise CRC-32 (reflected, polynomial 0xEDB88320): slow and obviously the textbook algorithm. */
function referenceCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The 8 little-endian bytes of `seq` followed by `payload`: what a record's CRC covers. */
function covered(seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, seq >>> 0, true);
  view.setUint32(4, Math.floor(seq / 2 ** 32), true);
  out.set(payload, 8);
  return out;
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('WAL record CRC', () => {
  it('is the standard CRC-32 of the sequence bytes and the payload', () => {
    expect(referenceCrc32(ascii('123456789'))).toBe(0xcbf43926); // the published check value
    for (const seq of [1, 255, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER]) {
      const payload = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + seq) & 0xff);
      expect(recordCrc(seq, payload)).toBe(referenceCrc32(covered(seq, payload)));
    }
  });

  it('continues over a payload given in two pieces as over the whole', () => {
    const payload = ascii('header and then the body');
    const whole = recordCrc(9, payload);
    expect(continueRecordCrc(recordCrc(9, payload.subarray(0, 6)), payload.subarray(6))).toBe(whole);
  });

  it('still accepts the CRC-32C records of 0.1.x, and nothing else', () => {
    const payload = ascii('written by 0.1.0');
    const legacy = legacyRecordCrc(3, payload);
    expect(legacy).toBe(crc32c(covered(3, payload)));
    expect(legacy).not.toBe(recordCrc(3, payload));
    expect(recordCrcMatches(3, payload, legacy)).toBe(true);
    expect(recordCrcMatches(3, payload, recordCrc(3, payload))).toBe(true);
    expect(recordCrcMatches(4, payload, legacy)).toBe(false); // same bytes, another sequence number
    expect(recordCrcMatches(3, ascii('written by 0.1.1'), legacy)).toBe(false);
  });
});
