import { hash64IdsInto, hash64IdsIntoByCodes, hash64Into } from './hash64';

describe('hash64IdsInto', () => {
  it('equals hash64Into of prefix + hex ids (and the code-unit reference) for any lengths', () => {
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 24) & 0xff;
    const fast = { hi: 0, lo: 0 };
    const ref = { hi: 0, lo: 0 };
    const str = { hi: 0, lo: 0 };
    for (let t = 0; t < 3000; t++) {
      const a = Uint8Array.from({ length: [0, 1, 2, 16, 3, 7][t % 6]! }, rnd);
      const b = Uint8Array.from({ length: [0, 8, 1, 5][(t >> 3) % 4]! }, rnd);
      const prefix = [0, 1, 2, 0x41, 0xfffe][t % 5]!;
      hash64IdsInto(prefix, a, b, fast);
      hash64IdsIntoByCodes(prefix, a, b, ref);
      const hex = Buffer.from(a).toString('hex') + Buffer.from(b).toString('hex');
      hash64Into(String.fromCharCode(prefix) + hex, str);
      expect([fast.hi, fast.lo]).toEqual([str.hi, str.lo]);
      expect([ref.hi, ref.lo]).toEqual([str.hi, str.lo]);
    }
  });
});
