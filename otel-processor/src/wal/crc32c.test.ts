import { crc32c } from './crc32c';

const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

/** Bit-at-a-time reference implementation, to check the sliced tables against. */
function reference(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('matches the standard check value and the RFC 3720 (iSCSI) vectors', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('agrees with a bit-at-a-time reference at every length and alignment', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) & 0xff);
    for (let start = 0; start < 9; start++)
      for (let end = start; end <= data.length; end += 7)
        expect(crc32c(data, start, end)).toBe(reference(data.subarray(start, end)));
  });

  it('agrees with the reference on views at every byte offset of their buffer (word reads)', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919 + 13) & 0xff);
    for (let offset = 0; offset < 8; offset++) {
      const view = data.subarray(offset);
      for (const [start, end] of [
        [0, view.length],
        [1, 700],
        [5, 69],
        [3, 67],
        [0, 64],
      ] as const)
        expect(crc32c(view, start, end)).toBe(reference(view.subarray(start, end)));
    }
  });

  it('continues a checksum across pieces', () => {
    const data = ascii('The quick brown fox jumps over the lazy dog');
    for (const cut of [0, 1, 8, 20, data.length])
      expect(crc32c(data, cut, data.length, crc32c(data, 0, cut))).toBe(crc32c(data));
  });
});
